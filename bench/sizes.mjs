// What each SDK's rules weigh on the wire: Pathwise's signed envelope text against GrowthBook's
// payload text (JSON.stringify of the workload's payload), raw and gzip (zlib level 9, as a
// server that precompresses would send it).

import { gzipSync } from "node:zlib";

export const gzipSize = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;

/** Sizes for one prepared workload (lib.mjs `prepare`). */
export function sizes(p) {
  return {
    envelopeBytes: Buffer.byteLength(p.envelope),
    envelopeGzip: gzipSize(p.envelope),
    gbPayloadBytes: Buffer.byteLength(p.gbPayloadText),
    gbPayloadGzip: gzipSize(p.gbPayloadText),
  };
}
