// The envelope's base64 fields as every entry reads them (js/source.js, shared by the page entries
// and pathwise/engine): standard padded base64 only. The platform's atob skips whitespace and
// accepts other oddities, so the decoder checks the decoded length too; each variation below must
// be refused as malformed_envelope, before any signature is checked. In Node, through the
// packaged pathwise/engine (no browser needed).

import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { PKG, SITE, keygen, sign, siteBundle, tempDir } from "./lib/tools.mjs";

const { PathwiseEngine } = await import(pathToFileURL(join(PKG, "engine.js")).href);
const tmp = tempDir();
const key = keygen(tmp.dir);
const envelope = JSON.parse(sign(tmp.dir, siteBundle(), key.keyFile));
const open = (e) => PathwiseEngine.fromEnvelope(JSON.stringify(e), SITE, [key.publicKey], Date.now());

test("the envelope as signed is read", () => {
  open(envelope).free();
});

test("base64 with whitespace, misplaced or missing padding, or another alphabet is malformed_envelope", () => {
  const p = envelope.payload;
  const s = envelope.signatures[0].sig;
  const variations = {
    "a space in the payload": { payload: `${p.slice(0, 8)} ${p.slice(9)}` },
    "a newline in the payload": { payload: `${p.slice(0, 8)}\n${p.slice(9)}` },
    "a tab replacing the signature's first character": { signatures: [{ sig: `\t${s.slice(1)}` }] },
    "padding in the middle of the payload": { payload: `${p.slice(0, 4)}====${p.slice(8)}` },
    "the payload's padding removed": { payload: p.replace(/=+$/, "") },
    "URL-safe characters in the payload": { payload: p.replace(/\+/g, "-").replace(/\//g, "_").replace(/^[A-Za-z0-9]/, "-") },
    "the payload with one character too many": { payload: `A${p}` },
  };
  for (const [what, change] of Object.entries(variations)) {
    const changed = { ...envelope, ...change };
    if (JSON.stringify(changed) === JSON.stringify(envelope)) continue; // nothing to change (no padding)
    assert.throws(() => open(changed), (e) => e instanceof Error && e.code === "malformed_envelope", what);
  }
});

test.after(() => tmp.cleanup());
