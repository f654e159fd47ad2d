// Puts the JavaScript snippets the Rust adapter imports (`#[wasm_bindgen(module =
// "/src/web/js/NAME.js")]`) into the wasm-bindgen glue itself, then deletes the snippets
// directory, so the package stays one glue file per module: one request instead of one per
// snippet, and the snippet compresses together with the glue (gzip is cheaper on one file than on
// several). sync.js, pathwise_bg.inline.js, auto*.js and scripts/size.sh keep seeing pathwise.js.
//
// wasm-bindgen writes each snippet to OUT_DIR/snippets/CRATE-HASH/src/web/js/NAME.js and imports
// it with one line `import { a, b } from './snippets/…/NAME.js';`. Each such line is replaced by
// the snippet's code with `export ` dropped from its declarations. The names then share the
// glue's module scope, so they must be unique: the snippets prefix them (see src/web/js/), and
// this script refuses — rather than guess — whenever something is not as expected: an aliased
// import (`a as b`, wasm-bindgen's answer to a clash), a name not exported, a top-level name the
// glue or another snippet already declares, an `import`/`export default`/`export {…}` in a
// snippet, a snippet file nothing imports, any other reference to ./snippets/. The result is
// parsed once more (`node --check`), which also rejects any duplicate declaration left.
//
// Usage: node scripts/inline-snippets.mjs GLUE.js [--none]
//   --none: the module must have no snippets at all (the engine module, pathwise_engine).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { execFileSync } from "node:child_process";

const [file, flag] = process.argv.slice(2);
if (!file || (flag !== undefined && flag !== "--none")) {
  console.error("usage: node scripts/inline-snippets.mjs GLUE.js [--none]");
  process.exit(2);
}
const fail = (message) => {
  console.error(`inline-snippets: ${file}: ${message}; not inlining`);
  process.exit(1);
};

const dir = dirname(file);
const snippetsDir = join(dir, "snippets");
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
  }
};
if (existsSync(snippetsDir)) walk(snippetsDir);

const text = readFileSync(file, "utf8");
const importLine = /^import \{ ([^}]*) \} from '(\.\/snippets\/[^']+)';$/;
const lines = text.split("\n");
const imports = lines.filter((l) => importLine.test(l));
if (flag === "--none") {
  if (imports.length > 0 || files.length > 0 || text.includes("./snippets/")) {
    fail(`this module must have no snippets, but it imports ${imports.length} (${files.length} files in ${snippetsDir})`);
  }
  console.log(`inline-snippets: ${file}: no snippets, as required`);
  process.exit(0);
}

// Top-level declarations: the glue's (wasm-bindgen writes them unindented) and each snippet's
// (written unindented too, by convention of src/web/js/).
const declared = (code) => {
  const names = [];
  const re = /^(?:export )?(?:async )?(?:function\*? ?|class |let |const |var )([A-Za-z_$][\w$]*)/gm;
  for (const m of code.matchAll(re)) names.push(m[1]);
  return names;
};
const taken = new Map(declared(lines.filter((l) => !importLine.test(l)).join("\n")).map((n) => [n, "the glue"]));

const used = new Set();
const out = lines.map((line) => {
  const m = importLine.exec(line);
  if (!m) return line;
  const path = join(dir, m[2]);
  const name = relative(dir, path);
  if (!existsSync(path)) fail(`${name} is imported but missing`);
  used.add(path);
  const code = readFileSync(path, "utf8");
  if (/^\s*import[\s{*"']/m.test(code)) fail(`${name} imports another module`);
  if (/^\s*export\s+(default\b|\{|\*)/m.test(code)) fail(`${name} has an export other than \`export function|const|let|class NAME\``);
  const exported = new Set();
  for (const m2 of code.matchAll(/^export (?:async )?(?:function\*? ?|class |let |const )([A-Za-z_$][\w$]*)/gm)) {
    exported.add(m2[1]);
  }
  for (const spec of m[1].split(",").map((s) => s.trim())) {
    if (!/^[A-Za-z_$][\w$]*$/.test(spec)) fail(`the import of ${name} renames \`${spec}\` (a name clash wasm-bindgen resolved)`);
    if (!exported.has(spec)) fail(`${name} does not export \`${spec}\` as a top-level declaration`);
  }
  for (const n of declared(code)) {
    if (taken.has(n)) fail(`${name} declares \`${n}\`, which ${taken.get(n)} already declares`);
    taken.set(n, name);
  }
  return code.replace(/^export /gm, "").trimEnd();
});
for (const path of files) {
  if (!used.has(path)) fail(`${relative(dir, path)} is in the snippets directory, but the glue does not import it`);
}
const result = out.join("\n");
if (result.includes("./snippets/")) fail("the glue still refers to ./snippets/ after inlining");
writeFileSync(file, result);
execFileSync(process.execPath, ["--check", file], { stdio: "inherit" });
rmSync(snippetsDir, { recursive: true, force: true });
console.log(`inline-snippets: ${file}: ${imports.length} snippet(s) inlined, ${snippetsDir} removed`);
