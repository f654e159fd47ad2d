// One cold-start sample in this fresh process (spawned by run.mjs): load the SDK module, init from
// the bundle text, then decide every slot / feature for the first user. Prints one JSON line.
//
//   node bench/cold.mjs --sdk pathwise|growthbook --input FILE
//
// FILE (written by run.mjs, read before any timing) holds the bundle or payload text, the pinned
// key and the first user, so this process imports nothing of the workload generator.
//
// What a Pathwise cold start is made of (Node 20 / V8 11.3, this 2-core VM, N = 100, 2026-11-28):
//
// - V8 compiles a fresh module's functions lazily, on first call, with its baseline compiler
//   (Liftoff), and optimizes a function (TurboFan) on a background thread once it has run enough
//   — for its *next* call: WebAssembly has no on-stack replacement, so a loop stays in baseline
//   code for the rest of the call it runs in. The first `fromEnvelope` therefore runs almost all
//   in baseline code: `node --liftoff-only` (no optimization at all) is *faster* than the default.
// - What used to make the default slower: wasm-opt inlined every single-caller function, so
//   `fromEnvelope` (25 KB), the bundle reader (12.5 KB) and the validator (6.7 KB) were giant
//   functions whose loops ran long enough to be optimized — 30-100 ms of CPU each on V8's worker
//   threads during the init, competing with it on 2 cores, for code the init never ran. The
//   Makefile's NO_INLINE keeps their per-item bodies out of line (whole-process CPU 124-136 ->
//   88 ms), and the envelope text is copied by TextEncoder.encodeInto instead of the glue's
//   per-character loop (3-6 ms in the interpreter).
// - Init, default flags, 20 / 8 processes each alternating, machine nearly idle: N = 100
//   15.0 [9.9-22.9] -> 12.2 [7.2-19.0] ms, N = 1000 61.8 -> 48.5 ms (the spread is V8's
//   background compiles and the other jobs on 2 cores). With --liftoff-only, which leaves only
//   the main thread's own work, N = 100: 10.15 -> 6.7-7.0 ms. Of those ~7 ms about 3.1 ms is
//   Liftoff compiling the ~106 KB of function bodies the init and first user reach (`node
//   --liftoff-only --no-wasm-lazy-compilation` moves it into the load: init 4.2 ms), 1.5 ms is
//   `verify_strict` (SHA-512 of the 64 KB payload as ONE call of sha2's block loop, plus the
//   curve arithmetic), 1.0 ms validation, 0.9 ms reading the tree into a `Bundle`.
// - Floors against issue 7's "at most a third of GrowthBook's" (GrowthBook 9.05 ms, so 3.0 ms):
//   loading the module alone is 3.0 ms (glue import 1.1, read 0.4, WebAssembly.Module 1.15 —
//   validation only, compilation is lazy — instantiate 0.4), before any init.
// - N = 1000: SHA-512 of the 777 KB payload is 1.9 ms warm in wasm (OpenSSL: 0.64 ms) but 15.4 ms
//   of a cold init of ~50 ms, because verify_strict hashes the message in one call that never
//   leaves baseline code. ed25519-dalek's `verify_stream` (feature `hazmat`) fed 8 KiB at a time
//   measured 17.2 -> 3.8 ms for the verification step (cold init 54 -> 41 ms); it would need
//   verify_strict's two extra checks (small-order R, small-order key) written out here, so it is
//   not done without a decision on docs/design.md's "Verifying in the browser". V8's own JSON.parse of the same
//   payload takes 3.2 ms, more than GrowthBook's whole JSON.parse + init (2.9 ms).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith("--")) args[process.argv[i].slice(2)] = process.argv[++i];
}
const input = JSON.parse(readFileSync(args.input, "utf8"));
const now = () => process.hrtime.bigint();
const fold = (acc, v) => (Math.imul(acc, 31) + v.length + v.charCodeAt(v.length - 1)) | 0;

let out;
if (args.sdk === "pathwise") {
  const t0 = now();
  const pw = await import(pathToFileURL(join(input.pkg, "engine.js")).href);
  pw.initSync({ module: readFileSync(join(input.pkg, "pathwise_engine_bg.wasm")) });
  const t1 = now();
  const engine = pw.PathwiseEngine.fromEnvelope(input.envelope, input.site, [input.key], input.nowMs, input.caps);
  const t2 = now();
  const values = engine.choices().map((cs) => cs.map((c) => c[0]));
  engine.setUnit(input.user.id);
  engine.setAttributes(input.attributes);
  const r = engine.decideAll();
  let acc = 0;
  for (let k = 0; k < r.length; k++) acc = fold(acc, values[k][r[k]]);
  const t3 = now();
  out = { importNs: Number(t1 - t0), initNs: Number(t2 - t1), firstUserNs: Number(t3 - t2), acc };
} else {
  const t0 = now();
  const { GrowthBook } = await import(pathToFileURL(input.gbEntry).href);
  const t1 = now();
  const gb = new GrowthBook({ trackingCallback: () => {}, attributes: {} });
  gb.initSync({ payload: JSON.parse(input.payload) });
  const t2 = now();
  gb.setAttributes(input.user);
  gb.setURL(input.user.url);
  let acc = 0;
  for (const key of input.keys) acc = fold(acc, gb.getFeatureValue(key, ""));
  const t3 = now();
  out = { importNs: Number(t1 - t0), initNs: Number(t2 - t1), firstUserNs: Number(t3 - t2), acc };
}
out.totalNs = out.importNs + out.initNs + out.firstUserNs;
console.log(JSON.stringify(out));
