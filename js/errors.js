// Errors: real `Error` objects with a stable `code` (docs/js-api.md lists them). The module
// answers codes and facts; the words are here, so none of them ride in the WebAssembly.

/** An `Error` with `code`, and the facts given as properties. */
export function coded(code, message, facts) {
  const error = new Error(message);
  error.code = code;
  if (facts) for (const key in facts) if (key != "code") error[key] ??= facts[key];
  return error;
}

const q = JSON.stringify;

// Messages by code, from the facts the module reports.
const MESSAGES = {
  no_pinned_keys: () => "no public key is pinned; pass at least one \"ed25519:…\" key",
  invalid_threshold: (e) => `threshold ${e.threshold} is impossible with ${e.pinned} distinct pinned key(s)`,
  too_large: (e) => `the envelope is ${e.size} bytes; the limit is ${e.limit}`,
  malformed_envelope: (e) => `not a Pathwise envelope: ${e.detail}`,
  too_many_signatures: (e) => `the envelope carries ${e.count} signatures; the limit is 16`,
  keyid_too_long: () => "a signature's keyid is longer than 128 bytes",
  bad_signature_length: () => "a signature does not decode to 64 bytes",
  wrong_payload_type: (e) => `payloadType is ${q(e.found)}; this SDK reads application/vnd.pathwise.program.v1 (sign with pathwise sign)`,
  signature_threshold_not_met: (e) => `${e.verified} of the ${e.required} required pinned key(s) signed this bundle; sign it with a pinned key, or pin the key that signed it`,
  program_malformed: (e) => `the signed program is malformed (${e.reason} at byte ${e.offset})`,
  program_unsupported: () => "the signed program is in a newer format than this SDK reads; update pathwise",
  site_mismatch: (e) => `the bundle is for site ${q(e.found)}, not this one`,
  expired: (e) => `the bundle expired at ${e.expires_at ?? "?"} (Unix seconds); publish a freshly signed one`,
  version_in_future: (e) => `bundle version ${e.version} lies more than a day after this device's clock`,
  rollback: (e) => `bundle version ${e.version} is older than version ${e.accepted} already accepted here`,
  unknown_slot: (e) => `the bundle has no slot ${q(e.slot)}`,
  undeclared_signal: (e) => `signal ${q(e.name)} is not declared in the bundle, so it is not stored`,
  builtin_signal: (e) => `signal ${q(e.name)} is built in and read-only`,
  wrong_kind: (e) => `signal ${q(e.name)} is declared as ${e.kind ?? "another kind"}; the value is not`,
  signal_is_event: (e) => `signal ${q(e.name)} is an event: record it with track()`,
  signal_not_event: (e) => `signal ${q(e.name)} is an attribute (${e.kind}): write it with set()`,
  string_too_long: (e) => `signal ${q(e.name)}: a string is longer than 1024 bytes`,
  list_too_long: (e) => `signal ${q(e.name)}: a list has more than 100 items`,
  non_finite_number: (e) => `signal ${q(e.name)}: NaN and infinities cannot be stored`,
};

/** The `Error` for the module's refusal `{code, …facts}`. */
export function fail(facts) {
  const words = MESSAGES[facts.code];
  return coded(facts.code, words ? words(facts) : facts.code, facts);
}
