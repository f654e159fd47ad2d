// Helpers shared by the end-to-end tests: the native CLI (keys, signing, explain), temp folders,
// the test bundle, and tampering.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const E2E = resolve(HERE, "..");
export const REPO = resolve(E2E, "../..");
/** The package folder under test: $PATHWISE_E2E_PKG (another build of it), else the repo's pkg/. */
export const PKG = resolve(process.env.PATHWISE_E2E_PKG ?? join(REPO, "pkg"));
export const GOLDEN = join(REPO, "tests", "golden");

/** The site the test bundle is signed for (and the pages initialise with). */
export const SITE = "e2e.pathwise.test";

/**
 * The native `pathwise` binary (built with `--features cli`): $PATHWISE_BIN, else the debug build
 * in $CARGO_TARGET_DIR (or the repo's target/). `make test-e2e` builds it first.
 */
export function pathwiseBin() {
  const bin = process.env.PATHWISE_BIN
    ?? join(process.env.CARGO_TARGET_DIR ?? join(REPO, "target"), "debug", "pathwise");
  if (!existsSync(bin)) {
    throw new Error(`the pathwise CLI is not built at ${bin}: run \`cargo build --features cli\` ` +
      "or set PATHWISE_BIN (make test-e2e does both)");
  }
  return bin;
}

/** Runs the CLI; returns stdout. A non-zero exit throws with the CLI's stderr. */
export function pathwise(args, options = {}) {
  const bin = pathwiseBin();
  try {
    return execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
  } catch (e) {
    throw new Error(`pathwise ${args.join(" ")} exited ${e.status}: ${e.stderr || e.message}`);
  }
}

/** A fresh temp folder, removed by the returned `cleanup`. */
export function tempDir(prefix = "pathwise-e2e-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `pathwise keygen` into `dir`; returns the private key file and the pinned public key text. */
export function keygen(dir, name = "site") {
  const keyFile = join(dir, `${name}.key`);
  const out = pathwise(["keygen", "--out", keyFile]);
  const match = out.match(/ed25519:[A-Za-z0-9+/]+=*/);
  if (!match) throw new Error(`pathwise keygen printed no public key:\n${out}`);
  return { keyFile, publicKey: match[0] };
}

/** The test bundle (tests/e2e/fixtures/site.json) as an object, to adjust per test. */
export function siteBundle() {
  return JSON.parse(readFileSync(join(E2E, "fixtures", "site.json"), "utf8"));
}

/**
 * Signs `bundle` (an object) with `pathwise sign`; returns the envelope text.
 * `version` is set exactly when given; `ttl` defaults to the CLI's 30 days.
 */
export function sign(dir, bundle, keyFile, { version, ttl, now, name = "bundle" } = {}) {
  const source = join(dir, `${name}.json`);
  const out = join(dir, `${name}.signed.json`);
  writeFileSync(source, JSON.stringify(bundle, null, 2));
  rmSync(out, { force: true });
  const args = ["sign", source, "--key", keyFile, "--out", out];
  if (version !== undefined) args.push("--version", String(version));
  if (ttl !== undefined) args.push("--ttl", ttl);
  if (now !== undefined) args.push("--now", String(now));
  pathwise(args);
  return readFileSync(out, "utf8");
}

/**
 * The envelope with one byte of its payload changed (the signed program, compiled and deflated by
 * `pathwise sign`), still well-formed DSSE JSON, so only the signature check can catch it.
 */
export function tamper(envelopeText) {
  const envelope = JSON.parse(envelopeText);
  const payload = Buffer.from(envelope.payload, "base64");
  payload[payload.length >> 1] ^= 0x01;
  envelope.payload = payload.toString("base64");
  return JSON.stringify(envelope);
}
