// The agreement checks of the benchmark, on one prepared workload (lib.mjs's `prepare`): the
// neutral reference evaluator (bench/reference.mjs) decides as GrowthBook does, and Pathwise
// (through PathwiseEngine) as the reference says. `make bench` prints them for N = 10, 100, 1000
// and fails when one does not hold; agreement.test.mjs asserts Pathwise's for 10 and 100.

import { makeGrowthBook } from "./speed.mjs";
import { pathwiseEngine } from "./lib.mjs";
import { decide, evaluate, whenHolds } from "./reference.mjs";
import { fnv1a32 } from "./workload.mjs";

/**
 * The reference evaluator against GrowthBook's own decisions for every user x feature, both
 * folded the reference's way (FNV-1a of each value followed by "\n"): `{ reference, growthBook, ok }`.
 */
export function referenceIsGrowthBook(GrowthBook, p) {
  const gb = makeGrowthBook(GrowthBook, p.gbPayloadText);
  let h = fnv1a32("");
  for (const user of p.users) {
    gb.setAttributes(user);
    gb.setURL(user.url);
    for (const key of p.featureKeys) h = fnv1a32(`${gb.getFeatureValue(key, "")}\n`, h);
  }
  gb.destroy();
  const hex = (x) => x.toString(16).padStart(8, "0");
  const reference = evaluate(p.neutral).checksum;
  return { reference, growthBook: hex(h), ok: reference === hex(h) };
}

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
