// Profiling helper (not part of `make bench`'s table): runs only the Pathwise side of the
// benchmark in a loop so `node --cpu-prof` (or perf) sees where the time goes, and prints the
// top functions by self time from the profile it wrote.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.mjs --n 100 --what decide|init [--wasm FILE]
//   node bench/profile.mjs --summarize /tmp/prof/<file>.cpuprofile [--under NAME] [--inclusive 1]
//
// --wasm FILE: the engine module to run instead of the one engine.js carries, e.g. one that keeps
// its function names (the Makefile's NAMES_BUILD with the engine's features, then wasm-opt with
// `-g` instead of `--strip-debug`); the shipped module's functions show up as numbers. Self times
// are flat; for the time under a function (a phase), sum the samples whose stack contains it
// (--under, --inclusive).

import { readFileSync } from "node:fs";
import { loadPathwise, pathwiseEngine, prepare, valueTable } from "./lib.mjs";

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith("--")) args[process.argv[i].slice(2)] = process.argv[++i];
}

if (args.summarize) {
  // Self time per function and, with --inclusive, the time under each function (samples whose
  // stack contains it: a phase such as `open_with` or `validate_within`); --under NAME keeps
  // only the samples under NAME (e.g. `pathwiseengine_fromEnvelope`).
  const prof = JSON.parse(readFileSync(args.summarize, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}`;
  const self = new Map();
  const under = new Map();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const t = prof.timeDeltas[i] ?? 0;
    const stack = [];
    for (let x = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x));
    if (args.under && !stack.some((n) => n.callFrame.functionName === args.under)) return;
    total += t;
    self.set(label(stack[0]), (self.get(label(stack[0])) ?? 0) + t);
    for (const name of new Set(stack.map(label))) under.set(name, (under.get(name) ?? 0) + t);
  });
  const top = [...(args.inclusive ? under : self)].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top ?? 30));
  for (const [name, t] of top) console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`);
} else {
  const n = Number(args.n ?? 100);
  const { pw } = await loadPathwise(args.wasm ? readFileSync(args.wasm) : undefined);
  const p = prepare(n);
  const rounds = Number(args.rounds ?? 20);
  const t0 = performance.now();
  if ((args.what ?? "decide") === "init") {
    for (let i = 0; i < rounds; i++) pathwiseEngine(pw, p).free();
  } else {
    const engine = pathwiseEngine(pw, p);
    const values = valueTable(engine);
    let acc = 0;
    for (let i = 0; i < rounds; i++) {
      for (let u = 0; u < p.users.length; u++) {
        engine.setUnit(p.users[u].id);
        engine.setAttributes(p.pwUsers[u]);
        const r = engine.decideAll();
        for (let k = 0; k < r.length; k++) acc += values[k][r[k]].length;
      }
    }
    if (acc === 42) console.log("");
  }
  console.log(`${args.what ?? "decide"} N=${n}: ${(performance.now() - t0).toFixed(0)} ms for ${rounds} rounds`);
}
