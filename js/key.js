// Pinned keys, checked where the page's own Ed25519 (WebCrypto) may verify with them.
//
// WebCrypto's Ed25519 `verify`, like most, accepts a known forgery — identity R, S = 0 —
// against a public key of small order, for any message. Keys here are pinned by the site and
// never taken from a bundle, so refusing every small-order key at init closes that door for
// good (docs/design.md, "Verifying in the browser"); together with S < L, checked before each
// verify (verify.js), WebCrypto then accepts exactly what `verify_strict` accepts for our keys.
// The same checks run in every entry, so a key is refused or kept the same way everywhere.

// Arithmetic modulo p = 2^255 - 19 on BigInts: slow, but a key is checked once per init.
const P = (1n << 255n) - 19n;
const pow = (b, e) => {
  let r = 1n;
  for (b %= P; e; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};
const D = ((P - 121665n) * pow(121666n, P - 2n)) % P;
// The y coordinate of the points of order 8 (the other is P - Y8); 0, 1 and P - 1 are the y of
// the points of order 4, 1 and 2. Compared after reduction modulo p, as the curve code reads y,
// so the non-canonical encodings of these points are refused too.
const Y8 = 0x5fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;

/** Little-endian bytes as a BigInt. */
export function little(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/**
 * Why 32 bytes are not a usable pinned Ed25519 key: 2 a point of small order (anyone could
 * forge signatures for it), 1 not a point of the curve at all; 0 for a usable key.
 */
export function keyProblem(bytes) {
  const y = little(bytes.slice(0, 31)) | (BigInt(bytes[31] & 127) << 248n);
  const r = y % P;
  if (r < 2n || r == P - 1n || r == Y8 || r == P - Y8) return 2;
  // x² = (y² - 1) / (d·y² + 1) must have a square root (Euler's criterion). Dividing by a
  // number and multiplying by it differ by the square of its inverse, which does not change
  // whether the result is a square: so (y² - 1)·(d·y² + 1) is tested, with one exponentiation
  // instead of an inversion and a test. (d·y² + 1 is never 0: d is not a square.)
  const yy = (r * r) % P;
  return pow((yy - 1n) * (D * yy + 1n), (P - 1n) / 2n) == 1n ? 0 : 1;
}
