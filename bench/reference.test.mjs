// The neutral reference evaluator (bench/reference.mjs) decides the benchmark workload exactly as
// GrowthBook 1.8.0 does: the checksum over every user x feature (FNV-1a of each value + "\n",
// users then features in order) and the exposure counts are GrowthBook's own on the same workload
// (measured with @growthbook/growthbook 1.8.0's browser bundle; `make bench` recomputes
// GrowthBook's side and compares again). Then the semantics one at a time, on hand-made rules.
// Pure JavaScript, no wasm.

import { test } from "node:test";
import assert from "node:assert/strict";
import { bucket, clauseHolds, decide, evaluate } from "./reference.mjs";
import { buildWorkload } from "./workload.mjs";

const GROWTHBOOK = {
  10: { checksum: "7ae4a037", experiment: 3704 },
  100: { checksum: "874dd0cf", experiment: 23366 },
  1000: { checksum: "8f8d4aa9", experiment: 194781, force: 147580, defaultValue: 657639 },
};

for (const [n, expected] of Object.entries(GROWTHBOOK)) {
  test(`N=${n}: every decision folds to GrowthBook's checksum, with its exposures`, () => {
    const r = evaluate(buildWorkload(Number(n)).neutral);
    assert.equal(r.checksum, expected.checksum);
    assert.equal(r.exposures, expected.experiment);
    assert.equal(r.sources.experiment + r.sources.force + r.sources.defaultValue, 1000 * Number(n));
    if (expected.force !== undefined) {
      assert.deepEqual(r.sources, { experiment: expected.experiment, force: expected.force, defaultValue: expected.defaultValue });
    }
  });
}

const user = {
  id: "u_0123456789ab",
  country: "DE",
  plan: "pro",
  visits: 5,
  daysSinceSignup: 30,
  url: "https://app.example.com/pricing?utm_source=google",
  pagesVisited: ["/docs/api", "/blog"],
  role: "admin",
};

test("each clause operator", () => {
  const cases = [
    [{ attr: "country", op: "eq", value: "DE" }, true],
    [{ attr: "country", op: "eq", value: "de" }, false],
    [{ attr: "visits", op: "eq", value: "5" }, false], // type-strict
    [{ attr: "plan", op: "in", values: ["free", "pro"] }, true],
    [{ attr: "plan", op: "in", values: ["free", "team"] }, false],
    [{ attr: "visits", op: "gt", value: 5 }, false],
    [{ attr: "visits", op: "gt", value: 4 }, true],
    [{ attr: "daysSinceSignup", op: "gte", value: 30 }, true],
    [{ attr: "daysSinceSignup", op: "gte", value: 31 }, false],
    [{ attr: "visits", op: "lt", value: 5 }, false],
    [{ attr: "visits", op: "lt", value: 6 }, true],
    [{ attr: "url", op: "regex", pattern: "[?&]utm_source=(google|newsletter)" }, true], // unanchored search
    [{ attr: "url", op: "regex", pattern: "^/pricing" }, false],
    [{ attr: "pagesVisited", op: "any_eq", value: "/blog" }, true],
    [{ attr: "pagesVisited", op: "any_eq", value: "/docs" }, false],
    [{ attr: "pagesVisited", op: "any_regex", pattern: "^/docs" }, true],
    [{ attr: "pagesVisited", op: "any_regex", pattern: "^/(team|settings)" }, false],
    [{ attr: "pagesVisited", op: "all", values: ["/blog", "/docs/api"] }, true],
    [{ attr: "pagesVisited", op: "all", values: ["/blog", "/docs"] }, false],
  ];
  for (const [clause, holds] of cases) assert.equal(clauseHolds(clause, user), holds, JSON.stringify(clause));
  assert.throws(() => clauseHolds({ attr: "visits", op: "ne", value: 1 }, user), /unknown clause op/);
});

const rollout = (id, coverage, value, when = []) =>
  ({ id, type: "rollout", when, bucketing: { attribute: "id", seed: id, hashVersion: 2 }, coverage, value });
const feature = (...rules) => ({ key: "f", default: "dflt", rules });

test("a rollout's coverage includes its end; rules are tried in order and the first match decides", () => {
  const n = bucket("seed-a", user.id);
  assert.ok(n > 0.0001 && n < 1, `bucket ${n}`);
  assert.equal(n * 10000, Math.round(n * 10000), "buckets are multiples of 1/10000");
  assert.deepEqual(decide(feature(rollout("seed-a", n, "at-edge")), user), { value: "at-edge", source: "force" });
  assert.deepEqual(decide(feature(rollout("seed-a", n - 0.0001, "below")), user), { value: "dflt", source: "defaultValue" });
  // A rule whose `when` fails is skipped even at full coverage; a later one decides.
  const never = rollout("seed-a", 1, "never", [{ attr: "country", op: "eq", value: "US" }]);
  const first = rollout("seed-a", 1, "first");
  assert.equal(decide(feature(never, first, rollout("seed-a", 1, "second")), user).value, "first");
});

test("experiment arms are [start, start + coverage x weight), and a user between arms falls through", () => {
  // A seed whose bucket for this user lies in the first half, so the first arm's range can end on it.
  let seed = "exp_0";
  for (let k = 1; !(bucket(seed, user.id) > 0.01 && bucket(seed, user.id) < 0.5); k++) seed = `exp_${k}`;
  const n = bucket(seed, user.id);
  const experiment = (coverage, weights) => ({
    id: seed,
    type: "experiment",
    when: [],
    bucketing: { attribute: "id", seed, hashVersion: 2 },
    coverage,
    variants: weights.map((weight, k) => ({ key: String(k), value: `arm${k}`, weight })),
  });
  // coverage 2n: the first arm is [0, n), which stops just before the user, who falls through.
  assert.deepEqual(decide(feature(experiment(2 * n, [0.5, 0.5]), rollout(seed, 1, "next")), user), { value: "next", source: "force" });
  assert.deepEqual(decide(feature(experiment(2 * n + 0.0002, [0.5, 0.5])), user), { value: "arm0", source: "experiment" });
  // The second arm starts at the first arm's weight, whatever the coverage.
  assert.equal(decide(feature(experiment(1, [n, 1 - n])), user).value, "arm1");
  assert.equal(decide(feature(experiment(1, [n + 0.0001, 1 - n - 0.0001])), user).value, "arm0");
});

test("the bucket is hash version 2 of seed + unit", () => {
  // fnv1a32("ab") = 0x4d2505ca = 1294271946; fnv1a32("1294271946") mod 10000, over 10000.
  const inner = 1294271946;
  let h = 0x811c9dc5;
  for (const ch of String(inner)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  assert.equal(bucket("a", "b"), ((h >>> 0) % 10000) / 10000);
  assert.equal(bucket("a", "b"), bucket("ab", ""));
  assert.notEqual(bucket("a", "b"), bucket("b", "a"));
});
