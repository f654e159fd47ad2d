// The shell's outbox (js/outbox.js), in Node: what waits for the collector is bounded, cut into
// batches under the beacon limit with one bundle version each, sent again under the same id after
// a failure or a page that went away, and a stored outbox that this SDK did not write is refused.
// The page's side — when it sends, beacons, keepalive, retries across pages — is in
// reporting.test.mjs and runtime-report.test.mjs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CAPACITY, MAX_BATCH_BYTES, MAX_EVENTS, MAX_STORED, Outbox } from "../../js/outbox.js";

const SITE = "acme.example";

/** An exposure of `rule` at `minute`. */
const exposure = (rule, minute = 1, variant = "v") => ({ type: "exposure", rule, variant, slot: "s", control: false, minute });

/** Deterministic batch ids: 32 hex digits counting up. */
function ids() {
  let n = 0;
  return () => (++n).toString(16).padStart(32, "0");
}

/** Takes every batch, parses each body and checks it as the collector would. */
function take(outbox, newId = ids()) {
  return outbox.take(SITE, newId).map(([id, text]) => {
    assert.ok(text.length < MAX_BATCH_BYTES, `${text.length} bytes`);
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body).sort(), ["batch", "bundle", "dropped", "events", "schema", "site"]);
    assert.equal(body.batch, id);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(body.schema, 1);
    assert.equal(body.site, SITE);
    assert.ok(body.events.length >= 1 && body.events.length <= MAX_EVENTS);
    return { id, text, body };
  });
}

/** The outbox a next page reads back. */
const reload = (outbox) => new Outbox(JSON.stringify(outbox));

test("events are sent in one batch per bundle version, each event once", () => {
  const outbox = new Outbox();
  outbox.push(7, exposure("a"));
  outbox.push(8, exposure("b"));
  outbox.push(7, exposure("c"));
  const batches = take(outbox);
  assert.deepEqual(batches.map((b) => [b.body.bundle, b.body.events.map((e) => e.rule)]), [[7, ["a", "c"]], [8, ["b"]]]);
  assert.deepEqual(outbox.waiting(), { batches: 2, queued: 0 });
  for (const b of batches) assert.equal(outbox.settle(b.id, true), true);
  assert.equal(outbox.pending(), false);
  assert.equal(outbox.settle(batches[0].id, true), false, "confirmed once");
  assert.deepEqual(take(outbox), []);
});

test("a large queue is cut into batches under the beacon limit, each event once and in order", () => {
  const outbox = new Outbox();
  const long = (i) => `r${String(i).padStart(3, "0")}-${"x".repeat(58)}`;
  for (let i = 0; i < CAPACITY; i++) outbox.push(7, { ...exposure(long(i), i, "v".repeat(64)), slot: "s".repeat(64) });
  const batches = take(outbox);
  assert.ok(batches.length >= 2, `${batches.length} batches`);
  const rules = batches.flatMap((b) => b.body.events.map((e) => e.rule));
  assert.deepEqual(rules, Array.from({ length: CAPACITY }, (_, i) => long(i)));
  // Each batch but the last is full: one more event would have crossed the limit.
  for (const b of batches.slice(0, -1)) assert.ok(b.text.length > MAX_BATCH_BYTES - 300, `${b.text.length}`);
});

test("a full outbox drops the oldest queued event and reports the count until it is confirmed", () => {
  const outbox = new Outbox();
  for (let i = 0; i < CAPACITY + 10; i++) outbox.push(7, exposure(`r${i}`));
  assert.equal(outbox.size(), CAPACITY);
  const [first, ...rest] = take(outbox);
  assert.equal(first.body.dropped, 10, "the count rides in the first new batch");
  assert.equal(first.body.events[0].rule, "r10", "the ten oldest went");
  assert.ok(rest.every((b) => b.body.dropped == 0));
  // Not confirmed: the count stays with its batch, sent again as is.
  outbox.settle(first.id, false);
  const again = take(outbox).find((b) => b.id == first.id);
  assert.equal(again.text, first.text);
});

test("overflow while batches wait trims the oldest batch under its own id and counts it there", () => {
  const outbox = new Outbox();
  outbox.push(7, exposure("old-1"));
  outbox.push(7, exposure("old-2"));
  const [failed] = take(outbox);
  outbox.settle(failed.id, false);
  for (let i = 0; i < CAPACITY - 2; i++) outbox.push(8, exposure(`new-${i}`));
  outbox.push(8, exposure("one-too-many"));
  assert.equal(outbox.size(), CAPACITY);
  const trimmed = take(outbox).find((b) => b.id == failed.id);
  assert.deepEqual(trimmed.body.events.map((e) => e.rule), ["old-2"]);
  assert.equal(trimmed.body.dropped, 1);
});

test("events in flight are never dropped: when only they are held, the new event is dropped and counted", () => {
  const outbox = new Outbox();
  for (let i = 0; i < CAPACITY; i++) outbox.push(7, exposure(`r${i}`));
  const flying = take(outbox);
  outbox.push(7, exposure("late"));
  assert.equal(outbox.size(), CAPACITY);
  for (const b of flying) outbox.settle(b.id, true);
  outbox.push(7, exposure("later"));
  const [next] = take(outbox);
  assert.deepEqual(next.body.events.map((e) => e.rule), ["later"]);
  assert.equal(next.body.dropped, 1);
});

test("a failed batch and a batch in flight when the page goes away are sent again with the same id and body", () => {
  const outbox = new Outbox();
  outbox.push(7, exposure("a"));
  const [failed] = take(outbox);
  outbox.settle(failed.id, false);
  outbox.push(7, exposure("b"));
  const second = take(outbox);
  assert.deepEqual(second.map((b) => b.text).slice(0, 1), [failed.text], "the failed batch first, as it was");
  // The page goes away with both in flight: the next page sends them again, same ids and bodies.
  const next = reload(outbox);
  assert.deepEqual(take(next, () => "f".repeat(32)), second);
});

test("a generator that keeps repeating ids leaves events queued rather than reusing an id", () => {
  const outbox = new Outbox();
  outbox.push(7, exposure("a"));
  outbox.push(8, exposure("b"));
  const constant = () => "7".repeat(32);
  const first = take(outbox, constant);
  assert.equal(first.length, 1);
  assert.equal(outbox.size(), 2);
  outbox.settle(first[0].id, true);
  const second = take(outbox, constant);
  assert.deepEqual(second.map((b) => b.body.bundle), [8]);
});

test("a full outbox of the longest events fits what is read back, and reads back the same", () => {
  const outbox = new Outbox();
  const id = (tag, i) => `${tag}${String(i).padStart(6, "0")}`.padEnd(64, "z");
  const newId = ids();
  for (let i = 0; i < CAPACITY; i++) {
    outbox.push(Number.MAX_SAFE_INTEGER, { type: "conversion", rule: id("r", i), variant: id("v", i), slot: id("s", i), control: false, goal: id("g", i), minute: Number.MAX_SAFE_INTEGER });
    for (const [batch] of outbox.take(SITE, newId)) outbox.settle(batch, false);
  }
  const stored = JSON.stringify(outbox);
  assert.ok(stored.length <= MAX_STORED, `${stored.length}`);
  assert.equal(JSON.stringify(new Outbox(stored)), stored);
});

test("a stored outbox this SDK would not have written is refused whole", () => {
  const good = new Outbox();
  good.push(7, exposure("a"));
  good.take(SITE, ids());
  good.push(8, { ...exposure("b"), type: "conversion", goal: "signup" });
  const text = JSON.stringify(good);
  assert.equal(JSON.stringify(new Outbox(text)), text);
  const o = () => JSON.parse(text);
  const event = (e) => ({ d: 0, r: [], q: [[7, e]] });
  const cases = {
    "not JSON": "{",
    "binary of an older format": "O\u0001\u0000\u0000\u0000",
    "an array": "[]",
    "a negative count": JSON.stringify({ ...o(), d: -1 }),
    "a batch id that is not hex": JSON.stringify({ ...o(), r: [{ ...o().r[0], i: "X".repeat(32) }] }),
    "a batch id twice": JSON.stringify({ ...o(), r: [o().r[0], o().r[0]] }),
    "an empty batch": JSON.stringify({ ...o(), r: [{ ...o().r[0], e: [] }] }),
    "an id with a space": JSON.stringify(event(exposure("has space"))),
    "an exposure with a goal": JSON.stringify(event({ ...exposure("a"), goal: "g" })),
    "a conversion without a goal": JSON.stringify(event({ ...exposure("a"), type: "conversion" })),
    "a negative minute": JSON.stringify(event(exposure("a", -1))),
    "a fractional minute": JSON.stringify(event(exposure("a", 1.5))),
    "an extra field": JSON.stringify(event({ ...exposure("a"), unit: "abc" })),
    "another type": JSON.stringify(event({ ...exposure("a"), type: "click" })),
    "over capacity": JSON.stringify({ d: 0, r: [], q: Array.from({ length: CAPACITY + 1 }, () => [7, exposure("a")]) }),
    "too large": JSON.stringify({ ...o(), pad: "x".repeat(MAX_STORED) }),
  };
  for (const [what, stored] of Object.entries(cases)) assert.throws(() => new Outbox(stored), undefined, what);
  for (let len = 0; len < text.length; len++) assert.throws(() => new Outbox(text.slice(0, len)), undefined, `cut at ${len}`);
});
