// One cold-start sample in this fresh process (spawned by run.mjs): load the SDK module, init from
// the bundle text, then decide every slot / feature for the first user. Prints one JSON line.
//
//   node bench/cold.mjs --sdk pathwise|growthbook --input FILE
//
// FILE (written by run.mjs, read before any timing) holds the bundle or payload text, the pinned
// key and the first user, so this process imports nothing of the workload generator.

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
