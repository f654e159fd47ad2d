// pathwise/debug — for a debug panel or QA: `explain(pw, slot)`, why an instance decides what it
// decides, and `signals(pw)`, what the device keeps. A page view needs neither, so the main
// entry's module carries neither: this entry carries its own (the page runtime with feature
// `debug`, src/web/page.rs), which replays a copy of the instance's inputs — the bundle in use,
// verified again; what its conditions see; its signals, render history, page, clock and previews
// — and answers from there, recording nothing.

import { clock, handle, json, load, put, raw, u32, wasm } from "../core.js";
import { envelopeParts } from "../source.js";

// The page runtime's calls (src/web/page.rs).
const NEW = 0;
const RESTORE = 1;
const INSTALL = 4;
const PAGE = 5;
const PEEK = 12;
const OVERRIDE = 16;
const DEBUG = 22;
const KEY = Symbol.for("pathwise.debug");

/** The instance's inputs (or what `pw[Symbol.for("pathwise.debug")]()` returned earlier). */
const inputs = (pw) => (typeof pw[KEY] == "function" ? pw[KEY]() : pw);

/**
 * `ask(h, now, offset)` on a runtime replaying `d` with `signals` as its stored signals (read
 * only once a bundle says which are declared: without one in use, none). With `view`, the page
 * view is replayed too (which records it in the copy); without, the runtime holds what is stored.
 */
async function replay(d, signals, view, ask) {
  await load();
  const [now, offset] = clock(d.now);
  let program = 0;
  if (d.envelope) {
    const { payload, sigs } = envelopeParts(d.envelope, d.o.maxEnvelopeBytes);
    put(u32(payload.length), payload, d.o.site, ...d.o.keys, ...sigs);
    program = handle("pw_open", d.o.keys.length, sigs.length, d.o.threshold, now, -1);
  }
  put(d.unit);
  const h = handle("pw_page", NEW, 0, 0, 0, 0, 0);
  try {
    for (const [bit, bytes] of [[8, signals], [16, d.history]]) {
      put(bytes);
      raw("pw_page", RESTORE, h, bit, 0, now, offset);
    }
    if (program) raw("pw_page", INSTALL, h, program, 0, now, offset);
    if (view) {
      put(...d.page);
      raw("pw_page", PAGE, h, 0, 0, now, offset);
      for (const [slot, variant] of d.overrides) {
        put(slot, variant);
        raw("pw_page", OVERRIDE, h, 0, 0, now, offset);
      }
    }
    return ask(h, now, offset);
  } finally {
    wasm().pw_free(h);
  }
}

/**
 * `{decision, candidates}` for `slot` of instance `pw`: the decision it would make now (the
 * preview's, for a previewed slot) and every candidate rule with its outcome, in the order tried
 * — what `pathwise explain --json` says for the same device. Rejects with `unknown_slot` as
 * `peek` throws it.
 */
export async function explain(pw, slot) {
  const d = inputs(pw);
  slot = String(slot);
  const explained = await replay(d, d.basis, true, (h, now, offset) => {
    put(slot);
    return json("pw_page", PEEK, h, 1, 0, now, offset);
  });
  return explained ?? { decision: { slot, variant: "default", rule: null, control: false, reason: "no_rule" }, candidates: [] };
}

/**
 * What the device keeps: `{consent, storage, bundleVersion, signals: {seen?, attrs, events},
 * renders, outbox: {batches, queued}}`. The signals can only be read once a bundle says which
 * are declared: without one in use, `signals` is empty.
 */
export async function signals(pw) {
  const d = inputs(pw);
  const kept = await replay(d, d.signals, false, (h, now, offset) => json("pw_page", DEBUG, h, 0, 0, now, offset));
  return { consent: d.consent, storage: d.storage, bundleVersion: d.bundleVersion, ...kept, outbox: d.outbox };
}

/** The version of this SDK. */
export function version() {
  return PATHWISE_VERSION;
}
