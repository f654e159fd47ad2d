// Common pieces of the benchmark: where things are, loading both SDKs, and one N's workload
// (bench/workload.mjs) prepared for each SDK — the GrowthBook payload text, and the Pathwise
// bundles translated (bench/translate.mjs) and signed by the CLI (bench/sign.mjs).

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { keyPair, signBundle } from "./sign.mjs";
import { audienceBundle, bundle, pathwiseAttributes, SITE } from "./translate.mjs";
import { buildWorkload } from "./workload.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, "..");

/** The built npm package: $PATHWISE_BENCH_PKG, else the repo's pkg/ (`make pkg`). */
export const PKG = resolve(process.env.PATHWISE_BENCH_PKG ?? join(REPO, "pkg"));
/** Where `make bench` installs GrowthBook (git-ignored): $GB_BENCH_DIR, else bench/.deps. */
export const GB_DIR = resolve(process.env.GB_BENCH_DIR ?? join(HERE, ".deps"));
export const GB_PKG = join(GB_DIR, "node_modules", "@growthbook", "growthbook");
/** The GrowthBook entry a web page ships as a module (the peer baseline's default). */
export const GB_ENTRY = "dist/bundles/esm.min.js";
/** GrowthBook's script-tag drop-in (the browser race's GrowthBook page). */
export const GB_AUTO = "dist/bundles/auto.min.js";

/** The clock every Pathwise engine uses: fixed, so runs are reproducible (= sign.mjs's SIGNED_AT). */
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);

export function requireFile(path, hint) {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  return path;
}

/**
 * Imports the package's headless entry (`pathwise/engine`: engine.js, which carries its own
 * module) and instantiates the module (or `module`, the bytes of another build of it); returns
 * the entry and the module's exports.
 */
export async function loadPathwise(module) {
  const entry = requireFile(join(PKG, "engine.js"), "run `make pkg`");
  const pw = await import(pathToFileURL(entry).href);
  const wasm = pw.initSync(module ? { module } : undefined);
  return { pw, wasm };
}

export async function loadGrowthBook() {
  const file = requireFile(join(GB_PKG, GB_ENTRY), "run `make bench` (it installs @growthbook/growthbook@1.8.0)");
  const version = JSON.parse(readFileSync(join(GB_PKG, "package.json"), "utf8")).version;
  const { GrowthBook } = await import(pathToFileURL(file).href);
  return { GrowthBook, version };
}

/**
 * Everything one N needs: the neutral workload, the GrowthBook payload text, the Pathwise
 * envelopes (benchmark bundle and condition-only bundle, signed by `pathwise sign` with a fresh
 * key) and the users as each SDK reads them.
 */
export function prepare(n) {
  const w = buildWorkload(n);
  const key = keyPair();
  return {
    n,
    neutral: w.neutral,
    featureKeys: w.featureKeys,
    users: w.users,
    pwUsers: w.users.map(pathwiseAttributes),
    gbPayloadText: JSON.stringify(w.gbPayload),
    envelope: signBundle(bundle(w.neutral), key),
    /** Signed on first use: only the agreement check reads it. */
    get audienceEnvelope() {
      const value = signBundle(audienceBundle(w.neutral), key);
      Object.defineProperty(this, "audienceEnvelope", { value });
      return value;
    },
    publicKey: key.publicKey,
    rules: w.neutral.features.reduce((s, f) => s + f.rules.length, 0),
  };
}

/** `PathwiseEngine.fromEnvelope` for the prepared workload (the default caps hold N = 1000). */
export function pathwiseEngine(pw, p, envelope = p.envelope) {
  return pw.PathwiseEngine.fromEnvelope(envelope, SITE, [p.publicKey], NOW_MS);
}

/** Per slot, per choice index: the value the slot shows (the variant id; the default for control). */
export function valueTable(engine) {
  return engine.choices().map((cs) => cs.map((c) => c[0]));
}

/** Command-line flags `--name value` as an object. */
export function flags(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[++i];
  }
  return out;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
