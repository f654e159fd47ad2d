// pathwise/engine in Node: the payload is inflated by `node:zlib`, native and synchronous, which
// engine.js has already loaded to inflate its module (core.js `initSync`), so the module's own
// inflater never runs there. The module still verifies the signatures over the payload as
// signed, and checks the program.
//
// Only in Node itself: the bytes are inflated before the signatures are checked, which is safe
// because `maxOutputLength` stops a payload from growing past the same cap the module applies
// (16 bytes per payload byte, plus 1 KiB) — an option Node documents; other runtimes that offer
// `node:zlib` (Bun, Deno) are left to the module, whose inflater is bounded by construction.
//
// `node:crypto`'s Ed25519 was measured for verifying too and left out: loading `node:crypto` and
// making a key object cost a fresh process about 12 ms before the first verification, and a
// verification in a warm process was no faster than the module's (docs/performance.md).

/**
 * The payload inflated by `node:zlib` (capped at 16 bytes per payload byte plus 1 KiB, as the
 * module caps it), or `undefined`: not in Node, or the payload does not inflate within the cap —
 * then the module inflates it, after verifying, and refuses it with its own reason.
 */
export function nativeInflate(payload) {
  const versions = globalThis.process?.versions;
  if (!versions?.node || versions.bun || versions.deno) return undefined;
  try {
    // Throws, and leaves it to the module, in a Node without getBuiltinModule (before 20.16).
    return process.getBuiltinModule("zlib").inflateRawSync(payload, { maxOutputLength: payload.length * 16 + 1024 });
  } catch {
    return undefined;
  }
}
