// `Pathwise`: the page's API (docs/js-api.md). The shell owns the page — DOM, storage, network,
// timers, events — and the module decides: the page's logic (which slots are decided again,
// which exposures follow, what must be stored) is the core's `Runtime` (src/runtime), reached
// through a handle. After each call the shell drains the runtime's effects: events to emit,
// stored values to write or remove, reports to send.

import { clock, fromLatin1, handle, json, load as loadModule, put, query, raw, toLatin1, wasm } from "./core.js";
import { coded, fail } from "./errors.js";
import { Emitter } from "./events.js";
import { draw, reveal, scan, stash, unguarded } from "./dom.js";
import { parse } from "./options.js";
import { landing, listen, where } from "./page.js";
import { Outbox } from "./outbox.js";
import { random, Transport } from "./report.js";
import { envelopeParts, fetchText, resolve } from "./source.js";
import { openProgram } from "pathwise:open";
import { Store } from "./storage.js";

// The page runtime's calls (`pw_page(op, …)`, src/web/page.rs).
const NEW = 0;
const RESTORE = 1;
const NUMBERS = 2;
const COLLECT = 3;
const INSTALL = 4;
const PAGE = 5;
const BEGIN = 6;
const APPLY = 8;
const SHOWN = 9;
const REVEAL = 10;
const DECIDE = 11;
const PEEK = 12;
const TRACK = 13;
const SET = 14;
const REDECIDE = 15;
const OVERRIDE = 16;
const FORGET = 17;
const SNAPSHOT = 18;
const EFFECTS = 19;
const STATE = 20;
const BASIS = 21;

/** Call `op` of runtime `s` (numbers `a`, `b`; the clock is now): its answer as bytes. */
const call = (s, op, a = 0, b = 0) => raw("pw_page", op, s.h, a, b, ...clock(s.now()));
/** The answer as JSON (`undefined` for none). */
const ask = (s, op, a = 0, b = 0) => json("pw_page", op, s.h, a, b, ...clock(s.now()));

// Storage names of the runtime's key bits (src/runtime/effects.rs `Key`). The outbox is the
// shell's own (outbox.js), under "outbox".
const KEYS = [[1, "id"], [2, "version"], [4, "session"], [8, "signals"], [16, "history"], [32, "ledger"]];

let newest = 0;

/** 32 random hex digits: the anonymous install id. */
function newUnit() {
  return [...random(1)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const fallback = (slot) => ({ slot, variant: "default", rule: null, control: false, reason: "no_rule" });

/** Whether the site can travel in a report (as the collector checks it). */
const reportable = (site) => site.length <= 253 && /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(site);

export class Pathwise {
  #s;

  /** Use `await Pathwise.init(options)`. */
  constructor(state) {
    if (!state || !state.h) throw coded("invalid_argument", "use Pathwise.init(options)");
    this.#s = state;
  }

  /**
   * Starts an instance: checks the options, opens storage, puts the bundle in place (inline →
   * stored → URL), decides and draws the page. Rejects only for unusable options
   * (`invalid_options`) or outside a page (`no_browser`); a bundle problem is an `error` event.
   */
  static async init(options) {
    if (!(typeof Window == "function" && globalThis instanceof Window)) {
      throw coded("no_browser", "Pathwise.init needs a browser page (window and document)");
    }
    await loadModule();
    let o;
    try {
      o = parse(options);
    } catch (e) {
      // The page must not stay hidden behind the anti-flicker rule.
      reveal(document);
      throw e;
    }
    const pw = new Pathwise(open(o));
    await pw.#s.loading;
    return pw;
  }

  /** Calls `fn(runtime handle, ...clock)` on the module and acts on what it did. */
  #call(op, args = [], ...input) {
    const s = this.#s;
    if (input.length) put(...input);
    try {
      return ask(s, op, ...args);
    } finally {
      effects(s);
    }
  }

  /** The decision shown for `slot` in this page view (decided and recorded once per view). */
  decide(slot) {
    return this.#call(DECIDE, [], String(slot)) ?? fallback(slot);
  }

  /** The decision for `slot` now, recording nothing. */
  peek(slot) {
    return this.#call(PEEK, [0], String(slot)) ?? fallback(slot);
  }

  /**
   * What pathwise/debug needs (`explain(pw, slot)`, `signals(pw)`): a copy of this instance's
   * inputs and state — the bundle in use, what conditions see, the signals and render history
   * kept, the page, the clock, the previews, consent, storage and the outbox. Not part of the API.
   */
  [Symbol.for("pathwise.debug")]() {
    const s = this.#s;
    return {
      envelope: s.envelope,
      o: s.o,
      unit: s.unit,
      page: [s.where.split("\n")[0], ...s.landing],
      overrides: [...s.overrides],
      now: s.now(),
      basis: call(s, BASIS),
      signals: call(s, SNAPSHOT, 8),
      history: call(s, SNAPSHOT, 16),
      consent: s.store.consent,
      storage: s.store.persistent() ? "local" : "memory",
      bundleVersion: this.bundleVersion,
      outbox: s.outbox?.waiting() ?? { batches: 0, queued: 0 },
    };
  }

  /** The steps of path slot `slot` for this device (`[]` without a bundle). */
  path(slot) {
    return this.decide(slot).steps ?? [];
  }

  /** The step after `step` in path `slot`, or `null`. */
  next(slot, step) {
    const steps = this.path(slot);
    const at = steps.indexOf(step);
    return at < 0 || at + 1 >= steps.length ? null : steps[at + 1];
  }

  /** Decides and draws the blocks, paths and next links under `root` (default: the document). */
  apply(root = document) {
    apply(this.#s, root);
  }

  /** Records event `event`; the slots whose decision it changes are decided again and drawn. */
  track(event) {
    this.#call(TRACK, [], String(event));
    redecide(this.#s);
  }

  /** Writes attribute `name`; the slots whose decision it changes are decided again and drawn. */
  set(name, value) {
    name = String(name);
    const kind =
      typeof value == "string" ? 0 : typeof value == "number" ? 1 : value === false ? 2 : value === true ? 3 : Array.isArray(value) && value.every((v) => typeof v == "string") ? 4 : -1;
    if (kind < 0) throw coded("wrong_kind", `signal ${JSON.stringify(name)}: a value must be a string, a number, a boolean or an array of strings`, { name });
    const rest = kind == 0 ? [value] : kind == 4 ? value : [];
    this.#call(SET, [kind, kind == 1 ? value : 0], name, ...rest);
    redecide(this.#s);
  }

  /** Decides again every slot already decided in this page view. */
  refresh() {
    redecide(this.#s);
  }

  /** Previews `variant` in `slot` (`null` removes it): never stored, never reported. */
  override(slot, variant) {
    if (variant !== null && typeof variant != "string") throw coded("invalid_argument", "override(slot, variant) takes a variant id or null");
    const known = setOverride(this.#s, String(slot), variant);
    redecide(this.#s);
    if (!known && variant !== null && this.#s.loaded) {
      throw coded("unknown_variant", `slot ${JSON.stringify(slot)} has no variant ${JSON.stringify(variant)} in the bundle in use`);
    }
  }

  /** Subscribes `handler` to `event`; returns the unsubscribe function. */
  on(event, handler) {
    return this.#s.em.on(event, handler);
  }

  /**
   * Erases everything the SDK stored and starts afresh in memory as a new device; nothing is
   * written again in this page unless `setConsent("granted")` is called.
   */
  forget() {
    const s = this.#s;
    s.store.erase();
    if (s.store.consent == "granted") s.store.consent = "pending";
    s.unit = newUnit();
    s.storedVersion = null;
    s.written.clear();
    this.#call(FORGET, [], s.unit);
    if (s.outbox) s.outbox = new Outbox();
    s.report?.reset();
  }

  /** `"granted"` writes what is held and from now on; `"pending"` stops writing; `"denied"` erases. */
  setConsent(state) {
    const s = this.#s;
    if (!["granted", "pending", "denied"].includes(state)) throw coded("invalid_argument", 'setConsent expects "granted", "pending" or "denied"');
    const grantedNow = state == "granted" && s.store.consent != "granted";
    s.store.setConsent(state);
    if (state == "denied") s.storedVersion = null;
    if (grantedNow) {
      s.written.clear();
      save(s, 127);
      keepOutbox(s);
      if (s.outbox?.pending()) s.report.schedule();
    }
  }

  /** Sends queued reports now, by `fetch`. */
  flush() {
    this.#s.report?.send(false);
  }

  /** The slots decided in this page view: slot → {rule, variant, control, reason}. */
  assignments() {
    return ask(this.#s, STATE);
  }

  /** The version of the bundle in use, or `null`. */
  get bundleVersion() {
    const v = query(this.#s.h, 0);
    return v < 0 ? null : v;
  }
}

/** A new instance's state, with its start (`loading`) under way. */
function open(o) {
  const s = {
    o,
    now: () => {
      const ms = o.now ? Number(o.now()) : Date.now();
      return Number.isFinite(ms) ? ms : Date.now();
    },
    em: new Emitter(),
    stash: stash(),
    serial: ++newest,
    generation: 0,
    written: new Map(),
    storedVersion: null,
    loaded: false,
    overrides: new Map(),
  };
  const warn = (code, message) => s.em.emit("warning", { code, message });
  for (const [code, message] of o.warnings) warn(code, message);
  if (unguarded(document)) warn("anti_flicker_missing", "undecided [data-pw-block]/[data-pw-path] elements are visible: no anti-flicker rule is in effect, so their default content may show before the decided variant (link pathwise.css, or add its rule to the site's CSS)");
  s.warn = warn;
  s.store = new Store(o.consent, warn);
  let unit = s.store.get("id");
  if (!/^[0-9a-f]{32}$/.test(unit ?? "")) {
    if (unit != null) warn("storage_corrupt", "the stored install id is not one this SDK wrote; a new one was made");
    unit = newUnit();
    s.store.set("id", unit);
  }
  s.unit = unit;
  put(unit);
  s.h = handle("pw_page", NEW, 0, 0, 0, 0, 0);
  const number = (name) => {
    const v = s.store.get(name);
    if (v == null || /^\d{1,20}$/.test(v)) return v == null ? -1 : Number(v);
    warn("storage_corrupt", `stored pathwise:v2:${name} is not what this SDK writes; it was discarded`);
    s.store.remove(name);
    return -1;
  };
  call(s, NUMBERS, number("version"), number("session"));
  for (const [bit, name] of KEYS.slice(3)) {
    const stored = s.store.get(name);
    if (stored == null) continue;
    const bytes = fromLatin1(stored);
    if (bytes) {
      put(bytes);
      call(s, RESTORE, bit);
    } else warn("storage_corrupt", `stored pathwise:v2:${name} is not what this SDK writes; it was discarded`), s.store.remove(name);
  }
  if (o.collect) {
    const gpc = o.gpc && globalThis.navigator?.globalPrivacyControl === true;
    if (!reportable(o.site)) warn("invalid_options", `reporting is off: site ${JSON.stringify(o.site)} cannot travel in a report (1–253 printable ASCII characters without quotes or backslashes)`);
    else if (gpc) warn("reporting_off", "reporting is off: this browser sends Global Privacy Control (set respectGlobalPrivacyControl: false to report anyway)");
    else {
      call(s, COLLECT, o.collect.rate);
      try {
        s.outbox = new Outbox(s.store.get("outbox"));
      } catch {
        warn("storage_corrupt", "stored pathwise:v2:outbox is not what this SDK writes; it was discarded");
        s.store.remove("outbox");
        s.outbox = new Outbox();
      }
      s.report = new Transport(
        {
          active: () => s.serial == newest,
          granted: () => s.store.consent == "granted",
          take: () => {
            const out = s.outbox.take(o.site, newUnit);
            keepOutbox(s);
            return out;
          },
          settle: (id, ok) => s.outbox.settle(id, ok) && keepOutbox(s),
          pending: () => s.outbox.pending(),
        },
        o.collect.url,
        o.collect.idleMs,
      );
    }
  }
  for (const [slot, variant] of Object.entries(o.overrides)) setOverride(s, slot, variant);
  if (o.allowPreview) {
    // ?pathwise-preview=slot:variant,slot:variant (QA previews; only where the site allows it).
    const preview = new URLSearchParams(location.search).get("pathwise-preview");
    for (const pair of preview ? preview.split(",") : []) {
      const at = pair.indexOf(":");
      if (at > 0) setOverride(s, pair.slice(0, at), pair.slice(at + 1));
    }
  }
  s.landing = landing();
  s.where = where();
  page(s);
  listen(() => navigated(s));
  scheduleReveal(s, 0);
  s.loading = start(s);
  effects(s);
  if (s.outbox?.pending()) s.report.schedule();
  return s;
}

/** Sets (`null`: removes) the preview of `slot`; whether the bundle in use knows the variant. */
function setOverride(s, slot, variant) {
  if (variant === null) s.overrides.delete(slot);
  else s.overrides.set(slot, variant);
  put(slot, ...(variant === null ? [] : [variant]));
  try {
    return ask(s, OVERRIDE);
  } finally {
    effects(s);
  }
}

/** Starts a page view on the current location (the runtime records it once a bundle is in place). */
function page(s) {
  const [path] = s.where.split("\n");
  put(path, ...s.landing);
  call(s, PAGE);
}

/** Acts on what the runtime did: warnings, errors, events, writes, sends. */
function effects(s) {
  const fx = ask(s, EFFECTS);
  for (const [bit, name] of KEYS) {
    if (fx.k & bit) {
      s.store.remove(name);
      s.written.delete(name);
      s.warn("storage_corrupt", `stored pathwise:v2:${name} is not what this SDK writes, or impossible; it was discarded`);
    }
  }
  for (const code of fx.e) s.em.emit("error", fail({ code }));
  for (const d of fx.d) s.em.emit("decision", d);
  for (const x of fx.x) s.em.emit("exposure", x);
  for (const c of fx.c) s.em.emit("conversion", c);
  save(s, fx.s);
  if (s.outbox && fx.r.length) {
    for (const [bundle, event] of fx.r) s.outbox.push(bundle, event);
    keepOutbox(s);
    s.report.schedule();
  }
}

/** Stores the outbox as it is now (there is one only when reporting is on). */
function keepOutbox(s) {
  if (s.outbox) s.store.set("outbox", JSON.stringify(s.outbox));
}

/** Writes the values of the key bits in `mask` that changed since they were last written. */
function save(s, mask) {
  for (const [bit, name] of KEYS) {
    if (!(mask & bit)) continue;
    let value;
    if (bit == 1) value = s.unit;
    else if (bit < 8) {
      const v = query(s.h, bit == 2 ? 1 : 2);
      if (v < 0) continue;
      value = String(v);
    } else value = toLatin1(call(s, SNAPSHOT, bit));
    if (s.written.get(name) === value) continue;
    s.written.set(name, value);
    s.store.set(name, value);
  }
}

/**
 * Verifies envelope `text` and puts its bundle in place. `current`: the version in use when
 * revalidating — then only a newer bundle is used (an equal one is a quiet no-op). `keep`: keep
 * `text` as this device's last verified bundle. Returns whether a bundle was put in place.
 */
async function use(s, envelope, keep, current) {
  const { payload, sigs } = envelopeParts(envelope, s.o.maxEnvelopeBytes);
  const accepted = Math.max(query(s.h, 1), current ?? -1);
  const program = await openProgram(s.o, payload, sigs, s.now(), accepted);
  const version = query(program, 0);
  if (current != null && version <= current) {
    wasm().pw_free(program);
    return false;
  }
  call(s, INSTALL, program);
  s.loaded = true;
  s.envelope = envelope;
  if (keep && version != s.storedVersion) {
    s.store.set("bundle", envelope, true);
    s.storedVersion = version;
  } else if (!keep) s.storedVersion = version;
  return true;
}

/** The error `e` of the bundle from `where`, as the `error` event carries it. */
function sourced(e, where) {
  e.message = `${where}: ${e.message}`;
  return e;
}

/** The sources in order (inline → stored → URL); then the page view, the page, `ready`. */
async function start(s) {
  let source;
  let revalidate;
  if (s.o.bundle != null) {
    try {
      source = resolve(s.o.bundle);
    } catch (e) {
      s.em.emit("error", e);
    }
  }
  let placed = false;
  if (source?.inline != null) {
    try {
      placed = await use(s, source.inline, true);
    } catch (e) {
      s.em.emit("error", sourced(e, "inline bundle"));
    }
  }
  if (!placed) {
    const stored = s.store.get("bundle");
    if (stored != null) {
      try {
        placed = await use(s, stored, false);
        if (source?.url) revalidate = source.url;
      } catch (e) {
        s.warn("stored_bundle_discarded", `the bundle kept from an earlier visit is no longer usable and was removed: ${e.message}`);
        s.store.remove("bundle");
        s.storedVersion = null;
      }
    }
  }
  if (!placed && source?.url) {
    try {
      placed = await use(s, await fetchText(source.url, false, s.o.fetchTimeoutMs, s.o.maxEnvelopeBytes), true);
    } catch (e) {
      s.em.emit("error", sourced(e, `bundle from ${source.url}`));
    }
  }
  if (placed) call(s, BEGIN);
  effects(s);
  if (s.o.autoApply) apply(s, document);
  else if (!placed) reveal(document);
  s.em.emit("ready", { bundleVersion: placed ? query(s.h, 0) : null });
  s.em.release();
  if (revalidate) revalidateFrom(s, revalidate);
}

/** Fetches the bundle URL again in the background; a newer bundle replaces the one in use. */
async function revalidateFrom(s, url) {
  let newer = false;
  try {
    const envelope = await fetchText(url, true, s.o.fetchTimeoutMs, s.o.maxEnvelopeBytes);
    const before = query(s.h, 0);
    newer = await use(s, envelope, true, before < 0 ? null : before);
  } catch (e) {
    s.em.emit("error", sourced(e, `bundle from ${url}`));
  }
  effects(s);
  if (newer && query(s.h, 4) == 0 && s.o.autoApply && s.serial == newest) apply(s, document);
  // A newer bundle is in use: `ready` again, with its version.
  if (newer) s.em.emit("ready", { bundleVersion: query(s.h, 0) });
}

/** Decides and draws the slots under `root` (all, or those of `only`). */
function apply(s, root, only) {
  const found = scan(root, only);
  put(...new Set(found));
  const decided = new Map(ask(s, APPLY).map((d) => [d.slot, d]));
  const [shown, warnings] = draw(found, decided, s.stash);
  for (let i = 0; i < warnings.length; i += 2) s.warn(warnings[i], warnings[i + 1]);
  if (shown.length) {
    put(...shown);
    call(s, SHOWN);
  }
  effects(s);
}

/** After an answer: decides every decided slot again and redraws those that changed. */
function redecide(s) {
  const changed = ask(s, REDECIDE);
  effects(s);
  if (changed.length && s.o.autoApply && s.serial == newest) apply(s, document, changed);
}

/** A History API navigation: a new page view when the path or query changed. */
function navigated(s) {
  if (s.serial != newest) return;
  const w = where();
  if (w == s.where) return;
  s.where = w;
  s.generation++;
  page(s);
  effects(s);
  // After the app's own code for this navigation has run (it may render the new view right after pushState).
  if (s.o.autoApply) queueMicrotask(() => s.serial == newest && apply(s, document));
  scheduleReveal(s, s.generation);
}

/** Reveals, after the timeout, whatever page view `generation` left undecided. */
function scheduleReveal(s, generation) {
  setTimeout(() => {
    if (s.serial != newest || s.generation != generation) return;
    const slots = reveal(document);
    if (slots.length) {
      put(...slots);
      call(s, REVEAL);
    }
  }, s.o.revealTimeoutMs);
}
