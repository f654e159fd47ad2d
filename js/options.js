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

const KNOWN = [
  "site",
  "keys",
  "threshold",
  "bundle",
  "consent",
  "revealTimeoutMs",
  "fetchTimeoutMs",
  "collect",
  "autoApply",
  "now",
  "maxEnvelopeBytes",
  "overrides",
  "allowPreview",
  "respectGlobalPrivacyControl",
];
const CONSENTS = ["granted", "pending", "denied"];
const invalid = (message) => coded("invalid_options", message);
const given = (v) => v !== undefined && v !== null;

/** A number option from `min` to `max` (whole when `whole`), `fallback` when absent. */
function number(options, path, name, fallback, min, max, whole = true) {
  const v = options[name];
  if (!given(v)) return fallback;
  if (typeof v != "number" || !(v >= min && v <= max) || (whole && v % 1)) {
    throw invalid(`options.${path}${name} must be a ${whole ? "whole " : ""}number from ${min} to ${max}`);
  }
  return v;
}

/** A pinned key's 32 bytes, or why not (a string). */
export function key(text) {
  const body = typeof text == "string" && /^\s*ed25519:([A-Za-z0-9+/]{43}=)\s*$/.exec(text);
  if (!body) return "not \"ed25519:\" and 32 bytes of standard base64";
  const raw = atob(body[1]);
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = raw.charCodeAt(i);
  const check = keyProblem(bytes);
  return check == 0 ? bytes : check == 2 ? "a weak (small-order) point, which anyone could forge signatures for" : "not a valid Ed25519 point";
}

/** The checked options and the warnings for keys that were skipped. */
export function parse(options) {
  if (!options || typeof options != "object") throw invalid("Pathwise.init expects an options object with at least `site` and `keys`");
  const o = { site: options.site, warnings: [] };
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name)) o.warnings.push(["unknown_option", `options.${name} is not an option of this SDK and is ignored; the options are ${KNOWN.join(", ")}`]);
  }
  if (typeof o.site != "string" || !o.site) throw invalid("options.site must be a non-empty string (the site id the bundle is signed for)");
  const texts = typeof options.keys == "string" ? [options.keys] : options.keys;
  if (!Array.isArray(texts)) throw invalid("options.keys must be an array of pinned public keys (\"ed25519:<base64>\")");
  o.keys = [];
  texts.forEach((text, i) => {
    const k = key(text);
    if (typeof k == "string") o.warnings.push(["invalid_key", `options.keys[${i}] is ignored: ${k}`]);
    else if (!o.keys.some((other) => other.every((b, j) => b == k[j]))) o.keys.push(k);
  });
  if (!o.keys.length) throw invalid(`options.keys holds no valid pinned public key${o.warnings.length ? ": " + o.warnings.map((w) => w[1]).join("; ") : ""}`);
  o.threshold = number(options, "", "threshold", 1, 1, o.keys.length);
  o.bundle = options.bundle;
  if (given(o.bundle) && (typeof o.bundle != "string" || !o.bundle.trim())) {
    throw invalid("options.bundle must be a URL, inline envelope text, or \"#id\" of an inline <script type=\"application/vnd.pathwise+json\">");
  }
  o.consent = options.consent ?? "granted";
  if (!CONSENTS.includes(o.consent)) throw invalid("options.consent must be \"granted\", \"pending\" or \"denied\"");
  o.revealTimeoutMs = number(options, "", "revealTimeoutMs", 400, 0, 10000);
  o.fetchTimeoutMs = number(options, "", "fetchTimeoutMs", 3000, 1, 60000);
  o.maxEnvelopeBytes = number(options, "", "maxEnvelopeBytes", MAX_ENVELOPE_BYTES, 1024, 1 << 24);
  o.autoApply = options.autoApply ?? true;
  if (typeof o.autoApply != "boolean") throw invalid("options.autoApply must be a boolean");
  o.now = options.now;
  if (given(o.now) && typeof o.now != "function") throw invalid("options.now must be a function returning epoch milliseconds");
  o.allowPreview = options.allowPreview ?? false;
  if (typeof o.allowPreview != "boolean") throw invalid("options.allowPreview must be a boolean");
  o.gpc = options.respectGlobalPrivacyControl ?? true;
  if (typeof o.gpc != "boolean") throw invalid("options.respectGlobalPrivacyControl must be a boolean");
  o.overrides = options.overrides ?? {};
  if (typeof o.overrides != "object" || Object.values(o.overrides).some((v) => typeof v != "string")) {
    throw invalid("options.overrides must map slot ids to variant ids");
  }
  o.collect = collect(options.collect, o.warnings);
  return o;
}

/** `options.collect`: `undefined` when absent (no reporting). */
function collect(c, warnings) {
  if (!given(c)) return undefined;
  if (typeof c != "object") throw invalid("options.collect must be an object such as { url: \"/pw/e\" }");
  for (const name of Object.keys(c)) {
    if (!["url", "sampleRate", "idleMs"].includes(name)) warnings.push(["unknown_option", `options.collect.${name} is not an option and is ignored; the options are url, sampleRate, idleMs`]);
  }
  let protocol;
  try {
    protocol = new URL(c.url, location.href).protocol;
  } catch (e) {}
  if (typeof c.url != "string" || !c.url.trim()) throw invalid("options.collect.url must be the collector's URL");
  if (protocol != "http:" && protocol != "https:") throw invalid(`options.collect.url ${JSON.stringify(c.url)} must be an http: or https: URL`);
  return {
    url: c.url,
    rate: Math.round(number(c, "collect.", "sampleRate", 1, 0, 1, false) * 10000),
    idleMs: number(c, "collect.", "idleMs", 2000, 0, 60000),
  };
}
