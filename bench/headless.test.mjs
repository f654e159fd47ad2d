// PathwiseEngine (headless) keeps a visitor's attributes by position and reuses the previous
// visitor's string and list buffers (src/web/headless.rs): deciding for many visitors in a row
// must give exactly what a fresh engine gives each of them, and a refused set must leave no
// attribute behind. Part of `make test-bench` (`node --test bench/`); needs pkg/ (`make pkg`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPathwise, pathwiseEngine, prepare } from "./lib.mjs";

const { pw } = await loadPathwise();
const p = prepare(10);

const fresh = (attributes, unit) => {
  const e = pathwiseEngine(pw, p);
  e.setUnit(unit);
  if (attributes) e.setAttributes(attributes);
  const r = [...e.decideAll()];
  e.free();
  return r;
};

test("visitors decided in a row decide as each would on a fresh engine", () => {
  const e = pathwiseEngine(pw, p);
  // Lists and strings of every length follow each other, so reused buffers grow and shrink.
  for (let u = 0; u < 150; u++) {
    const attributes = p.pwUsers[u];
    e.setUnit(p.users[u].id);
    e.setAttributes(attributes);
    assert.deepEqual([...e.decideAll()], fresh(attributes, p.users[u].id), `user ${u}`);
  }
  e.free();
});

test("a refused set leaves no attribute behind", () => {
  const e = pathwiseEngine(pw, p);
  const unit = p.users[1].id;
  e.setUnit(unit);
  e.setAttributes(p.pwUsers[1]);
  assert.throws(() => e.setAttributes({ ...p.pwUsers[2], role: 7 }), (err) => err.code === "wrong_kind");
  assert.deepEqual([...e.decideAll()], fresh(null, unit));
  e.free();
});

test("attributes missing after present ones are missing, not the previous visitor's", () => {
  // A visitor whose decisions depend on more than the country.
  const u = p.users.findIndex((user, i) =>
    fresh(p.pwUsers[i], user.id).join() !== fresh({ country: p.pwUsers[i].country }, user.id).join());
  assert.ok(u >= 0);
  const e = pathwiseEngine(pw, p);
  e.setUnit(p.users[u].id);
  e.setAttributes(p.pwUsers[u]);
  e.setAttributes({ country: p.pwUsers[u].country });
  assert.deepEqual([...e.decideAll()], fresh({ country: p.pwUsers[u].country }, p.users[u].id));
  e.free();
});

// engine.js sends a visitor as bytes written into the module's memory (`setVisitor`, the unit
// with it); the text form (`setAttributesEncoded`) and the glue's own `setUnit` remain. Both
// must give the same decisions and the same errors.
const wasmProto = Object.getPrototypeOf(pw.PathwiseEngine.prototype);
const textForm = (names, attributes) => names.map((name) => {
  const v = attributes[name];
  if (v === undefined || v === null) return "-";
  if (typeof v === "string") return `s${v.length}:${v}`;
  if (typeof v === "number") return `n${v};`;
  if (typeof v === "boolean") return v ? "t" : "f";
  if (Array.isArray(v) && v.every((e) => typeof e === "string")) return `l${v.length}:` + v.map((e) => `${e.length}:${e}`).join("");
  return "x";
}).join("");

test("the byte form decides and refuses exactly as the text form", () => {
  const bytes = pathwiseEngine(pw, p);
  const text = pathwiseEngine(pw, p);
  const names = text.attributeNames();
  const odd = [
    { country: "DÉ", url: "https://app.example.com/ü?ref=партнёр", pagesVisited: ["/docs", "/😀", ""] },
    { country: "", plan: "team", visit_count: -0, daysSinceSignup: 1e21 },
    { role: "owner", pagesVisited: [], visit_count: 0.1 + 0.2 },
    { country: 3 }, { pagesVisited: ["/", 1] }, { visit_count: NaN }, { daysSinceSignup: Infinity },
    { role: "x".repeat(1025) }, { role: "é".repeat(600) }, { pagesVisited: Array(101).fill("/") },
    { country: { toString: () => "US" } }, { plan: true },
  ];
  const visitors = [...p.pwUsers.slice(0, 100), ...odd];
  let refused = 0;
  visitors.forEach((attributes, u) => {
    const unit = `u_${u}_ü`;
    bytes.setUnit(unit);
    wasmProto.setUnit.call(text, unit);
    let b, t;
    try { bytes.setAttributes(attributes); } catch (e) { b = e; }
    try { text.setAttributesEncoded(textForm(names, attributes)); } catch (e) { t = e; }
    assert.equal(b?.code, t?.code, `visitor ${u}`);
    assert.equal(b?.message, t?.message, `visitor ${u}`);
    refused += b ? 1 : 0;
    assert.deepEqual([...bytes.decideAll()], [...wasmProto.decideAll.call(text)], `visitor ${u}`);
  });
  assert.equal(refused, 9);
  bytes.free();
  text.free();
});

test("the unit is sent with the attributes or the decisions, whichever comes first", () => {
  const [a, b] = [p.users[3].id, p.users[4].id];
  const e = pathwiseEngine(pw, p);
  e.setUnit(a);
  assert.deepEqual([...e.decideAll()], fresh(null, a)); // no attributes set in between
  e.setUnit(b);
  assert.throws(() => e.setAttributes({ role: 7 }), (err) => err.code === "wrong_kind");
  assert.deepEqual([...e.decideAll()], fresh(null, b)); // refused attributes, unit still set
  e.setUnit(a);
  e.setUnit(b); // the last one counts
  e.setAttributes(p.pwUsers[4]);
  assert.deepEqual([...e.decideAll()], fresh(p.pwUsers[4], b));
  e.free();
});

test("views over the module's memory survive its growth", () => {
  const e = pathwiseEngine(pw, p);
  const before = e.decideAll();
  // Another engine's init grows the memory the first engine's buffers live in.
  const grown = [];
  const pages = () => pw.PathwiseEngine.wasmMemory().buffer.byteLength;
  const start = pages();
  while (pages() === start) grown.push(pathwiseEngine(pw, prepare(100)));
  for (let u = 0; u < 20; u++) {
    e.setUnit(p.users[u].id);
    e.setAttributes({ ...p.pwUsers[u], url: p.pwUsers[u].url + "/".repeat(40 * u) });
    assert.deepEqual([...e.decideAll()], fresh({ ...p.pwUsers[u], url: p.pwUsers[u].url + "/".repeat(40 * u) }, p.users[u].id));
  }
  assert.equal(before.length, 10);
  grown.forEach((g) => g.free());
  e.free();
});

test("setVisitor refuses bytes not in its form", () => {
  const e = pathwiseEngine(pw, p);
  e.inputAt(16);
  assert.throws(() => e.setVisitor(1 << 20), (err) => err.code === "invalid_argument");
  assert.throws(() => e.setVisitor(3), (err) => err.code === "invalid_argument");
  e.free();
});
