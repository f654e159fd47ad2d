// Ed25519 signature verification in plain JavaScript (BigInt), with the strict rules of
// `verify_strict`: the fallback of the page entries where the browser's WebCrypto has no Ed25519
// (older browsers) or no `crypto.subtle` at all (a page not served from a secure origin).
// verify.js imports it through verifier.js only there, so other pages never download it.
//
// Written from RFC 8032 (section 5.1.7) for verifying only: nothing here handles a secret, so
// nothing needs to run in constant time. Points are in extended coordinates (X:Y:Z:T) on the
// twisted Edwards curve -x² + y² = 1 + d·x²·y² over p = 2^255 - 19, added with the unified
// formulas of Hisil et al. (also used for doubling). What makes it strict:
// - the public key was refused at init if it is of small order or not a point (key.js);
// - S must be below the group order L;
// - R is never decoded: [S]B - [k]A is computed and encoded, and must equal R's 32 bytes, so a
//   non-canonical R never matches; an R of small order is refused outright.
// The equation is the cofactorless one, as in `verify_strict`.

import { keyProblem, little } from "./key.js";

const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const mod = (a) => ((a % P) + P) % P;
const pow = (b, e) => {
  let r = 1n;
  for (b = mod(b); e; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};
const inverse = (a) => pow(a, P - 2n);
const D = mod(-121665n * inverse(121666n));
const D2 = (2n * D) % P;
// √-1 modulo p.
const I = pow(2n, (P - 1n) / 4n);

/** The sum of two points (also their double when they are the same point). */
function add([X1, Y1, Z1, T1], [X2, Y2, Z2, T2]) {
  const a = mod((Y1 - X1) * (Y2 - X2));
  const b = mod((Y1 + X1) * (Y2 + X2));
  const c = mod(T1 * D2 * T2);
  const d = mod(2n * Z1 * Z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

const IDENTITY = [0n, 1n, 1n, 0n];
// The base point B: y = 4/5, x positive (even).
const BASE = (() => {
  const y = mod(4n * inverse(5n));
  const x = root(y, 0);
  return [x, y, 1n, mod(x * y)];
})();

/** The x of the point with `y` whose low bit is `sign`, or undefined when there is none. */
function root(y, sign) {
  const yy = (y * y) % P;
  const x2 = mod((yy - 1n) * inverse(D * yy + 1n));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) != 0n) x = (x * I) % P;
  if (mod(x * x - x2) != 0n) return undefined;
  return (x & 1n) == BigInt(sign) ? x : mod(-x);
}

/** The point encoded by 32 bytes (the pinned key), or undefined. As the Rust verifier, y is read modulo p. */
function decode(bytes) {
  const y = (little(bytes.slice(0, 31)) | (BigInt(bytes[31] & 127) << 248n)) % P;
  const x = root(y, bytes[31] >> 7);
  return x === undefined ? undefined : [x, y, 1n, mod(x * y)];
}

/** The 32-byte encoding of a point: y little-endian, the low bit of x on top. */
function encode([X, Y, Z]) {
  const z = inverse(Z);
  let y = mod(Y * z) | ((mod(X * z) & 1n) << 255n);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, y >>= 8n) out[i] = Number(y & 255n);
  return out;
}

/** [s]S + [t]T, by one shared run of doublings. */
function combine(s, S, t, T) {
  const both = add(S, T);
  let q = IDENTITY;
  for (let i = 255n; i >= 0n; i--) {
    q = add(q, q);
    const a = (s >> i) & 1n;
    const b = (t >> i) & 1n;
    if (a || b) q = add(q, a && b ? both : a ? S : T);
  }
  return q;
}

/**
 * Whether `sig` (64 bytes) is a strict Ed25519 signature of `message` by the pinned `key` (32
 * bytes, already checked by key.js). `sha512(bytes)` resolves to the 64-byte digest.
 */
export async function verify(key, sig, message, sha512) {
  const A = decode(key);
  const R = sig.subarray(0, 32);
  const s = little(sig.subarray(32));
  if (!A || s >= L || keyProblem(R) == 2) return false;
  const hashed = new Uint8Array(64 + message.length);
  hashed.set(R);
  hashed.set(key, 32);
  hashed.set(message, 64);
  const k = little(await sha512(hashed)) % L;
  const negA = [mod(-A[0]), A[1], A[2], mod(-A[3])];
  const expected = encode(combine(s, BASE, k, negA));
  return expected.every((b, i) => b == R[i]);
}
