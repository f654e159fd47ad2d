// One cold-start sample in this fresh process (spawned by node.mjs, alternating SDKs): load the
// SDK, init from the text, then decide every slot / feature for the first user. Prints one JSON
// line: { loadNs, initNs, firstUserNs, totalNs, acc }.
//
//   node bench/cold.mjs --sdk pathwise|growthbook --input FILE
//
// FILE (written by node.mjs, read before the clock starts) holds the envelope or payload text,
// the pinned key and the first user, so this process imports nothing of the bench before timing.
//
// - Pathwise: import `pathwise/engine` (engine.js, which carries its module deflated) and
//   `initSync()` (inflate, compile, instantiate) = load; `PathwiseEngine.fromEnvelope` = init;
//   `choices()` (what each decision index shows), `setUnit`, `setAttributes`, `decideAll` = first
//   user.
// - GrowthBook: import `dist/bundles/esm.min.js` = load; `JSON.parse` + `new GrowthBook` +
//   `initSync` = init; `setAttributes`, `setURL`, `getFeatureValue` of every feature = first user.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const arg = (name) => argv[argv.indexOf(`--${name}`) + 1];
const input = JSON.parse(readFileSync(arg("input"), "utf8"));
const now = () => process.hrtime.bigint();
const fold = (acc, v) => (Math.imul(acc, 31) + v.length + v.charCodeAt(v.length - 1)) | 0;

let acc = 0;
let t0, t1, t2, t3;
if (arg("sdk") === "pathwise") {
  t0 = now();
  const pw = await import(pathToFileURL(input.engineEntry).href);
  pw.initSync();
  t1 = now();
  const engine = pw.PathwiseEngine.fromEnvelope(input.envelope, input.site, [input.key], input.nowMs);
  t2 = now();
  const values = engine.choices().map((cs) => cs.map((c) => c[0]));
  engine.setUnit(input.user.id);
  engine.setAttributes(input.attributes);
  const r = engine.decideAll();
  for (let k = 0; k < r.length; k++) acc = fold(acc, values[k][r[k]]);
  t3 = now();
} else {
  t0 = now();
  const { GrowthBook } = await import(pathToFileURL(input.gbEntry).href);
  t1 = now();
  const gb = new GrowthBook({ trackingCallback: () => {}, attributes: {} });
  gb.initSync({ payload: JSON.parse(input.payload) });
  t2 = now();
  gb.setAttributes(input.user);
  gb.setURL(input.user.url);
  for (const key of input.keys) acc = fold(acc, gb.getFeatureValue(key, ""));
  t3 = now();
}
const ns = (a, b) => Number(b - a);
console.log(JSON.stringify({ loadNs: ns(t0, t1), initNs: ns(t1, t2), firstUserNs: ns(t2, t3), totalNs: ns(t0, t3), acc: acc >>> 0 }));
