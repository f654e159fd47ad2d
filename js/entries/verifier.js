// The package's own Ed25519 verifier (src/web/verifier.rs: `verify_strict` and nothing else),
// for the page entries in browsers without Ed25519 in WebCrypto: js/verify.js imports this file
// only there, so other pages never download it.

import { DEFLATED, WASM } from "pathwise:wasm";

let instance;

async function exports() {
  instance ??= (async () => {
    let bytes = Uint8Array.from(atob(WASM), (c) => c.charCodeAt(0));
    if (DEFLATED) {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    }
    return (await WebAssembly.instantiate(bytes, {})).instance.exports;
  })();
  return instance;
}

/** How many of the pinned `keys` (each counted once) made a valid signature among `sigs` over `message`. */
export async function verified(message, keys, sigs) {
  const x = await exports();
  const parts = [message, ...keys, ...sigs];
  let at = x.pw_input(parts.reduce((n, part) => n + part.length, 0));
  for (const part of parts) {
    new Uint8Array(x.memory.buffer).set(part, at);
    at += part.length;
  }
  return Math.max(0, x.pw_verify(message.length, keys.length));
}
