// Signing for the benchmark, by the project's own signer: `pathwise sign` validates a bundle,
// compiles it into the program a device reads and signs that (payloadType
// application/vnd.pathwise.program.v1). The bench never builds an envelope itself.
//
// The CLI is $PATHWISE_BIN, else the debug build in $CARGO_TARGET_DIR (or the repository's
// target/): `cargo build --features cli`, which `make bench` and `make test-bench` run first.
//
// Every envelope is signed at the fixed time SIGNED_AT (the clock the Node figures decide at,
// lib.mjs's NOW_MS) and stays valid for ten years, so signing the same bundle with the same key
// gives the same bytes, and a page opened today accepts it too (its version is in the past).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The signing time of every bench envelope (RFC 3339), = lib.mjs's NOW_MS. */
export const SIGNED_AT = "2026-01-15T12:00:00Z";
const TTL = "3650d";

// The signer's defaults (`pathwise sign --help`): a larger bundle needs the caps raised.
const DEFAULT_CAPS = { rules: 2000, slots: 500, bytes: 262144 };

/** The `pathwise` binary. */
export function cliPath() {
  const bin = process.env.PATHWISE_BIN
    ?? join(process.env.CARGO_TARGET_DIR ?? join(REPO, "target"), "debug", "pathwise");
  if (!existsSync(bin)) {
    throw new Error(`the pathwise CLI is not built at ${bin}: run \`cargo build --features cli\` (or set PATHWISE_BIN)`);
  }
  return bin;
}

function run(args) {
  try {
    return execFileSync(cliPath(), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`pathwise ${args.join(" ")} exited ${e.status}: ${e.stderr || e.message}`);
  }
}

// One folder per process for keys and bundle files, removed when the process exits.
let workDir;
function dir() {
  if (!workDir) {
    workDir = mkdtempSync(join(tmpdir(), "pathwise-bench-sign-"));
    process.on("exit", () => rmSync(workDir, { recursive: true, force: true }));
  }
  return workDir;
}

let keys = 0;

/** A fresh key pair by `pathwise keygen`: `{ keyFile, publicKey: "ed25519:<base64>" }`. */
export function keyPair() {
  const keyFile = join(dir(), `key-${++keys}.key`);
  const out = run(["keygen", "--out", keyFile]);
  const publicKey = out.match(/ed25519:[A-Za-z0-9+/]+=*/)?.[0];
  if (!publicKey) throw new Error(`pathwise keygen printed no public key:\n${out}`);
  return { keyFile, publicKey };
}

/** The `--max-*` flags a bundle needs beyond the signer's defaults (N = 1000 has 1000 slots). */
export function capFlags(bundle, text) {
  const need = { rules: bundle.rules.length, slots: bundle.slots.length, bytes: Buffer.byteLength(text) };
  const flags = [];
  for (const [name, value] of Object.entries(need)) {
    if (value > DEFAULT_CAPS[name]) flags.push(`--max-${name}`, String(value));
  }
  return flags;
}

let signed = 0;

/** Signs `bundle` (an object) with `key` from `keyPair()`; returns the envelope text. */
export function signBundle(bundle, key) {
  const n = ++signed;
  const source = join(dir(), `bundle-${n}.json`);
  const out = join(dir(), `bundle-${n}.signed.json`);
  const text = JSON.stringify(bundle);
  writeFileSync(source, text);
  run(["sign", source, "--key", key.keyFile, "--out", out, "--now", SIGNED_AT, "--ttl", TTL, ...capFlags(bundle, text)]);
  const envelope = readFileSync(out, "utf8");
  rmSync(source);
  rmSync(out);
  return envelope;
}
