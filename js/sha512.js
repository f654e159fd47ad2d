// SHA-512 (FIPS 180-4) in plain JavaScript on BigInts, for the fallback verifier where the page
// has no `crypto.subtle` (not a secure origin). Slow — a few milliseconds for a typical bundle —
// but only such pages run it.
//
// The round constants are not written out: they are what the standard defines them to be, the
// first 64 bits of the fractional parts of the cube roots of the first 80 primes (and the initial
// hash, of the square roots of the first 8), computed once with integer roots.

const M = (1n << 64n) - 1n;

/** ⌊n^(1/k)⌋, by Newton's method from above. */
function root(n, k) {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / Number(k)));
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) return x;
    x = y;
  }
}

let K;
let H;

function constants() {
  const primes = [];
  for (let n = 2; primes.length < 80; n++) if (primes.every((p) => n % p)) primes.push(n);
  K = primes.map((p) => root(BigInt(p) << 192n, 3n) & M);
  H = primes.slice(0, 8).map((p) => root(BigInt(p) << 128n, 2n) & M);
}

const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & M;

/** The SHA-512 digest of `bytes` (64 bytes). */
export function sha512(bytes) {
  if (!K) constants();
  const blocks = new Uint8Array((((bytes.length + 16) >> 7) + 1) << 7);
  blocks.set(bytes);
  blocks[bytes.length] = 0x80;
  const view = new DataView(blocks.buffer);
  view.setBigUint64(blocks.length - 8, BigInt(bytes.length) * 8n);
  const h = H.slice();
  const w = [];
  for (let at = 0; at < blocks.length; at += 128) {
    for (let t = 0; t < 80; t++) {
      if (t < 16) w[t] = view.getBigUint64(at + 8 * t);
      else {
        const a = w[t - 15];
        const b = w[t - 2];
        w[t] = ((rotr(b, 19n) ^ rotr(b, 61n) ^ (b >> 6n)) + w[t - 7] + (rotr(a, 1n) ^ rotr(a, 8n) ^ (a >> 7n)) + w[t - 16]) & M;
      }
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let t = 0; t < 80; t++) {
      const t1 = (k + (rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) & M;
      const t2 = (rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g;
      g = f;
      f = e;
      e = (d + t1) & M;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) & M;
    }
    [a, b, c, d, e, f, g, k].forEach((x, i) => (h[i] = (h[i] + x) & M));
  }
  const out = new DataView(new ArrayBuffer(64));
  h.forEach((x, i) => out.setBigUint64(8 * i, x));
  return new Uint8Array(out.buffer);
}
