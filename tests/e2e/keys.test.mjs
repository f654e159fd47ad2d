// The shell's pinned-key check (js/key.js) against the Rust verifier's classes: the vectors in
// tests/data/key-vectors.txt are written and checked by tests/key_vectors.rs. A key the browser's
// own Ed25519 may verify with must be one `verify_strict` would use too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { keyProblem } from "../../js/key.js";

const vectors = readFileSync(new URL("../data/key-vectors.txt", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((line) => line.split(" "));

test("js/key.js classifies every shared vector as the Rust verifier does", () => {
  assert.ok(vectors.length > 300);
  for (const [hex, rust] of vectors) {
    assert.equal(keyProblem(Uint8Array.from(Buffer.from(hex, "hex"))), Number(rust), hex);
  }
});
