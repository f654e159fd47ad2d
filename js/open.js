// A verified envelope's program, put in the module (the asynchronous page entries): the
// signatures are checked by the browser's Ed25519 (verify.js), the payload inflated by its
// DecompressionStream, and the module reads and checks only the program (`pw_program`). The
// synchronous entries do all of it inside their module instead (open-sync.js).

import { clock, handle, inflating, put, u32 } from "./core.js";
import { fail } from "./errors.js";
import { verified } from "./verify.js";

/** The refusal of a payload that does not inflate to a program. */
const malformed = (reason) => fail({ code: "program_malformed", reason, offset: 0 });

/**
 * The payload's program bytes, inflated with the output capped at 16 bytes per payload byte
 * plus 1 KiB, as the module caps it (a small signed payload cannot grow into unbounded memory).
 */
async function inflate(payload) {
  const cap = payload.length * 16 + 1024;
  const reader = inflating(payload).getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch {
      throw malformed("malformed");
    }
    if (step.done) break;
    size += step.value.length;
    if (size > cap) {
      reader.cancel().catch(() => {});
      throw malformed("too_complex");
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Verifies the envelope's `payload` and `sigs` against the pinned keys of options `o`, then
 * reads and checks its program; returns the program's handle, or throws the coded refusal.
 * `accepted`: the highest version this device accepted (-1: none).
 */
export async function openProgram(o, payload, sigs, nowMs, accepted) {
  const count = await verified(payload, o.keys, sigs);
  if (count < o.threshold) throw fail({ code: "signature_threshold_not_met", verified: count, required: o.threshold });
  const program = await inflate(payload);
  put(u32(program.length), program, o.site);
  return handle("pw_program", clock(nowMs)[0], accepted);
}
