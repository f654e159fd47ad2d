// `Pathwise.init(options)`: reading and checking the options object.
//
// Only unusable options are refused (no `site`, no valid pinned key, an impossible threshold, a
// value of the wrong type): they are configuration bugs that no bundle can fix, so `init`
// rejects with code `invalid_options`. A name this SDK does not know is reported with an
// `unknown_option` warning, never silently ignored. A pinned key that does not parse
// while others do is a warning, so a typo in one key of a rotation pair does not take the page's
// personalization down.

import { keyProblem } from "./key.js";
import { coded } from "./errors.js";
import { MAX_ENVELOPE_BYTES } from "./source.js";

// Marked pure so that entries which never check options (pathwise/engine) leave it out.
const KNOWN = /* @__PURE__ */ "site keys threshold bundle consent revealTimeoutMs fetchTimeoutMs collect autoApply now maxEnvelopeBytes overrides allowPreview respectGlobalPrivacyControl".split(" ");
const CONSENTS = ["granted", "pending", "denied"];
const invalid = (message) => coded("invalid_options", `options.${message}`);
const given = (v) => v !== undefined && v !== null;

/** A number option from `min` to `max` (whole when `whole`), `fallback` when absent. */
function number(options, path, name, fallback, min, max, whole = true) {
  const v = options[name];
  if (!given(v)) return fallback;
  if (typeof v != "number" || !(v >= min && v <= max) || (whole && v % 1)) throw invalid(`${path}${name} must be a number from ${min} to ${max}`);
  return v;
}

/** A boolean option, `fallback` when absent. */
function flag(options, name, fallback) {
  const v = options[name] ?? fallback;
  if (typeof v != "boolean") throw invalid(`${name} must be a boolean`);
  return v;
}

/** Warnings for the names of `given` that are not among `known`. */
function unknown(given, known, path, warnings) {
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) warnings.push(["unknown_option", `options.${path}${name} is ignored: not one of ${known.join(", ")}`]);
  }
}

/** A pinned key's 32 bytes, or why not (a string). */
export function key(text) {
  const body = typeof text == "string" && /^\s*ed25519:([A-Za-z0-9+/]{43}=)\s*$/.exec(text);
  if (!body) return "not \"ed25519:\" and 32 bytes of base64";
  const bytes = Uint8Array.from(atob(body[1]), (c) => c.charCodeAt(0));
  const check = keyProblem(bytes);
  return check == 0 ? bytes : check == 2 ? "a weak (small-order) key" : "not an Ed25519 point";
}

/** The checked options and the warnings for keys that were skipped. */
export function parse(options) {
  if (!options || typeof options != "object") throw coded("invalid_options", "Pathwise.init needs an options object with `site` and `keys`");
  const o = { site: options.site, warnings: [] };
  unknown(options, KNOWN, "", o.warnings);
  if (typeof o.site != "string" || !o.site) throw invalid("site must be a non-empty string");
  const texts = typeof options.keys == "string" ? [options.keys] : options.keys;
  if (!Array.isArray(texts)) throw invalid('keys must be an array of "ed25519:…" public keys');
  o.keys = [];
  texts.forEach((text, i) => {
    const k = key(text);
    if (typeof k == "string") o.warnings.push(["invalid_key", `options.keys[${i}] is ignored: ${k}`]);
    else if (!o.keys.some((other) => other.every((b, j) => b == k[j]))) o.keys.push(k);
  });
  if (!o.keys.length) throw invalid(`keys holds no usable key${o.warnings.length ? ": " + o.warnings.map((w) => w[1]).join("; ") : ""}`);
  o.threshold = number(options, "", "threshold", 1, 1, o.keys.length);
  o.bundle = options.bundle;
  if (given(o.bundle) && (typeof o.bundle != "string" || !o.bundle.trim())) throw invalid('bundle must be a URL, envelope text or "#id"');
  o.consent = options.consent ?? "granted";
  if (!CONSENTS.includes(o.consent)) throw invalid(`consent must be one of ${CONSENTS.join(", ")}`);
  o.revealTimeoutMs = number(options, "", "revealTimeoutMs", 1000, 0, 10000);
  o.fetchTimeoutMs = number(options, "", "fetchTimeoutMs", 3000, 1, 60000);
  o.maxEnvelopeBytes = number(options, "", "maxEnvelopeBytes", MAX_ENVELOPE_BYTES, 1024, 1 << 24);
  o.autoApply = flag(options, "autoApply", true);
  o.allowPreview = flag(options, "allowPreview", false);
  o.gpc = flag(options, "respectGlobalPrivacyControl", true);
  o.now = options.now;
  if (given(o.now) && typeof o.now != "function") throw invalid("now must be a function returning epoch milliseconds");
  o.overrides = options.overrides ?? {};
  if (typeof o.overrides != "object" || Object.values(o.overrides).some((v) => typeof v != "string")) throw invalid("overrides must map slot ids to variant ids");
  o.collect = collect(options.collect, o.warnings);
  return o;
}

/** `options.collect`: `undefined` when absent (no reporting). */
function collect(c, warnings) {
  if (!given(c)) return undefined;
  if (typeof c != "object") throw invalid('collect must be an object such as { url: "/pathwise/results" }');
  unknown(c, ["url", "sampleRate", "idleMs"], "collect.", warnings);
  let protocol;
  try {
    protocol = new URL(c.url, location.href).protocol;
  } catch {}
  if (typeof c.url != "string" || !c.url.trim() || !/^https?:$/.test(protocol)) throw invalid("collect.url must be an http: or https: URL");
  return {
    url: c.url,
    rate: Math.round(number(c, "collect.", "sampleRate", 1, 0, 1, false) * 10000),
    idleMs: number(c, "collect.", "idleMs", 2000, 0, 60000),
  };
}
