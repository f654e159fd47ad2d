// Memory per live instance, in this fresh process (spawned by node.mjs with --expose-gc): one
// instance made and released first (what the module keeps whatever the number of instances: its
// input buffer, GrowthBook's module state), then K instances kept alive; per instance = (JS heap
// used after gc + the wasm memory's size) grown over the K, divided by K. Prints one JSON line:
// { perInstance, heapPerInstance, wasmPerInstance, instances }.
//
//   node --expose-gc bench/memory.mjs --sdk pathwise|growthbook --input FILE --instances K
//
// A Pathwise instance holds its program in the module's memory (which grows in 64 KiB pages,
// hence K instances, not one) and its tables (slots, choices) on the JS heap; a GrowthBook
// instance holds its parsed payload and its own state on the JS heap.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const arg = (name) => argv[argv.indexOf(`--${name}`) + 1];
const input = JSON.parse(readFileSync(arg("input"), "utf8"));
const K = Number(arg("instances"));
if (!globalThis.gc) throw new Error("memory.mjs needs node --expose-gc");

let make;
let release;
let wasmBytes = () => 0;
if (arg("sdk") === "pathwise") {
  const pw = await import(pathToFileURL(input.engineEntry).href);
  const exports = pw.initSync();
  wasmBytes = () => exports.memory.buffer.byteLength;
  make = () => {
    const engine = pw.PathwiseEngine.fromEnvelope(input.envelope, input.site, [input.key], input.nowMs);
    engine.choices(); // the tables a caller reads once
    return engine;
  };
  release = (engine) => engine.free();
} else {
  const { GrowthBook } = await import(pathToFileURL(input.gbEntry).href);
  make = () => {
    const gb = new GrowthBook({ trackingCallback: () => {}, attributes: {} });
    gb.initSync({ payload: JSON.parse(input.payload) });
    return gb;
  };
  release = (gb) => gb.destroy();
}

const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

release(make());
const h0 = heap();
const w0 = wasmBytes();
const live = [];
for (let i = 0; i < K; i++) live.push(make());
const heapPerInstance = (heap() - h0) / K;
const wasmPerInstance = (wasmBytes() - w0) / K;
console.log(JSON.stringify({ perInstance: heapPerInstance + wasmPerInstance, heapPerInstance, wasmPerInstance, instances: live.length }));
