// `make bench`, the Node part: Pathwise (pathwise/engine) and GrowthBook 1.8.0 on the same seeded
// workload (bench/workload.mjs), and the checks that make the comparison valid. Writes the raw
// figures as JSON for bench/table.mjs; progress goes to stderr.
//
//   node --expose-gc bench/node.mjs [--n 10,100,1000] [--cold-n 10,100] [--passes 5] [--cold 11]
//        [--out FILE]
//
// Per N: the agreement checks (agreement.mjs), per decision and init in this process
// (speed.mjs), the envelope and payload sizes (sizes.mjs), memory per instance in fresh
// processes (memory.mjs); cold starts in fresh processes (cold.mjs) for the --cold-n sizes.

import { writeFileSync } from "node:fs";
import { agreement, referenceIsGrowthBook } from "./agreement.mjs";
import { alternate } from "./children.mjs";
import { flags, loadGrowthBook, loadPathwise, median, prepare } from "./lib.mjs";
import { sizes } from "./sizes.mjs";
import { init, perDecision } from "./speed.mjs";

const args = flags();
const NS = (args.n ?? "10,100,1000").split(",").map(Number);
const COLD_NS = (args["cold-n"] ?? "10,100").split(",").map(Number);
const PASSES = Number(args.passes ?? 5);
const COLD = Number(args.cold ?? 11);
const MEMORY = 3;
const log = (...a) => process.stderr.write(`bench node: ${a.join(" ")}\n`);

const { pw } = await loadPathwise();
const { GrowthBook, version: gbVersion } = await loadGrowthBook();

const medianOf = (xs, key) => median(xs.map((x) => x[key]));

async function benchN(n) {
  const p = prepare(n);
  const r = { n, rules: p.rules, ...sizes(p) };
  log(`N=${n}: ${p.rules} rules; envelope ${r.envelopeBytes} B (${r.envelopeGzip} gzip), GrowthBook payload ${r.gbPayloadBytes} B (${r.gbPayloadGzip} gzip)`);

  r.agreement = agreement(pw, p);
  r.reference = referenceIsGrowthBook(GrowthBook, p);
  log(`N=${n}: agreement ${r.agreement.ok ? "ok" : "FAILED"}, reference = GrowthBook ${r.reference.ok ? "ok" : "FAILED"}`);

  r.decision = await perDecision(pw, GrowthBook, p, n >= 1000 ? Math.min(PASSES, 3) : PASSES);
  log(`N=${n}: per decision ${r.decision.pwNs.toFixed(1)} vs ${r.decision.gbNs.toFixed(1)} ns`);
  r.init = await init(pw, GrowthBook, p, n >= 1000 ? 10 : 20);
  log(`N=${n}: init ${(r.init.pwNs / 1e3).toFixed(0)} vs ${(r.init.gbNs / 1e3).toFixed(0)} µs`);

  const mem = alternate(p, "memory.mjs", MEMORY, { nodeArgs: ["--expose-gc"], args: ["--instances", n >= 1000 ? "20" : "50"] });
  r.memory = {
    pw: medianOf(mem.pathwise, "perInstance"), gb: medianOf(mem.growthbook, "perInstance"),
    pwWasm: medianOf(mem.pathwise, "wasmPerInstance"), pwHeap: medianOf(mem.pathwise, "heapPerInstance"),
    samples: MEMORY,
  };
  log(`N=${n}: memory per instance ${(r.memory.pw / 1024).toFixed(0)} vs ${(r.memory.gb / 1024).toFixed(0)} KiB`);

  if (COLD_NS.includes(n)) {
    const cold = alternate(p, "cold.mjs", COLD);
    r.cold = { samples: COLD };
    for (const [name, xs] of [["pw", cold.pathwise], ["gb", cold.growthbook]]) {
      r.cold[name] = Object.fromEntries(["loadNs", "initNs", "firstUserNs", "totalNs"].map((k) => [k, medianOf(xs, k)]));
    }
    r.cold.sameDecisions = new Set(cold.pathwise.map((x) => x.acc)).size === 1 && new Set(cold.growthbook.map((x) => x.acc)).size === 1;
    log(`N=${n}: cold start ${(r.cold.pw.totalNs / 1e6).toFixed(2)} vs ${(r.cold.gb.totalNs / 1e6).toFixed(2)} ms`);
  }
  return r;
}

const results = [];
for (const n of NS) results.push(await benchN(n));
const out = { node: process.version, pathwise: pw.version(), growthBook: gbVersion, results };
if (args.out) writeFileSync(args.out, JSON.stringify(out, null, 1) + "\n");
else console.log(JSON.stringify(out, null, 1));
