// Issue 4's choice of how the browser reads a bundle, measured: four modules that differ only in
// the reader (own JSON reader in wasm, serde_json in wasm, JSON.parse + serde-wasm-bindgen, a
// compact binary form: MessagePack read with rmp-serde), each
// reading and validating the benchmark's bundles (N = 10, 100, 1000 rules per feature set) in one
// process, interleaved. `make parse-choice` builds the modules into target/parse-choice/ first.
// Usage: node bench/parse-choice.mjs [--runs 15]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { REPO, prepare, median } from "./lib.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 15) || 15;
const dir = join(REPO, "target", "parse-choice");
const variants = [
  ["own", "own reader in wasm (shipped)", (m, text) => m.readBundle(text)],
  ["serde-json", "serde_json in wasm", (m, text) => m.readBundle(text)],
  ["swb", "JSON.parse + serde-wasm-bindgen", (m, text) => m.readBundle(JSON.parse(text))],
  // The binary form is made once, as `pathwise sign` would; only reading it is timed.
  ["msgpack", "binary form (MessagePack, rmp-serde)", (m, text) => m.readBundle(packed(text))],
];

/** MessagePack of a JSON value (what a signer would write), cached per text. */
const packCache = new Map();
function packed(text) {
  if (!packCache.has(text)) packCache.set(text, msgpack(JSON.parse(text)));
  return packCache.get(text);
}
function msgpack(value) {
  const out = [];
  const head = (small, fixBase, fixMax, codes, n) => {
    if (small && n <= fixMax) out.push(fixBase | n);
    else if (codes[0] && n < 256) out.push(codes[0], n);
    else if (n < 65536) out.push(codes[1], n >> 8, n & 255);
    else out.push(codes[2], (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  };
  const put = (v) => {
    if (v === null) out.push(0xc0);
    else if (v === true || v === false) out.push(v ? 0xc3 : 0xc2);
    else if (typeof v === "number") {
      if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) {
        if (v < 128) out.push(v);
        else out.push(0xce, (v >>> 24) & 255, (v >> 16) & 255, (v >> 8) & 255, v & 255);
      } else {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(v);
        out.push(0xcb, ...b);
      }
    } else if (typeof v === "string") {
      const b = Buffer.from(v, "utf8");
      head(true, 0xa0, 31, [0xd9, 0xda, 0xdb], b.length);
      out.push(...b);
    } else if (Array.isArray(v)) {
      head(true, 0x90, 15, [0, 0xdc, 0xdd], v.length);
      v.forEach(put);
    } else {
      const keys = Object.keys(v);
      head(true, 0x80, 15, [0, 0xde, 0xdf], keys.length);
      for (const k of keys) {
        put(k);
        put(v[k]);
      }
    }
  };
  put(value);
  return Uint8Array.from(out);
}
const modules = {};
for (const [name] of variants) {
  const m = await import(pathToFileURL(join(dir, name, "pathwise.js")).href);
  const wasm = readFileSync(join(dir, name, "pathwise_bg.wasm"));
  const glue = readFileSync(join(dir, name, "pathwise.js"));
  m.initSync({ module: wasm });
  modules[name] = { m, gzip: gzipSync(wasm, { level: 9 }).length + gzipSync(glue, { level: 9 }).length };
}
const rows = [];
for (const n of [10, 100, 1000]) {
  const { bundleText } = prepare(n);
  const times = Object.fromEntries(variants.map(([name]) => [name, []]));
  const counts = new Set();
  for (let r = 0; r < runs + 1; r++) {
    const order = r % 2 ? [...variants].reverse() : variants;
    for (const [name, , read] of order) {
      const t0 = process.hrtime.bigint();
      counts.add(read(modules[name].m, bundleText));
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (r > 0) times[name].push(us);
    }
  }
  if (counts.size !== 1) throw new Error(`the readers disagree on the rule count at N = ${n}: ${[...counts]}`);
  rows.push([n, bundleText.length, packed(bundleText).length, Object.fromEntries(variants.map(([name]) => [name, median(times[name])]))]);
}
console.log(`| reader | module gzip (wasm + glue), B | ${rows.map(([n, len, bin]) => `read + validate N = ${n} (JSON ${(len / 1024).toFixed(0)} KiB, binary ${(bin / 1024).toFixed(0)} KiB), µs`).join(" | ")} |`);
console.log(`|---|---:|${rows.map(() => "---:").join("|")}|`);
for (const [name, label] of variants) {
  console.log(`| ${label} | ${modules[name].gzip} | ${rows.map(([, , , t]) => t[name].toFixed(0)).join(" | ")} |`);
}
