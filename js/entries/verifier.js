// The fallback verifier of the page entries: Ed25519 in plain JavaScript (js/ed25519.js), for
// browsers whose WebCrypto has no Ed25519 and pages without `crypto.subtle` (not a secure
// origin). js/verify.js imports this file only there, so other pages never download it.

import { verify } from "../ed25519.js";
import { sha512 } from "../sha512.js";

/** SHA-512 by the platform where it can, else in JavaScript. */
async function digest(bytes) {
  return globalThis.crypto?.subtle ? new Uint8Array(await crypto.subtle.digest("SHA-512", bytes)) : sha512(bytes);
}

/** How many of the pinned `keys` (each counted once) made a valid signature among `sigs` over `message`. */
export async function verified(message, keys, sigs) {
  let count = 0;
  for (const key of keys) {
    for (const sig of sigs) {
      if (await verify(key, sig, message, digest)) {
        count++;
        break;
      }
    }
  }
  return count;
}
