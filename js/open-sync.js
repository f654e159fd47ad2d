// A verified envelope's program, put in the module (the synchronous page entries): the module
// verifies the signatures, inflates the payload and reads and checks the program within the
// task that asks (`pw_open`), so a render-blocking script decides before the first paint.

import { clock, handle, put, u32 } from "./core.js";

/** As open.js's, but done at once (it returns a handle, not a promise). */
export function openProgram(o, payload, sigs, nowMs, accepted) {
  put(u32(payload.length), payload, o.site, ...o.keys, ...sigs);
  return handle("pw_open", o.keys.length, sigs.length, o.threshold, clock(nowMs)[0], accepted);
}
