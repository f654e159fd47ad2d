// Pathwise (the shipped wasm, through PathwiseEngine) agrees with the neutral reference evaluator
// (bench/reference.mjs) on the benchmark workload (bench/workload.mjs), N = 10 and 100: every user x
// rule condition, and bucketing that follows coverage and weights (|z| <= 5 per rule and arm).
// `make test` runs it (stage test-bench, ~2 s); `make bench` prints the same check for N = 1000.
// Needs pkg/ (`make pkg`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { agreement } from "./agreement.mjs";
import { loadPathwise, NOW_MS, pathwiseEngine, prepare } from "./lib.mjs";
import { SITE } from "./translate.mjs";

const { pw } = await loadPathwise();

for (const n of [10, 100]) {
  test(`N=${n}: conditions and bucketing agree with the reference evaluator`, () => {
    const a = agreement(pw, prepare(n));
    assert.equal(a.pairs, 1000 * (n === 10 ? 18 : 180));
    assert.equal(a.conditionMismatches, 0, a.examples.join("; "));
    assert.equal(a.decidedOutsideWhen, 0);
    assert.ok(a.bucketTests > 0);
    assert.ok(a.maxZ <= a.zLimit, `max |z| ${a.maxZ}: ${a.worst}`);
  });
}

test("setAttributes refuses a value the declaration does not allow, with a code", () => {
  const p = prepare(10);
  const engine = pathwiseEngine(pw, p);
  assert.throws(() => engine.setAttributes({ country: 3 }), (e) => e instanceof Error && e.code === "wrong_kind");
  assert.throws(() => engine.setAttributes({ pagesVisited: ["/", 1] }), (e) => e.code === "wrong_kind");
  engine.setUnit("u_1");
  engine.setAttributes({ country: "DE", url: "https://app.example.com/é?ref=x", pagesVisited: ["/docs", "/ü"] });
  assert.equal(engine.decideAll().length, 10);
  engine.free();
});

test("fromEnvelope checks the signature, the site, the clock and the size cap", () => {
  const p = prepare(10);
  const other = prepare(10); // another key
  const open = (keys, { site = SITE, at = NOW_MS, options } = {}) =>
    pw.PathwiseEngine.fromEnvelope(p.envelope, site, keys, at, options);
  assert.throws(() => open([other.publicKey]), (e) => e.code === "signature_threshold_not_met");
  assert.throws(() => open([p.publicKey], { site: "other.site" }), (e) => e.code === "site_mismatch");
  assert.throws(() => open(["nope"]), (e) => e.code === "invalid_options");
  // Signed at NOW_MS (sign.mjs): a device whose clock is two days earlier refuses the version.
  assert.throws(() => open([p.publicKey], { at: NOW_MS - 2 * 86400e3 }), (e) => e.code === "version_in_future");
  assert.throws(() => open([p.publicKey], { options: { maxEnvelopeBytes: p.envelope.length - 1 } }), (e) => e.code === "too_large");
  open([p.publicKey], { options: { maxEnvelopeBytes: p.envelope.length } }).free();
  // N = 1000 (1000 slots, signed with the raised --max-slots) opens under the default caps.
  const big = prepare(1000);
  assert.equal(pathwiseEngine(pw, big).slots().length, 1000);
});
