// `PathwiseEngine`: deciding without a page — server-side rendering, edge workers, Node,
// benchmarks (docs/js-api.md, "Headless"). The same trust rules as the page (pinned keys,
// `verify_strict`, site, expiry, version), none of its side effects: nothing is stored, recorded
// or reported, and every decision is a `peek`.
//
// A server decides for many visitors, so each crossing of the boundary counts: a visitor's unit
// and attributes are written as bytes straight into the module's memory and cross in one call,
// and `decideAll` answers every slot as integers (indexes into `choices()`).

import { clock, handle, initSync, json, put, raw, u32, wasm } from "./core.js";
import { coded } from "./errors.js";
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

export class PathwiseEngine {
  #h;
  #tables;
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
    if (typeof site != "string" || !Array.isArray(keys)) throw invalid("fromEnvelope(text, site, keys, nowMs): site is a string, keys an array");
    const pinned = keys.map((text) => {
      const k = key(text);
      if (typeof k == "string") throw invalid(`keys: ${JSON.stringify(text)} is not usable: ${k}`);
      return k;
    });
    const { payload, sigs } = envelopeParts(text, cap);
    put(u32(payload.length), payload, site, ...pinned, ...sigs);
    const program = handle("pw_open", pinned.length, sigs.length, threshold, Math.floor(nowMs / 1000), -1);
    return new PathwiseEngine(handle("pw_engine", NEW, 0, program, 0, ...clock(nowMs)));
  }

  constructor(h) {
    if (typeof h != "number") throw coded("invalid_argument", "use PathwiseEngine.fromEnvelope(…)");
    this.#h = h;
    this.#tables = json("pw_engine", TABLES, h);
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
    const parts = [];
    if (this.#unit != null) parts.push(new Uint8Array([117]), this.#unit);
    this.#unit = null;
    for (const [name] of this.#tables.attributes) {
      const v = attributes?.[name];
      if (v === undefined || v === null) parts.push(new Uint8Array([45]));
      else if (typeof v == "string") parts.push(new Uint8Array([115]), v);
      else if (typeof v == "number") {
        const bytes = new Uint8Array(9);
        bytes[0] = 110;
        new DataView(bytes.buffer).setFloat64(1, v, true);
        parts.push(bytes);
      } else if (typeof v == "boolean") parts.push(new Uint8Array([v ? 116 : 102]));
      else if (Array.isArray(v) && v.every((x) => typeof x == "string")) parts.push(new Uint8Array([108]), u32(v.length), ...v);
      else parts.push(new Uint8Array([120]));
    }
    raw("pw_engine", VISITOR, this.#h, put(...parts));
  }

  /** Every slot decided at once: entry `i` is the index, in `choices()[i]`, of slot `i`'s outcome. */
  decideAll() {
    if (this.#unit != null) {
      // The unit alone: the attributes stay as they were set.
      put(this.#unit);
      this.#unit = null;
      raw("pw_engine", UNIT, this.#h);
    }
    const bytes = raw("pw_engine", DECIDE, this.#h);
    return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
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
    return this.#tables.attributes.map(([name]) => name);
  }

  /** Releases the engine's memory in the module. */
  free() {
    wasm().pw_free(this.#h);
  }
}
if (Symbol.dispose) PathwiseEngine.prototype[Symbol.dispose] = PathwiseEngine.prototype.free;
