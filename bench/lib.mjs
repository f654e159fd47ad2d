// Common pieces of the benchmark: where things are, loading both SDKs, preparing a workload
// (bench/workload.mjs) for each SDK, and the agreement checks (Pathwise against the neutral
// reference evaluator, bench/reference.mjs).

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { decide, whenHolds } from "./reference.mjs";
import { audienceBundle, bundle, keyPair, pathwiseAttributes, signEnvelope, SITE } from "./translate.mjs";
import { buildWorkload } from "./workload.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, "..");

/** The built npm package: $PATHWISE_BENCH_PKG, else the repo's pkg/ (`make pkg`). */
export const PKG = resolve(process.env.PATHWISE_BENCH_PKG ?? join(REPO, "pkg"));
/** Where `make bench` installs GrowthBook (git-ignored): $GB_BENCH_DIR, else bench/.deps. */
export const GB_DIR = resolve(process.env.GB_BENCH_DIR ?? join(HERE, ".deps"));
export const GB_PKG = join(GB_DIR, "node_modules", "@growthbook", "growthbook");
/** The GrowthBook entry a web page ships (the peer harness's default). */
export const GB_ENTRY = "dist/bundles/esm.min.js";

/** The clock every Pathwise engine uses: fixed, so runs are reproducible. */
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
/** Caps raised for N = 1000 (1000 slots and a ~0.6 MB bundle; the page defaults are 500 / 256 KiB). */
export const BIG_CAPS = { maxBundleBytes: 4 << 20, maxSlots: 4000 };

function requireFile(path, hint) {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  return path;
}

/**
 * Imports the package's headless entry (`pathwise/engine`: engine.js, the module built without
 * the page runtime) and instantiates its wasm synchronously; returns the entry and the module's
 * exports.
 */
export async function loadPathwise() {
  const entry = requireFile(join(PKG, "engine.js"), "run `make pkg`");
  const pw = await import(pathToFileURL(entry).href);
  const wasm = pw.initSync({ module: readFileSync(requireFile(join(PKG, "pathwise_engine_bg.wasm"), "run `make pkg`")) });
  return { pw, wasm };
}

export async function loadGrowthBook() {
  const file = requireFile(join(GB_PKG, GB_ENTRY), "run `make bench` (it installs @growthbook/growthbook@1.8.0)");
  const version = JSON.parse(readFileSync(join(GB_PKG, "package.json"), "utf8")).version;
  const { GrowthBook } = await import(pathToFileURL(file).href);
  return { GrowthBook, version };
}

/**
 * Everything one N needs: the neutral workload, the GrowthBook payload text, the Pathwise
 * envelopes (benchmark bundle and condition-only bundle, signed with a fresh key) and the users
 * as each SDK reads them.
 */
export function prepare(n) {
  const w = buildWorkload(n);
  const key = keyPair();
  const bundleText = JSON.stringify(bundle(w.neutral));
  return {
    n,
    neutral: w.neutral,
    featureKeys: w.featureKeys,
    users: w.users,
    pwUsers: w.users.map(pathwiseAttributes),
    gbPayloadText: JSON.stringify(w.gbPayload),
    bundleText,
    envelope: signEnvelope(bundleText, key),
    audienceEnvelope: signEnvelope(JSON.stringify(audienceBundle(w.neutral)), key),
    publicKey: key.publicKey,
    rules: w.neutral.features.reduce((s, f) => s + f.rules.length, 0),
  };
}

/** `PathwiseEngine.fromEnvelope` with the caps N = 1000 needs. */
export function pathwiseEngine(pw, p, envelope = p.envelope) {
  return pw.PathwiseEngine.fromEnvelope(envelope, SITE, [p.publicKey], NOW_MS, BIG_CAPS);
}

/** Per slot, per choice index: the value the slot shows (the variant id; the default for control). */
export function valueTable(engine) {
  return engine.choices().map((cs) => cs.map((c) => c[0]));
}

// ---------------------------------------------------------------- agreement

/**
 * 1. Condition-only: for every user x rule, Pathwise's audience (condition-only bundle) matches
 *    exactly when the reference says the rule's `when` holds.
 * 2. Bucketed (benchmark bundle): per rule, among the users Pathwise tried it for (no earlier rule
 *    of the feature decided) whose `when` holds, the share it decides is its coverage and the
 *    shares of its arms are the weights, each within 5 standard deviations (|z| <= 5); a rule
 *    never decides for a user whose `when` does not hold. Also: every decided value is one the
 *    feature can take.
 */
export function agreement(pw, p) {
  const users = p.users;
  const rules = p.neutral.features.flatMap((f) => f.rules);
  const when = users.map((u) => rules.map((r) => whenHolds(r, u)));

  // 1. condition-only
  const aud = pathwiseEngine(pw, p, p.audienceEnvelope);
  const audChoices = aud.choices();
  let pairs = 0;
  let conditionMismatches = 0;
  const examples = [];
  users.forEach((u, i) => {
    aud.setUnit(u.id);
    aud.setAttributes(p.pwUsers[i]);
    const r = aud.decideAll();
    rules.forEach((rule, k) => {
      pairs++;
      const inAudience = audChoices[k][r[k]][0] === "in";
      if (inAudience !== when[i][k]) {
        conditionMismatches++;
        if (examples.length < 3) examples.push(`${u.id} x ${rule.id}: pathwise ${inAudience}, reference ${when[i][k]}`);
      }
    });
  });
  aud.free();

  // 2. bucketed
  const eng = pathwiseEngine(pw, p);
  const choices = eng.choices();
  const ruleIndex = new Map(rules.map((r, k) => [r.id, k]));
  const stats = rules.map(() => ({ reached: 0, decided: 0, arms: new Map() }));
  let decidedOutsideWhen = 0;
  const sources = { experiment: 0, force: 0, defaultValue: 0 };
  const refSources = { experiment: 0, force: 0, defaultValue: 0 };
  users.forEach((u, i) => {
    eng.setUnit(u.id);
    eng.setAttributes(p.pwUsers[i]);
    const r = eng.decideAll();
    let k0 = 0; // index of the feature's first rule in `rules`
    p.neutral.features.forEach((f, s) => {
      const [, ruleId, control] = choices[s][r[s]];
      const variant = choices[s][r[s]][0];
      const decidedAt = ruleId === null ? f.rules.length : ruleIndex.get(ruleId) - k0;
      for (let j = 0; j < f.rules.length && j <= decidedAt; j++) {
        if (!when[i][k0 + j]) {
          if (j === decidedAt) decidedOutsideWhen++;
          continue;
        }
        const st = stats[k0 + j];
        st.reached++;
        if (j === decidedAt) {
          st.decided++;
          const arm = control ? "\u0000control" : variant;
          st.arms.set(arm, (st.arms.get(arm) ?? 0) + 1);
        }
      }
      if (ruleId === null) sources.defaultValue++;
      else sources[f.rules[decidedAt].type === "experiment" ? "experiment" : "force"]++;
      refSources[decide(f, u).source]++;
      k0 += f.rules.length;
    });
  });
  eng.free();

  let tests = 0;
  let maxZ = 0;
  let worst = "";
  const z = (obs, n, prob, what) => {
    if (n === 0 || prob <= 0 || prob >= 1) {
      if (n > 0 && ((prob <= 0 && obs > 0) || (prob >= 1 && obs < n))) {
        maxZ = Infinity;
        worst = what;
      }
      return;
    }
    tests++;
    const v = Math.abs(obs - n * prob) / Math.sqrt(n * prob * (1 - prob));
    if (v > maxZ) {
      maxZ = v;
      worst = `${what}: ${obs}/${n}, expected ${(prob * 100).toFixed(1)} %`;
    }
  };
  rules.forEach((rule, k) => {
    const st = stats[k];
    z(st.decided, st.reached, rule.coverage, `${rule.id} coverage`);
    if (rule.type === "experiment") {
      for (const v of rule.variants) {
        const f = p.neutral.features.find((ff) => ff.rules.includes(rule));
        const arm = v.value === f.default ? "\u0000control" : v.value;
        z(st.arms.get(arm) ?? 0, st.decided, v.weight, `${rule.id} arm ${v.value}`);
      }
    }
  });
  const Z_LIMIT = 5;
  return {
    n: p.n,
    pairs,
    conditionMismatches,
    examples,
    decidedOutsideWhen,
    bucketTests: tests,
    maxZ: +maxZ.toFixed(2),
    worst,
    sources,
    refSources,
    ok: conditionMismatches === 0 && decidedOutsideWhen === 0 && maxZ <= Z_LIMIT,
    zLimit: Z_LIMIT,
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
