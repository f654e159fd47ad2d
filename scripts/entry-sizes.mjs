// The app entries' sizes (pathwise/react, pathwise/openfeature, pathwise/analytics): each file
// gzip -9, without what it imports by name (the package's main entry, React, the OpenFeature
// SDK: the app has those anyway). Fails above a budget.
// Usage: node scripts/entry-sizes.mjs PKG_DIR FILE:BUDGET_BYTES ...
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const [dir, ...specs] = process.argv.slice(2);
if (!dir || !specs.length) {
  console.error("usage: node scripts/entry-sizes.mjs PKG_DIR FILE:BUDGET_BYTES ...");
  process.exit(2);
}
let failed = false;
for (const spec of specs) {
  const [file, budget] = spec.split(":");
  const bytes = readFileSync(join(resolve(dir), file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  const within = !budget || gz <= Number(budget);
  failed ||= !within;
  console.log(`${file.padEnd(16)} raw ${String(bytes.length).padStart(6)}  gzip -9 ${String(gz).padStart(5)}${budget ? `  budget ${budget}: ${within ? "ok" : "FAIL"}` : ""}`);
}
if (failed) {
  console.error("size: FAIL: an app entry is over its budget");
  process.exit(1);
}
