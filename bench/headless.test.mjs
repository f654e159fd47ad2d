// PathwiseEngine (headless) keeps a visitor's attributes by position and reuses the previous
// visitor's string and list buffers (src/web/headless.rs): deciding for many visitors in a row
// must give exactly what a fresh engine gives each of them, and a refused set must leave no
// attribute behind. Part of `make test-bench` (`node --test bench/`); needs pkg/ (`make pkg`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPathwise, pathwiseEngine, prepare, sharedModules } from "./lib.mjs";

const { buildWorkload } = await sharedModules();
const { pw } = await loadPathwise();
const p = prepare(buildWorkload, 10);

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
