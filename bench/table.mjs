// `make bench`, the last step: ONE table from the figures the other steps wrote (node.mjs,
// race.mjs, verify-node.mjs, verify-browser.mjs), each target of issue 13 with MET / NOT MET,
// the informational figures beside them, and the agreement checks that make the comparison
// valid. Exits 1 when a check fails (a target NOT MET is a result, not a failure).
//
//   node bench/table.mjs DIR      (DIR holds node.json, race.json, verify-node.json, verify-browser.json)

import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";

const dir = process.argv[2];
const read = (name) => {
  const file = join(dir, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
};
const node = read("node.json");
const race = read("race.json");
const verifyNode = read("verify-node.json");
const verifyBrowser = read("verify-browser.json");

const fmt = (x, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? (x === Infinity ? "never" : "—")
  : x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
const times = (q) => `${q.toFixed(2)}×`;
const verdict = (ok) => (ok ? "MET" : "NOT MET");

const rows = [];
const row = (measure, n, pw, gb, ratio, target, result) => rows.push([measure, String(n), pw, gb, ratio, target, result]);
let checksFailed = false;

// ---------------------------------------------------------------- Node
if (node) {
  for (const r of node.results) {
    const q = r.init.pwNs / r.init.gbNs;
    const targeted = r.n === 100 || r.n === 1000;
    row("Node: init, µs (Pathwise fromEnvelope: verify + read, from the envelope text; GrowthBook JSON.parse + init)", r.n,
      fmt(r.init.pwNs / 1e3), fmt(r.init.gbNs / 1e3), times(q), targeted ? "≤ GrowthBook" : "—", targeted ? verdict(q <= 1) : "info");
  }
  for (const r of node.results.filter((x) => x.cold)) {
    const pw = r.cold.pw.totalNs;
    const gb = r.cold.gb.totalNs;
    row("Node: cold start, ms (fresh process: load the SDK → init → first user's decisions)", r.n,
      fmt(pw / 1e6, 1), fmt(gb / 1e6, 1), times(pw / gb), "≤ GrowthBook", verdict(pw <= gb));
    row("Node: cold start against half of GrowthBook's, ms (reference figure)", r.n,
      fmt(pw / 1e6, 1), `½ = ${fmt(gb / 2e6, 1)}`, times(pw / (gb / 2)), "—", "info");
    const parts = (c) => `${fmt(c.loadNs / 1e6, 1)} / ${fmt(c.initNs / 1e6, 1)} / ${fmt(c.firstUserNs / 1e6, 1)}`;
    row("Node: cold start parts, ms (load / init / first user)", r.n, parts(r.cold.pw), parts(r.cold.gb), "—", "—", "info");
  }
  for (const r of node.results) {
    const faster = r.decision.gbNs / r.decision.pwNs;
    row("Node: per decision, ns (per user: set attributes, then every slot / feature)", r.n,
      fmt(r.decision.pwNs, 1), fmt(r.decision.gbNs, 1), `${faster.toFixed(1)}× faster`, "≥ 10× faster", verdict(faster >= 10));
  }
  for (const r of node.results) {
    const d = r.decision;
    const us = (x) => fmt(x / 1e3, 1);
    row("Node: per user, µs: every slot / feature [of which the attributes: Pathwise setUnit + setAttributes; GrowthBook setAttributes + setURL]", r.n,
      `${us(d.pwUserNs)} [${us(d.pwAttributesNs)}]`, `${us(d.gbUserNs)} [${us(d.gbAttributesNs)}]`, times(d.pwUserNs / d.gbUserNs), "—", "info");
  }
  for (const r of node.results) {
    const q = r.memory.pw / r.memory.gb;
    const targeted = r.n === 100;
    row("Node: memory per live instance, KiB (Pathwise: wasm + JS heap; GrowthBook: JS heap)", r.n,
      `${fmt(r.memory.pw / 1024)} (${fmt(r.memory.pwWasm / 1024)} + ${fmt(r.memory.pwHeap / 1024)})`, fmt(r.memory.gb / 1024),
      times(q), targeted ? "≤ GrowthBook" : "—", targeted ? verdict(q <= 1) : "info");
  }
  for (const r of node.results) {
    const q = r.envelopeGzip / r.gbPayloadGzip;
    row("rules on the wire, B gzip (Pathwise signed envelope; GrowthBook payload) [raw]", r.n,
      `${fmt(r.envelopeGzip)} [${fmt(r.envelopeBytes)}]`, `${fmt(r.gbPayloadGzip)} [${fmt(r.gbPayloadBytes)}]`,
      times(q), "≤ GrowthBook", verdict(q <= 1));
  }
}

// ---------------------------------------------------------------- Chromium race
if (race) {
  const results = race.results;
  const profiles = [...new Set(results.map((r) => r.profile))];
  for (const profile of profiles) {
    for (const r of results.filter((x) => x.profile === profile)) {
      const pw = r.sdks.pathwise;
      const gb = r.sdks.growthbook;
      const spread = (x) => (x.variantRange ? ` [${fmt(x.variantRange[0])}–${fmt(x.variantRange[1])}]` : "");
      const never = (x) => (x.neverShown ? `, never shown in ${x.neverShown}` : "");
      row(`Chromium ${profile}: variant visible, ms since navigation start (median [range] of ${pw.loads} loads)`, `${r.n} rule${r.n > 1 ? "s" : ""}`,
        `${fmt(pw.variantMs)}${spread(pw)}${never(pw)}`, `${fmt(gb.variantMs)}${spread(gb)}${never(gb)}`,
        times(pw.variantMs / gb.variantMs), "≤ GrowthBook", verdict(pw.variantMs <= gb.variantMs));
    }
  }
  for (const r of results.filter((x) => x.profile === "mobile")) {
    const pw = r.sdks.pathwise;
    const gb = r.sdks.growthbook;
    const clean = (pw.loads - pw.shownThenReplaced) / pw.loads;
    row("Chromium mobile: loads where the default hero was shown, then replaced", `${r.n} rule${r.n > 1 ? "s" : ""}`,
      `${pw.shownThenReplaced} / ${pw.loads}`, `${gb.shownThenReplaced} / ${gb.loads}`, "—",
      "never in ≥ 95 % of loads", `${verdict(clean >= 0.95)} (${fmt(clean * 100)} %)`);
  }
  for (const r of results.filter((x) => x.profile === "unthrottled")) {
    const pw = r.sdks.pathwise;
    const gb = r.sdks.growthbook;
    row("Chromium: bytes per load (HTML + every request, gzip, with headers) [requests]", `${r.n} rule${r.n > 1 ? "s" : ""}`,
      `${fmt(pw.bytes)} [${pw.requests}]`, `${fmt(gb.bytes)} [${gb.requests}]`, times(pw.bytes / gb.bytes), "—", "info");
  }
  for (const profile of profiles) {
    for (const r of results.filter((x) => x.profile === profile)) {
      const s = r.sdks.sync;
      const gb = r.sdks.growthbook;
      row(`Chromium ${profile}: pathwise/sync (render-blocking): variant visible, ms [loads with the variant in the first paint]`,
        `${r.n} rule${r.n > 1 ? "s" : ""}`, `${fmt(s.variantMs)} [${s.variantInFirstPaint} / ${s.loads}]`, fmt(gb.variantMs),
        times(s.variantMs / gb.variantMs), "blocks in the first paint", verdict(s.variantInFirstPaint === s.loads));
    }
  }
  for (const r of results.filter((x) => x.profile === "unthrottled")) {
    row("Chromium: pathwise/sync bytes per load [requests]", `${r.n} rule${r.n > 1 ? "s" : ""}`,
      `${fmt(r.sdks.sync.bytes)} [${r.sdks.sync.requests}]`, "—", "—", "—", "info");
  }
}

// ---------------------------------------------------------------- Ed25519 verification
for (const v of [verifyBrowser, verifyNode]) {
  if (!v) continue;
  for (const c of v.cases) {
    const us = (k) => fmt(c.results[k].ms * 1e3);
    row(`${v.where.split(" ")[0]}: Ed25519 verify of the envelope (${fmt(c.payloadBytes)} B payload), µs: WebCrypto / wasm / JS fallback`, c.n,
      `${us("webcrypto")} / ${us("wasm")} / ${us("fallback")}`, "—", "—", "—", "info");
  }
}

// ---------------------------------------------------------------- checks
if (node) {
  for (const r of node.results) {
    const a = r.agreement;
    const ok = a.ok && r.reference.ok && r.decision.stable && (r.cold ? r.cold.sameDecisions : true);
    checksFailed ||= !ok;
    row("check: reference = GrowthBook (checksum of every decision); Pathwise = reference (every user × rule condition; bucketing within 5 σ); passes stable", r.n,
      `${fmt(a.pairs)} pairs, ${a.conditionMismatches} mismatches; ${a.maxZ} σ at most`, `${r.reference.growthBook} = ${r.reference.reference}`,
      "—", "agree", ok ? "OK" : "FAILED");
  }
}

// ---------------------------------------------------------------- print
const versions = [
  node && `Pathwise ${node.pathwise} vs @growthbook/growthbook ${node.growthBook}`,
  node && `Node ${node.node}`,
  race && `Chromium ${race.chromium}`,
  `${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(1)).join(" / ")} (1 / 5 / 15 min, at the end)`,
].filter(Boolean);
console.log(`\n${versions.join("; ")}`);
console.log("Ratios are Pathwise ÷ GrowthBook; medians. How each figure is measured: bench/README.md.\n");
const header = ["measure", "N", "Pathwise", "GrowthBook", "ratio", "target", "result"];
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map((h, i) => (i >= 2 && i <= 4 ? "---:" : "---")).join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
const failures = rows.filter((r) => r[6].startsWith("NOT MET")).length;
const met = rows.filter((r) => r[6] === "MET").length;
console.log(`\nTargets: ${met} MET, ${failures} NOT MET.`);
if (!node || !race || !verifyNode || !verifyBrowser) console.log("(some steps wrote no figures: their rows are missing)");
if (checksFailed) {
  console.error("bench: FAILED: an agreement check (the comparison is not valid)");
  process.exit(1);
}
