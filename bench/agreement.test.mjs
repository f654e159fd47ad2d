// Pathwise (the shipped wasm, through PathwiseEngine) agrees with the neutral reference evaluator
// (bench/reference.mjs) on the benchmark workload (bench/workload.mjs), N = 10 and 100: every user x
// rule condition, and bucketing that follows coverage and weights (|z| <= 5 per rule and arm).
// `make test` runs it (stage test-bench, ~2 s); `make bench` prints the same check for N = 1000.
// Needs pkg/ (`make pkg`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { agreement, loadPathwise, prepare } from "./lib.mjs";

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
  const engine = pw.PathwiseEngine.fromEnvelope(p.envelope, "bench.pathwise.test", [p.publicKey], Date.UTC(2026, 0, 1));
  assert.throws(() => engine.setAttributes({ country: 3 }), (e) => e instanceof Error && e.code === "wrong_kind");
  assert.throws(() => engine.setAttributes({ pagesVisited: ["/", 1] }), (e) => e.code === "wrong_kind");
  assert.throws(() => engine.setAttributesEncoded("s5:ab"), (e) => e.code === "invalid_argument");
  engine.setUnit("u_1");
  engine.setAttributes({ country: "DE", url: "https://app.example.com/é?ref=x", pagesVisited: ["/docs", "/ü"] });
  assert.equal(engine.decideAll().length, 10);
  engine.free();
});

test("fromEnvelope checks the signature, the site and the caps", () => {
  const p = prepare(10);
  const other = prepare(10); // another key
  const at = Date.UTC(2026, 0, 1);
  assert.throws(() => pw.PathwiseEngine.fromEnvelope(p.envelope, "bench.pathwise.test", [other.publicKey], at),
    (e) => e.code === "signature_threshold_not_met");
  assert.throws(() => pw.PathwiseEngine.fromEnvelope(p.envelope, "other.site", [p.publicKey], at),
    (e) => e.code === "site_mismatch");
  assert.throws(() => pw.PathwiseEngine.fromEnvelope(p.envelope, "bench.pathwise.test", ["nope"], at),
    (e) => e.code === "invalid_options");
  const big = prepare(600); // 600 slots, ~380 KB: over the default caps (500, 256 KiB)
  const open = (options) => pw.PathwiseEngine.fromEnvelope(big.envelope, "bench.pathwise.test", [big.publicKey], at, options);
  assert.throws(() => open(), (e) => e.code === "too_large");
  assert.throws(() => open({ maxBundleBytes: 1 << 20 }), (e) => e.code === "bundle_invalid" && /slots/.test(e.message));
  open({ maxBundleBytes: 1 << 20, maxSlots: 600 }).free();
});
