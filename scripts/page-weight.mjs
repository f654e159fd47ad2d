// What a page downloads for `import { Pathwise } from "pathwise"`: the package's main entry and
// everything it loads — its static and dynamic imports and any asset it names beside it (a
// `new URL("…", import.meta.url)`, a literal "….wasm") — each file gzip -9 and brotli -q 11.
// Usage: node scripts/page-weight.mjs PKG_DIR [--budget BYTES] [ENTRY]
// With --budget, fails (exit 1) when the gzip total is above it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const at = args.indexOf("--budget");
const budget = at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
const pkg = resolve(args[0] ?? "pkg");
const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const dot = manifest.exports?.["."];
const entry = args[1] ?? (typeof dot == "string" ? dot : dot?.browser ?? dot?.import ?? dot?.default ?? manifest.module ?? manifest.main);

const files = new Map();
function visit(path) {
  if (files.has(path) || !existsSync(path)) return;
  const bytes = readFileSync(path);
  files.set(path, bytes);
  if (!/\.m?js$/.test(path)) return;
  const text = bytes.toString("utf8");
  const found = [
    ...text.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
    ...text.matchAll(/export\s*(?:\*|\{[^}]*\})\s*from\s*["']([^"']+)["']/g),
    ...text.matchAll(/new URL\(\s*["']([^"':]+)["']\s*,\s*import\.meta\.url\s*\)/g),
    ...text.matchAll(/["'](\.{0,2}\/?[\w./-]+\.wasm)["']/g),
  ].map((m) => m[1]);
  for (const spec of found) if (spec.startsWith(".") || spec.endsWith(".wasm")) visit(resolve(dirname(path), spec));
}
visit(resolve(pkg, entry));

let raw = 0;
let gz = 0;
let br = 0;
console.log(`${"file".padEnd(24)} ${"raw".padStart(9)} ${"gzip -9".padStart(9)} ${"brotli".padStart(9)}`);
for (const [path, bytes] of files) {
  const g = gzipSync(bytes, { level: 9 }).length;
  const b = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += bytes.length;
  gz += g;
  br += b;
  console.log(`${relative(pkg, path).padEnd(24)} ${String(bytes.length).padStart(9)} ${String(g).padStart(9)} ${String(b).padStart(9)}`);
}
console.log(`page weight of "${manifest.name}" (${files.size} file(s) from ${entry}): raw ${raw}, gzip ${gz}, brotli ${br}`);
if (budget !== undefined) {
  if (gz > budget) {
    console.error(`size: FAIL: the page weight is ${gz} bytes gzip, over the budget of ${budget}`);
    process.exit(1);
  }
  console.log(`size: ok: ${gz} bytes gzip, within the budget of ${budget} (${budget - gz} to spare)`);
}
