// `PathwiseEngine`: deciding without a page — server-side rendering, edge workers, Node,
// benchmarks (docs/js-api.md, "Headless"). The same trust rules as the page (pinned keys,
// `verify_strict`, site, expiry, version), none of its side effects: nothing is stored, recorded
// or reported, and every decision is a `peek`.
//
// A server decides for many visitors, so each crossing of the boundary counts: a visitor's unit
// and attributes are written as bytes straight into the module's memory and cross in one call,
// and `decideAll` answers every slot as integers (indexes into `choices()`).

import { checked, clock, handle, initSync, input, outputWords, put, raw, text, u32, wasm } from "./core.js";
import { coded } from "./errors.js";
import { nativeInflate } from "./native.js";
import { key } from "./options.js";
import { envelopeParts, MAX_ENVELOPE_BYTES } from "./source.js";

// The engine's calls (`pw_engine(op, …)`, src/web/engine.rs).
const NEW = 0;
const TABLES = 1;
const UNIT = 2;
const PATH = 3;
const CLOCK = 4;
const VISITOR = 5;
const DECIDE = 6;

/**
 * `key(text)` (options.js), remembered for the last few key texts: its curve check is BigInt
 * arithmetic that costs about as much as reading a 100-rule program, and a server making an
 * engine per bundle update, or per request, pins the same keys every time.
 */
const keys = new Map();
function checkedKey(text) {
  if (typeof text != "string") return key(text);
  let k = keys.get(text);
  if (k === undefined) {
    if (keys.size >= 16) keys.clear();
    keys.set(text, (k = key(text)));
  }
  return k;
}

const encoder = new TextEncoder();

/**
 * The visitor's input, written into one buffer that is kept and grown between calls: a server
 * deciding for thousands of visitors a second allocates nothing per visitor here (an array and a
 * typed array per part made garbage collection most of `setAttributes`' time).
 */
const visitor = {
  buf: new Uint8Array(1024),
  view: null,
  used: 0,
  room(n) {
    if (this.used + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.used + n));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
      this.view = null;
    }
    this.view ??= new DataView(this.buf.buffer);
    return this;
  },
  tag(b) {
    this.room(1).buf[this.used++] = b;
    return this;
  },
  u32(n) {
    this.room(4).view.setUint32(this.used, n, true);
    this.used += 4;
    return this;
  },
  f64(v) {
    this.room(8).view.setFloat64(this.used, v, true);
    this.used += 8;
    return this;
  },
  /**
   * A string as its UTF-8 length (u32) and bytes, as core.js `put` writes one. ASCII is copied
   * by a loop: for the short strings of a visitor (ids, countries, plans) that is faster than a
   * call into `encodeInto` and its subarray; the rest of a string with other characters is
   * encoded by `encodeInto`.
   */
  text(s) {
    s = String(s);
    const n = s.length;
    this.room(4 + 3 * n);
    const buf = this.buf;
    const at = this.used + 4;
    let i = 0;
    for (let c; i < n && (c = s.charCodeAt(i)) < 128; i++) buf[at + i] = c;
    const written = i == n ? n : i + encoder.encodeInto(s.slice(i), buf.subarray(at + i)).written;
    this.view.setUint32(this.used, written, true);
    this.used = at + written;
    return this;
  },
  bytes() {
    return this.buf.subarray(0, this.used);
  },
};

export class PathwiseEngine {
  #h;
  #tables;
  #names; // the declared attributes' names, in the order setAttributes writes them
  #unit = null; // set by setUnit, sent with the next visitor or decideAll

  /**
   * Verifies `text` (an envelope) against the pinned `keys` for `site` at `nowMs`, and reads its
   * program. `options`: `threshold` (default 1), `maxEnvelopeBytes` (default 353624; raise it
   * for a deliberately large catalogue). Throws an `Error` with the envelope's code, or
   * `invalid_options` for an unusable key or option.
   */
  static fromEnvelope(text, site, keys, nowMs, options = {}) {
    initSync();
    const invalid = (message) => coded("invalid_options", message);
    for (const name of Object.keys(options ?? {})) {
      if (!["threshold", "maxEnvelopeBytes"].includes(name)) throw invalid(`unknown option ${JSON.stringify(name)}; the options are threshold, maxEnvelopeBytes`);
    }
    const threshold = options?.threshold ?? 1;
    const cap = options?.maxEnvelopeBytes ?? MAX_ENVELOPE_BYTES;
    if (!(threshold >= 1 && threshold % 1 == 0) || !(cap >= 1 && cap % 1 == 0)) throw invalid("threshold and maxEnvelopeBytes must be positive whole numbers");
    if (typeof site != "string" || !Array.isArray(keys)) throw invalid("site must be a string and keys an array");
    const pinned = keys.map((text) => {
      const k = checkedKey(text);
      if (typeof k == "string") throw invalid(`keys: ${JSON.stringify(text)} is not usable: ${k}`);
      return k;
    });
    const { payload, sigs } = envelopeParts(text, cap);
    // In Node the platform inflates the payload (native.js); the module verifies the signatures
    // either way, and reads the program inflated here if it was given one.
    const inflated = nativeInflate(payload);
    put(u32(payload.length), payload, site, ...pinned, ...sigs, ...(inflated ? [u32(inflated.length), inflated] : []));
    const program = handle("pw_open", pinned.length, sigs.length, threshold, Math.floor(nowMs / 1000), -1);
    return new PathwiseEngine(handle("pw_engine", NEW, 0, program, 0, ...clock(nowMs)));
  }

  constructor(h) {
    if (typeof h != "number") throw coded("invalid_argument", "use PathwiseEngine.fromEnvelope(…)");
    this.#h = h;
    // Plain JSON.parse (the tables hold only strings: a reviver made a large catalogue's tables
    // three to five times slower to read), each id once; the choices are expanded here, so a
    // rule id is one string shared by its control and its variants.
    const { slots, attributes } = JSON.parse(text("pw_engine", TABLES, h));
    this.#tables = {
      slots: slots.map(([id]) => id),
      choices: slots.map(([, base, rules]) => {
        const out = [[base, null, false]];
        for (const [rule, variants] of rules) {
          out.push([base, rule, true]);
          for (const v of variants) out.push([v, rule, false]);
        }
        return out;
      }),
    };
    this.#names = attributes.map(([name]) => name);
  }

  /** The bucketing unit: the visitor's stable id (in a page, the anonymous install id). */
  setUnit(unit) {
    this.#unit = String(unit);
  }

  /** The clock (Unix milliseconds) that schedules see. */
  setNow(ms) {
    raw("pw_engine", CLOCK, this.#h, 0, 0, ...clock(ms));
  }

  /** The page path (`/pricing`) that `trigger.pages` and `page_path` see. */
  setPage(path) {
    put(String(path));
    raw("pw_engine", PATH, this.#h);
  }

  /**
   * Replaces the visitor's attributes: each declared attribute is read from `attributes`
   * (string, number, boolean, string[]; `undefined`/`null` = missing). Throws `wrong_kind`,
   * `string_too_long`, … and then leaves none.
   */
  setAttributes(attributes) {
    const w = visitor;
    w.used = 0;
    if (this.#unit != null) w.tag(117).text(this.#unit);
    this.#unit = null;
    const names = this.#names;
    for (let i = 0; i < names.length; i++) {
      const v = attributes?.[names[i]];
      if (v === undefined || v === null) w.tag(45);
      else if (typeof v == "string") w.tag(115).text(v);
      else if (typeof v == "number") w.tag(110).f64(v);
      else if (typeof v == "boolean") w.tag(v ? 116 : 102);
      else if (Array.isArray(v) && v.every((x) => typeof x == "string")) {
        w.tag(108).u32(v.length);
        for (const x of v) w.text(x);
      } else w.tag(120);
    }
    checked(wasm().pw_engine(VISITOR, this.#h, input(w.bytes()), 0, 0, 0));
  }

  /** Every slot decided at once: entry `i` is the index, in `choices()[i]`, of slot `i`'s outcome. */
  decideAll() {
    if (this.#unit != null) {
      // The unit alone: the attributes stay as they were set.
      visitor.used = 0;
      input(visitor.text(this.#unit).bytes());
      this.#unit = null;
      checked(wasm().pw_engine(UNIT, this.#h, 0, 0, 0, 0));
    }
    // Called directly, not through core.js `raw` (its rest parameters): once per visitor.
    return outputWords(checked(wasm().pw_engine(DECIDE, this.#h, 0, 0, 0, 0)));
  }

  /** The slot ids, in bundle order (the order of `decideAll()`). */
  slots() {
    return this.#tables.slots;
  }

  /** Per slot, `[variant, rule | null, control]` for each index `decideAll()` can give. */
  choices() {
    return this.#tables.choices;
  }

  /** The declared attributes, in the order they are read. */
  attributeNames() {
    return this.#names.slice();
  }

  /** Releases the engine's memory in the module. */
  free() {
    wasm().pw_free(this.#h);
  }
}
if (Symbol.dispose) PathwiseEngine.prototype[Symbol.dispose] = PathwiseEngine.prototype.free;
