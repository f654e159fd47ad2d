// The shell's pinned-key check (js/key.js) and fallback verifier (js/ed25519.js, js/sha512.js)
// against the Rust verifier: the vectors in
// tests/data/key-vectors.txt are written and checked by tests/key_vectors.rs. A key the browser's
// own Ed25519 may verify with must be one `verify_strict` would use too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { keyProblem } from "../../js/key.js";
import { verify } from "../../js/ed25519.js";
import { sha512 } from "../../js/sha512.js";

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

test("js/ed25519.js accepts exactly the signatures verify_strict accepts, with either SHA-512", async () => {
  const lines = readFileSync(new URL("../data/signature-vectors.txt", import.meta.url), "utf8").trim().split("\n");
  const bytes = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
  const platform = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-512", data));
  const own = async (data) => sha512(data);
  assert.ok(lines.length >= 80);
  for (const line of lines) {
    const [key, message, sig, rust] = line.split(" ");
    for (const digest of [platform, own]) {
      assert.equal(await verify(bytes(key), bytes(sig), bytes(message), digest), rust == "1", line.slice(0, 80));
    }
  }
});

test("js/sha512.js equals the platform's SHA-512 at every padding boundary", async () => {
  for (const n of [0, 1, 55, 111, 112, 113, 127, 128, 129, 239, 240, 1000, 4096]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255);
    assert.deepEqual(sha512(data), new Uint8Array(await crypto.subtle.digest("SHA-512", data)), `${n} bytes`);
  }
});

test("the WebCrypto path (js/verify.js) accepts exactly what verify_strict accepts: it refuses S >= L itself", async () => {
  const { platform } = await import("../../js/verify.js");
  const lines = readFileSync(new URL("../data/signature-vectors.txt", import.meta.url), "utf8").trim().split("\n");
  const bytes = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
  for (const line of lines) {
    const [key, message, sig, rust] = line.split(" ");
    assert.equal(await platform(bytes(message), [bytes(key)], [bytes(sig)]), Number(rust), line.slice(0, 80));
  }
});
