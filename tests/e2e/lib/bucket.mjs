// The README's bucketing formula, written from the README (not the SDK's code), so tests can pick
// install ids inside or outside a sample: h = murmur3_x86_32(seed 0, UTF-8 "{salt}:{unit}"),
// bucket = (h × 10 000) >> 32. runtime-report.test.mjs checks it against the frozen vectors of
// tests/data/bucketing_vectors.json (generated with Python's mmh3).

/** murmur3_x86_32 of `bytes` with seed 0, as an unsigned 32-bit integer. */
export function murmur3(bytes) {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const blocks = bytes.length >> 2;
  for (let i = 0; i < blocks; i++) {
    let k = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = blocks * 4;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[tail];
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The bucket (0–9999) of `unit` under `salt`. */
export function bucket(salt, unit) {
  const h = murmur3(new TextEncoder().encode(`${salt}:${unit}`));
  return Number((BigInt(h) * 10000n) >> 32n);
}
