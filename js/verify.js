// Signatures over a payload, verified with the browser's own Ed25519 (WebCrypto) where it has
// one, and otherwise with the package's own verifier in JavaScript (verifier.js, loaded only
// then).
//
// WebCrypto is safe here only with two checks of ours (docs/design.md, "Verifying in the
// browser"): every pinned key was refused at init if it is of small order (key.js), and a
// signature whose S is not below the group order L is refused before WebCrypto sees it.

import { little } from "./key.js";
import { PAYLOAD_TYPE } from "./source.js";

const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const encoder = new TextEncoder();

/** DSSE's pre-authentication encoding of a program payload: what a signature signs. */
function pae(payload) {
  const head = encoder.encode(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${payload.length} `);
  const message = new Uint8Array(head.length + payload.length);
  message.set(head);
  message.set(payload, head.length);
  return message;
}

/** With WebCrypto: how many of `keys` made one of `sigs` over `message`; throws where the browser has no Ed25519. */
export async function platform(message, keys, sigs) {
  const subtle = crypto.subtle;
  const algorithm = { name: "Ed25519" };
  let count = 0;
  for (const k of keys) {
    const key = await subtle.importKey("raw", k, algorithm, false, ["verify"]);
    for (const sig of sigs) {
      if (little(sig.subarray(32)) < L && (await subtle.verify(algorithm, key, sig, message))) {
        count++;
        break;
      }
    }
  }
  return count;
}

let fallback;

/**
 * How many of the pinned `keys` (each counted once) made a valid signature among `sigs` over
 * `payload`. The fallback verifier is fetched the first time the browser's Ed25519 is missing
 * (no WebCrypto outside secure contexts, no Ed25519 in older browsers).
 */
export async function verified(payload, keys, sigs) {
  const message = pae(payload);
  try {
    return await platform(message, keys, sigs);
  } catch {
    fallback ??= import("./verifier.js");
    return (await fallback).verified(message, keys, sigs);
  }
}
