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
  no_pinned_keys: () => "no public key is pinned",
  invalid_threshold: (e) => `threshold ${e.threshold} is impossible with ${e.pinned} pinned key(s)`,
  too_large: (e) => `${e.size} bytes, over the limit of ${e.limit}`,
  malformed_envelope: (e) => `not a Pathwise envelope: ${e.detail}`,
  too_many_signatures: (e) => `${e.count} signatures, over 16`,
  keyid_too_long: () => "a keyid is over 128 bytes",
  bad_signature_length: () => "a signature is not 64 bytes",
  wrong_payload_type: (e) => `payloadType ${q(e.found)} is not a signed program (sign with pathwise sign)`,
  signature_threshold_not_met: (e) => `${e.verified} of ${e.required} required pinned key(s) signed it`,
  program_malformed: (e) => `malformed program (${e.reason} at byte ${e.offset})`,
  program_unsupported: () => "the program's format is newer than this SDK",
  site_mismatch: (e) => `signed for site ${q(e.found)}`,
  expired: (e) => `expired at ${e.expires_at ?? "?"} (Unix seconds)`,
  version_in_future: (e) => `version ${e.version} is more than a day ahead of this device's clock`,
  rollback: (e) => `version ${e.version} is older than ${e.accepted}, already accepted here`,
  unknown_slot: (e) => `no slot ${q(e.slot)} in the bundle`,
  undeclared_signal: (e) => `signal ${q(e.name)} is not declared in the bundle`,
  builtin_signal: (e) => `signal ${q(e.name)} is built in`,
  wrong_kind: (e) => `signal ${q(e.name)} is declared as ${e.kind ?? "another kind"}`,
  signal_is_event: (e) => `signal ${q(e.name)} is an event: use track()`,
  signal_not_event: (e) => `signal ${q(e.name)} is an attribute: use set()`,
  string_too_long: (e) => `signal ${q(e.name)}: a string is over 1024 bytes`,
  list_too_long: (e) => `signal ${q(e.name)}: a list is over 100 items`,
  non_finite_number: (e) => `signal ${q(e.name)}: not a finite number`,
};

/** The `Error` for the module's refusal `{code, …facts}`. */
export function fail(facts) {
  const words = MESSAGES[facts.code];
  return coded(facts.code, words ? words(facts) : facts.code, facts);
}
