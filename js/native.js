// pathwise/engine where the runtime has Node's built-in modules (Node, Deno, Bun): the payload is
// inflated by `node:zlib`, native and synchronous, which engine.js has already loaded to inflate
// its module (core.js `initSync`), so the module's own inflater never runs there. The module
// still verifies the signatures over the payload as signed, and checks the program.
//
// `node:crypto`'s Ed25519 was measured for verifying too and left out: loading `node:crypto` and
// making a key object cost a fresh process about 12 ms before the first verification, and a
// verification in a warm process was no faster than the module's (docs/performance.md).

/**
 * The payload inflated by `node:zlib` (capped at 16 bytes per payload byte plus 1 KiB, as the
 * module caps it), or `undefined`: not in Node, or the payload does not inflate — then the
 * module inflates it, after verifying, and refuses it with its own reason.
 */
export function nativeInflate(payload) {
  try {
    return globalThis.process?.getBuiltinModule?.("node:zlib")?.inflateRawSync(payload, { maxOutputLength: payload.length * 16 + 1024 });
  } catch {
    return undefined;
  }
}
