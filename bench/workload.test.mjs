// The benchmark workload is pinned: bench/workload.mjs must keep producing exactly the workload
// every published figure and agreement count was measured on (seed pz-bench-v1, 1000 users), so
// runs stay comparable. Any change to the generator (a vocabulary, a weight, the draw order of a
// stream) changes these SHA-256 digests of the JSON texts and fails `make test-bench`; a
// deliberate change must come with new digests and say so. Pure JavaScript, no wasm.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildWorkload, FORMAT } from "./workload.mjs";

const sha256 = (value) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

// JSON.stringify of `neutral` (the workload-N.json file without its final newline) and of
// `gbPayload`, per N.
const PINNED = {
  10: {
    neutral: "019811e5a87a5365654bb10ae98e71555738611a8edc860f77f0f5c1df430927",
    gbPayload: "625d2ad147cbcbd7467bfa43e71dc4d8a33df22252b5a9909fd6f478b28caf69",
  },
  100: {
    neutral: "2b8feb98d0e4e0aa1d81daa7853a51522de82baf4a73cd6e9be1a9629cee7a9b",
    gbPayload: "c6cd26126c048dfe24690479b0dc162f653b8aa20ca7da30b2713d2d0ab19253",
  },
  1000: {
    neutral: "176040d47e62d643c397e49f69fc072df0b7e5999b1ad252901575efb7b521b9",
    gbPayload: "e58f91bcfd5211c1ee92c96fc7e1c9728086c73e0134b925d01c7bc3bb5a4cea",
  },
};

for (const [n, digests] of Object.entries(PINNED)) {
  test(`N=${n}: the neutral workload and the GrowthBook payload are the pinned ones`, () => {
    const w = buildWorkload(Number(n));
    assert.equal(w.neutral.format, FORMAT);
    assert.equal(w.neutral.features.length, Number(n));
    assert.equal(w.users.length, 1000);
    assert.deepEqual(Object.keys(w.gbPayload.features), w.featureKeys);
    assert.equal(sha256(w.neutral), digests.neutral, "neutral JSON changed");
    assert.equal(sha256(w.gbPayload), digests.gbPayload, "GrowthBook payload changed");
  });
}

test("feature i and the users are the same at every N, and another seed gives another workload", () => {
  const small = buildWorkload(10);
  const large = buildWorkload(100);
  assert.deepEqual(large.neutral.features.slice(0, 10), small.neutral.features);
  assert.deepEqual(large.users, small.users);
  const other = buildWorkload(10, { seed: "another" });
  assert.notDeepEqual(other.neutral.features, small.neutral.features);
  assert.notDeepEqual(other.users, small.users);
});

test("N=10 already uses every clause operator and both rule types", () => {
  const rules = buildWorkload(10).neutral.features.flatMap((f) => f.rules);
  const ops = new Set(rules.flatMap((r) => r.when.map((c) => c.op)));
  assert.deepEqual([...ops].sort(), ["all", "any_eq", "any_regex", "eq", "gt", "gte", "in", "lt", "regex"]);
  assert.deepEqual([...new Set(rules.map((r) => r.type))].sort(), ["experiment", "rollout"]);
});
