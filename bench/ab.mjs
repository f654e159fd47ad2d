// Two builds of pathwise/engine side by side in one process (not part of `make bench`'s table):
// both `engine.js` files imported, each with its own module, the same prepared workload, rounds
// interleaved and alternating which goes first, so a slow moment of the machine hits both. For
// judging one change by figures where run-to-run noise is as large as the change.
//
//   node bench/ab.mjs OLD_PKG NEW_PKG [--n 10] [--what visitor,decide,user,init]
//
// visitor: setUnit + setAttributes; decide: decideAll (the visitor already set); user: both;
// init: fromEnvelope + free. Prints the median ns per call of each build and NEW ÷ OLD.

import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { flags, median, pathwiseEngine, prepare } from "./lib.mjs";

const args = flags(process.argv.slice(4));
const dirs = process.argv.slice(2, 4).map((d) => resolve(d));
if (dirs.length < 2 || dirs.some((d) => d.startsWith("--"))) {
  console.error("usage: node bench/ab.mjs OLD_PKG NEW_PKG [--n 10] [--what visitor,decide,user,init]");
  process.exit(2);
}
const n = Number(args.n ?? 10);
const builds = [];
for (const dir of dirs) {
  const pw = await import(pathToFileURL(join(dir, "engine.js")).href);
  pw.initSync();
  builds.push(pw);
}
const p = prepare(n);
const engines = builds.map((pw) => pathwiseEngine(pw, p));
const ROUNDS = 31;
const INITS = 50;

/** One round of `what` on build `k`: ns per call. */
function round(what, k) {
  const e = engines[k];
  const t0 = process.hrtime.bigint();
  let calls = 0;
  if (what === "init") {
    for (; calls < INITS; calls++) pathwiseEngine(builds[k], p).free();
  } else {
    for (; calls < p.users.length; calls++) {
      if (what !== "decide") {
        e.setUnit(p.users[calls].id);
        e.setAttributes(p.pwUsers[calls]);
      }
      if (what !== "visitor") e.decideAll();
    }
  }
  return Number(process.hrtime.bigint() - t0) / calls;
}

for (const what of (args.what ?? "visitor,decide,user,init").split(",")) {
  const ns = [[], []];
  for (let r = 0; r <= ROUNDS; r++) {
    for (const k of r % 2 ? [0, 1] : [1, 0]) {
      const x = round(what, k);
      if (r > 0) ns[k].push(x); // the first round of each is a warm-up
    }
  }
  const [a, b] = ns.map(median);
  console.log(`${what} N=${n}: old ${a.toFixed(0)} ns, new ${b.toFixed(0)} ns, new/old ${(b / a).toFixed(2)}`);
}
