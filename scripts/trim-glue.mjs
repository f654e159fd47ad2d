// Trims the JavaScript glue that wasm-bindgen generates (pkg/pathwise.js) before it ships:
// JSDoc blocks (the same docs are in pathwise.d.ts and index.d.ts), whole-line `//` comments and
// indentation. Nothing inside a statement changes, so the code is exactly the generated one; the
// result is parsed once more to be sure. Usage: node scripts/trim-glue.mjs FILE
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/trim-glue.mjs FILE");
  process.exit(2);
}
const text = readFileSync(file, "utf8");
// A multi-line template literal would make line-wise trimming unsafe: refuse rather than guess.
for (const line of text.split("\n")) {
  if ((line.split("`").length - 1) % 2 !== 0 && !line.trim().startsWith("*") && !line.trim().startsWith("//")) {
    console.error(`trim-glue: a template literal spans lines in ${file}; not trimming:\n${line}`);
    process.exit(1);
  }
}
const trimmed = text
  .replace(/\/\*\*[\s\S]*?\*\/\s*/g, "")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("//"))
  .join("\n") + "\n";
writeFileSync(file, trimmed);
// Parse it (as a module) to be sure nothing was broken.
execFileSync(process.execPath, ["--check", file], { stdio: "inherit" });
console.log(`trim-glue: ${file}: ${text.length} -> ${trimmed.length} bytes`);
