// PathwiseEngine (headless) keeps a visitor's attributes by position (js/engine.js writes them as
// bytes into the module, src/web/engine.rs reads them): deciding for many visitors in a row must
// give exactly what a fresh engine gives each of them, and a refused set must leave no attribute
// behind. Part of `make test-bench` (`node --test bench/`); needs pkg/ (`make pkg`) and the CLI.

import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPathwise, pathwiseEngine, prepare } from "./lib.mjs";

const { pw, wasm } = await loadPathwise();
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

// engine.js writes a visitor's unit and attributes as bytes into the module's memory, one
// crossing per visitor (js/engine.js `setAttributes`): odd values must be read as a fresh
// engine reads them, and every refusal must carry its code.
test("odd values decide as on a fresh engine, and each refusal has its code", () => {
  const e = pathwiseEngine(pw, p);
  const odd = [
    [{ country: "DÉ", url: "https://app.example.com/ü?ref=партнёр", pagesVisited: ["/docs", "/😀", ""] }],
    [{ country: "", plan: "team", visit_count: -0, daysSinceSignup: 1e21 }],
    [{ role: "owner", pagesVisited: [], visit_count: 0.1 + 0.2 }],
    [{ role: "é".repeat(512) }],
    [{ country: 3 }, "wrong_kind"], [{ pagesVisited: ["/", 1] }, "wrong_kind"],
    [{ visit_count: NaN }, "non_finite_number"], [{ daysSinceSignup: Infinity }, "non_finite_number"],
    [{ role: "x".repeat(1025) }, "string_too_long"], [{ role: "é".repeat(513) }, "string_too_long"],
    [{ pagesVisited: Array(101).fill("/") }, "list_too_long"],
    [{ country: { toString: () => "US" } }, "wrong_kind"], [{ plan: true }, "wrong_kind"],
  ];
  odd.forEach(([attributes, code], u) => {
    const unit = `u_${u}_ü`;
    e.setUnit(unit);
    if (code) {
      assert.throws(() => e.setAttributes(attributes), (err) => err instanceof Error && err.code === code, `visitor ${u}`);
      assert.deepEqual([...e.decideAll()], fresh(null, unit), `visitor ${u}: nothing left behind`);
    } else {
      e.setAttributes(attributes);
      assert.deepEqual([...e.decideAll()], fresh(attributes, unit), `visitor ${u}`);
    }
  });
  e.free();
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
  // Other engines grow the memory the first engine's buffers live in.
  const grown = [];
  const size = () => wasm.memory.buffer.byteLength;
  const start = size();
  const other = prepare(100);
  while (size() === start) grown.push(pathwiseEngine(pw, other));
  for (let u = 0; u < 20; u++) {
    const attributes = { ...p.pwUsers[u], url: p.pwUsers[u].url + "/".repeat(40 * u) };
    e.setUnit(p.users[u].id);
    e.setAttributes(attributes);
    assert.deepEqual([...e.decideAll()], fresh(attributes, p.users[u].id));
  }
  assert.equal(before.length, 10);
  grown.forEach((g) => g.free());
  e.free();
});
