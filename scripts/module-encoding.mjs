// What carrying a WebAssembly module inside a JavaScript entry costs, by encoding: the module
// served on its own (gzip -9), its plain base64, and the base64 of its raw DEFLATE stream from
// zlib at level 9 and from Zopfli (what scripts/bundle.mjs writes into the asynchronous entries),
// each as the browser downloads it, gzip -9 and brotli. docs/performance.md quotes it.
// Usage: node scripts/module-encoding.mjs MODULE.wasm   (make pkg leaves them in target/pkg-build/)
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, deflateRawSync, gzipSync } from "node:zlib";

const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/module-encoding.mjs MODULE.wasm");
  process.exit(2);
}
const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const { default: zopfli } = await import(join(root, "tools/node_modules/@gfx/zopfli/dist/index.js"));

const wasm = readFileSync(file);
const zlib9 = deflateRawSync(wasm, { level: 9 });
const zopflied = Buffer.from(await zopfli.deflateAsync(wasm, { numiterations: 15 }));
const base64 = (bytes) => Buffer.from(bytes.toString("base64"));

const rows = [
  ["the .wasm served on its own", wasm],
  ["plain base64", base64(wasm)],
  ["base64 of zlib -9 raw DEFLATE", base64(zlib9)],
  ["base64 of Zopfli raw DEFLATE", base64(zopflied)],
];
console.log(`${"encoding".padEnd(32)} ${"raw".padStart(8)} ${"gzip -9".padStart(8)} ${"brotli".padStart(8)}`);
for (const [name, bytes] of rows) {
  const gz = gzipSync(bytes, { level: 9 }).length;
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`${name.padEnd(32)} ${String(bytes.length).padStart(8)} ${String(gz).padStart(8)} ${String(br).padStart(8)}`);
}
