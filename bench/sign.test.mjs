// The bench's envelopes come from the project's signer (bench/sign.mjs runs `pathwise sign`):
// the payload is the compiled program, signed at the fixed SIGNED_AT, the same bytes for the same
// bundle and key, and the caps are raised exactly where a workload needs it (N = 1000's 1000
// slots). Part of `make test-bench`; needs the CLI (`cargo build --features cli`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capFlags, cliPath, keyPair, SIGNED_AT, signBundle } from "./sign.mjs";
import { bundle, SITE } from "./translate.mjs";
import { buildWorkload } from "./workload.mjs";

const b10 = bundle(buildWorkload(10).neutral);

/** The program the envelope carries, as `pathwise inspect` prints it (verified). */
function inspect(envelope, key) {
  const dir = mkdtempSync(join(tmpdir(), "pathwise-bench-test-"));
  try {
    const file = join(dir, "envelope.json");
    writeFileSync(file, envelope);
    const out = execFileSync(cliPath(), ["inspect", file, "--key", key.publicKey, "--site", SITE, "--now", SIGNED_AT],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the envelope carries the compiled program, signed at SIGNED_AT", () => {
  const key = keyPair();
  const envelope = signBundle(b10, key);
  const e = JSON.parse(envelope);
  assert.equal(e.payloadType, "application/vnd.pathwise.program.v1");
  assert.equal(e.signatures.length, 1);
  const program = inspect(envelope, key);
  assert.equal(program.site, SITE);
  assert.equal(program.version, Date.parse(SIGNED_AT) / 1000);
  assert.deepEqual(program.slots.map((s) => s.id), b10.slots.map((s) => s.id));
  assert.equal(program.slots.reduce((n, s) => n + s.rules.length, 0), b10.rules.length);
});

test("the same bundle and key sign to the same bytes; another key to other bytes", () => {
  const key = keyPair();
  assert.equal(signBundle(b10, key), signBundle(b10, key));
  assert.notEqual(signBundle(b10, keyPair()), signBundle(b10, key));
});

test("the caps are raised only where the bundle needs it", () => {
  const text = (b) => JSON.stringify(b);
  assert.deepEqual(capFlags(b10, text(b10)), []);
  const b1000 = bundle(buildWorkload(1000).neutral);
  assert.deepEqual(capFlags(b1000, text(b1000)), ["--max-slots", "1000", "--max-bytes", String(Buffer.byteLength(text(b1000)))]);
});
