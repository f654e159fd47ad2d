// pathwise/debug — `explain(pw, slot)`: why an instance decides what it decides, for a debug
// panel or QA. A page view never needs it, so the main entry's module does not carry it: this
// entry carries its own (the page runtime with `explain`, src/web/page.rs), which replays a copy
// of the instance's inputs — the bundle in use, verified again; what its conditions see now; its
// render history, page, clock and previews — and explains from there, recording nothing.

import { clock, handle, json, load, put, raw, u32, wasm } from "../core.js";
import { envelopeParts } from "../source.js";

// The page runtime's calls (src/web/page.rs).
const NEW = 0;
const RESTORE = 1;
const INSTALL = 4;
const PAGE = 5;
const PEEK = 12;
const OVERRIDE = 16;
const KEY = Symbol.for("pathwise.debug");

/**
 * `{decision, candidates}` for `slot` of instance `pw`: the decision it would make now (the
 * preview's, for a previewed slot) and every candidate rule with its outcome, in the order tried
 * — what `pathwise explain --json` says for the same device. Throws `unknown_slot` as `peek`
 * does.
 */
export async function explain(pw, slot) {
  // (Also what `pw[Symbol.for("pathwise.debug")]()` returned earlier: the demo's panel explains
  // the decisions as they were made, before the page's own tracking changed them.)
  const d = typeof pw[KEY] == "function" ? pw[KEY]() : pw;
  slot = String(slot);
  if (!d.envelope) return { decision: { slot, variant: "default", rule: null, control: false, reason: "no_rule" }, candidates: [] };
  await load();
  const [now, offset] = clock(d.now);
  const { payload, sigs } = envelopeParts(d.envelope, d.o.maxEnvelopeBytes);
  put(u32(payload.length), payload, d.o.site, ...d.o.keys, ...sigs);
  const program = handle("pw_open", d.o.keys.length, sigs.length, d.o.threshold, now, -1);
  put(d.unit);
  const h = handle("pw_page", NEW, 0, 0, 0, 0, 0);
  try {
    for (const [bit, bytes] of [[8, d.basis], [16, d.history]]) {
      put(bytes);
      raw("pw_page", RESTORE, h, bit, 0, now, offset);
    }
    raw("pw_page", INSTALL, h, program, 0, now, offset);
    put(...d.page);
    raw("pw_page", PAGE, h, 0, 0, now, offset);
    for (const [s, variant] of d.overrides) {
      put(s, variant);
      raw("pw_page", OVERRIDE, h, 0, 0, now, offset);
    }
    put(slot);
    return json("pw_page", PEEK, h, 1, 0, now, offset);
  } finally {
    wasm().pw_free(h);
  }
}

/** The version of this SDK. */
export function version() {
  return PATHWISE_VERSION;
}
