// The envelopes the verification timings use (verify-node.mjs, verify-browser.mjs): the
// benchmark's own, signed by `pathwise sign` for N = 10 and 100 (lib.mjs `prepare`), as base64
// parts a page can take, plus a second key that did not sign (verify-cases.mjs says why).

import { prepare } from "./lib.mjs";
import { keyPair } from "./sign.mjs";
import { SITE } from "./translate.mjs";

const rawKey = (text) => text.slice("ed25519:".length);

/** Per N: `{ n, site, payload, sig, key, otherKey, payloadBytes }`, the byte fields in base64. */
export function verifyInputs(ns = [10, 100]) {
  const otherKey = rawKey(keyPair().publicKey);
  return ns.map((n) => {
    const p = prepare(n);
    const envelope = JSON.parse(p.envelope);
    return {
      n,
      site: SITE,
      payload: envelope.payload,
      sig: envelope.signatures[0].sig,
      key: rawKey(p.publicKey),
      otherKey,
      payloadBytes: Buffer.from(envelope.payload, "base64").length,
    };
  });
}
