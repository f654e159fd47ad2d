// One Ed25519 verification of an envelope's signature, three ways, and their timing. Plain
// ECMAScript with no imports, so the same file runs in Node (verify-node.mjs) and in Chromium
// (verify-browser.mjs serves it to a page):
//
// - webcrypto: the platform's Ed25519, as js/verify.js uses it where the browser has one:
//   `importKey("raw")` of the pinned key, then `verify` over the DSSE pre-authentication encoding;
// - wasm: the package's module verifying inside itself, as pathwise/sync and pathwise/engine do
//   (`pw_open`, src/web/envelope.rs): the payload, site, pinned key and signature written into its
//   input, then ed25519-dalek's `verify_strict`. The pinned key is a valid key that did NOT sign,
//   so the module runs the whole verification (the key read, the pre-authentication encoding,
//   SHA-512, the curve arithmetic) and refuses at its last comparison, before inflating or reading
//   the program; `checkWasm` shows the same call with the signing key succeeds;
// - fallback: pkg/verifier.js's `verified(message, keys, sigs)`, Ed25519 in JavaScript (BigInt)
//   with SHA-512 from crypto.subtle, the page entries' fallback where WebCrypto has no Ed25519.
//
// A case: `{ payload, sig, key, otherKey }` (Uint8Arrays: the envelope's payload bytes, its
// signature, the signing key and another key, 32 bytes each) and `site`.

export const PAYLOAD_TYPE = "application/vnd.pathwise.program.v1";
const encoder = new TextEncoder();

/** DSSE's pre-authentication encoding: what the signature signs. */
export function pae(payload) {
  const head = encoder.encode(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${payload.length} `);
  const message = new Uint8Array(head.length + payload.length);
  message.set(head);
  message.set(payload, head.length);
  return message;
}

/** Bytes from base64 (the driver hands cases to a page as text). */
export function fromBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const u32 = (n) => new Uint8Array(new Uint32Array([n]).buffer);

/** `pw_open`'s input: payload (length-prefixed), site (length-prefixed), keys, signatures. */
function openInput(c, key) {
  const site = encoder.encode(c.site);
  const parts = [u32(c.payload.length), c.payload, u32(site.length), site, key, c.sig];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Calls `pw_open` with one pinned key; returns a handle (> 0) or the refusal's code. */
function open(exports, input, nowSec) {
  const at = exports.pw_input(input.length);
  new Uint8Array(exports.memory.buffer).set(input, at);
  const h = exports.pw_open(1, 1, 1, nowSec, -1);
  if (h > 0) return h;
  const out = exports.pw_output();
  const text = new TextDecoder().decode(new Uint8Array(exports.memory.buffer, out, -h - 1));
  return JSON.parse(text).code;
}

/**
 * The module accepts the case with the signing key and refuses it with the other key as
 * `signature_threshold_not_met`: what the timed call does is the verification, nothing less.
 */
export function checkWasm(exports, c, nowSec) {
  const good = open(exports, openInput(c, c.key), nowSec);
  if (!(good > 0)) throw new Error(`wasm: the signing key was refused (${good})`);
  exports.pw_free(good);
  const bad = open(exports, openInput(c, c.otherKey), nowSec);
  if (bad !== "signature_threshold_not_met") throw new Error(`wasm: a key that did not sign gave ${bad}`);
}

/** The three verifiers of one case, each an async function that throws unless it verified. */
export function verifiers(c, { exports, verified, subtle, nowSec }) {
  const message = pae(c.payload);
  const input = openInput(c, c.otherKey);
  const algorithm = { name: "Ed25519" };
  return {
    webcrypto: async () => {
      const key = await subtle.importKey("raw", c.key, algorithm, false, ["verify"]);
      if (!(await subtle.verify(algorithm, key, c.sig, message))) throw new Error("webcrypto: not verified");
    },
    wasm: async () => {
      const code = open(exports, input, nowSec);
      if (code !== "signature_threshold_not_met") throw new Error(`wasm: ${code}`);
    },
    fallback: async () => {
      if ((await verified(message, [c.key], [c.sig])) !== 1) throw new Error("fallback: not verified");
    },
  };
}

/**
 * Median milliseconds per verification for each verifier: `samples` rounds, each timing `batch`
 * calls of every verifier in turn (the order rotating per round), after `warmup` rounds.
 */
export async function measure(fns, { samples = 21, batch = 8, warmup = 3, now = () => performance.now() } = {}) {
  const names = Object.keys(fns);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + samples; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const t0 = now();
      for (let i = 0; i < batch; i++) await fns[name]();
      const ms = (now() - t0) / batch;
      if (round >= warmup) times[name].push(ms);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  return Object.fromEntries(names.map((n) => [n, { ms: median(times[n]), min: Math.min(...times[n]), max: Math.max(...times[n]) }]));
}
