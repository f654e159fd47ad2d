// Where a bundle comes from, and reading an envelope's parts.
//
// `options.bundle` is inline envelope text (it starts with "{"), "#id" of an inline
// <script type="application/vnd.pathwise+json" id="id">, or a URL. An envelope is DSSE JSON:
// {"payloadType", "payload" (base64), "signatures": [{"keyid", "sig" (base64)}]}. Its length is
// checked against the cap before anything else, then the platform's own JSON.parse and base64
// decoding take it apart, and the module verifies the parts (core.js, `pw_open`).

import { coded, fail } from "./errors.js";

export const INLINE_TYPE = "application/vnd.pathwise+json";
export const PAYLOAD_TYPE = "application/vnd.pathwise.program.v1";
/** Default envelope cap, in bytes: 256 KiB of payload in base64 plus 4 KiB (as the core's). */
export const MAX_ENVELOPE_BYTES = 353_624;

const malformed = (detail) => fail({ code: "malformed_envelope", detail });

/**
 * Standard padded base64 to bytes, or null. `atob` refuses any other character, but skips
 * whitespace: the decoded length, which whitespace would shorten, is checked instead of running a
 * regular expression over the whole payload (a twentieth of a large bundle's init).
 */
function base64(text) {
  if (typeof text != "string" || text.length % 4) return null;
  let binary;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length != (text.length / 4) * 3 - (text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0)) return null;
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * The parts of envelope `text`: `{payload, sigs}` (the payload's bytes and each signature's 64
 * bytes), or the coded error of the first check that fails, in the documented order.
 */
export function envelopeParts(text, cap = MAX_ENVELOPE_BYTES) {
  if (typeof text != "string") throw coded("invalid_argument", "the envelope must be a string");
  if (text.length > cap) throw fail({ code: "too_large", size: text.length, limit: cap });
  let envelope;
  try {
    envelope = JSON.parse(text);
  } catch (e) {
    throw malformed("not JSON");
  }
  const keys = envelope && typeof envelope == "object" && !Array.isArray(envelope) ? Object.keys(envelope) : [];
  const { payloadType, payload, signatures } = envelope ?? {};
  if (
    typeof payloadType != "string" ||
    typeof payload != "string" ||
    !Array.isArray(signatures) ||
    keys.some((k) => k != "payloadType" && k != "payload" && k != "signatures")
  ) {
    throw malformed("not {payloadType, payload, signatures}");
  }
  if (signatures.length > 16) throw fail({ code: "too_many_signatures", count: signatures.length });
  const sigs = [];
  for (const s of signatures) {
    if (!s || typeof s != "object" || Object.keys(s).some((k) => k != "keyid" && k != "sig") || (s.keyid != null && typeof s.keyid != "string")) {
      throw malformed("a signature is not {keyid, sig}");
    }
    if (s.keyid && s.keyid.length > 128) throw fail({ code: "keyid_too_long" });
    const sig = base64(s.sig);
    if (!sig) throw malformed("a signature is not base64");
    if (sig.length != 64) throw fail({ code: "bad_signature_length" });
    sigs.push(sig);
  }
  if (payloadType != PAYLOAD_TYPE) throw fail({ code: "wrong_payload_type", found: payloadType });
  const bytes = base64(payload);
  if (!bytes) throw malformed("the payload is not base64");
  return { payload: bytes, sigs };
}

/** What `options.bundle` names: `{inline: text}` or `{url}`; throws `bundle_not_found`. */
export function resolve(spec) {
  const trimmed = spec.trimStart();
  if (trimmed[0] == "{") return { inline: spec };
  if (trimmed[0] != "#") return { url: spec };
  const id = trimmed.slice(1);
  const element = document.getElementById(id);
  if (element && element.getAttribute("type") == INLINE_TYPE) return { inline: element.textContent };
  throw coded(
    "bundle_not_found",
    element ? `#${id} is not a <script type="${INLINE_TYPE}">` : `no element #${id} in the page`,
  );
}

/**
 * The body of `url` as text within `ms` milliseconds and `cap` bytes. The body is read as a
 * stream with a byte count, and the request aborted as soon as it passes the cap, so a huge
 * answer costs the cap, not its size. Rejects with `fetch_timeout` (the deadline passed; the
 * request was aborted), `too_large`, or `fetch_failed` (network error, HTTP status). Each step is
 * raced against the deadline, so even a page's own `fetch` wrapper that ignores the abort signal
 * cannot keep `init` waiting. `revalidate` asks the HTTP cache to check with the server.
 */
export async function fetchText(url, revalidate, ms, cap) {
  let expired = false;
  let timer;
  const controller = new AbortController();
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      controller.abort();
      reject("timed out");
    }, ms);
  });
  const race = (promise) => Promise.race([promise, deadline]);
  const tooLarge = (size) => {
    controller.abort();
    return coded("too_large", `${url} is over ${cap} bytes; its download was stopped`, { size, limit: cap });
  };
  try {
    const response = await race(fetch(url, { cache: revalidate ? "no-cache" : undefined, signal: controller.signal }));
    if (!(response instanceof Response)) throw "not a Response";
    if (!response.ok) throw "HTTP " + response.status;
    if (Number(response.headers.get("content-length")) > cap) throw tooLarge();
    const chunks = [];
    let size = 0;
    if (response.body && response.body.getReader) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await race(reader.read());
        if (done) break;
        size += value.length;
        if (size > cap) throw tooLarge(size);
        chunks.push(value);
      }
    } else {
      const text = await race(response.text());
      if (text.length > cap) throw tooLarge(text.length);
      return text;
    }
    const all = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(all);
  } catch (e) {
    if (e && e.code == "too_large") throw e;
    const what = typeof e?.message == "string" ? e.message : String(e);
    throw coded(
      expired ? "fetch_timeout" : "fetch_failed",
      `fetching the bundle from ${url} ` + (expired ? `took longer than ${ms} ms; it was aborted` : `failed: ${what}`),
    );
  } finally {
    clearTimeout(timer);
  }
}
