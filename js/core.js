// The WebAssembly module and the calls into it (src/web/mod.rs documents the exports).
//
// The module's bytes travel inside this JavaScript (base64, put in by `make pkg`), so importing
// the package is one request, with nothing for a bundler to resolve, copy or serve with the right
// MIME type. They are deflated (scripts/bundle.mjs says why) and inflated with the platform's
// DecompressionStream by `load()`, which `Pathwise.init` awaits; `pathwise/sync` carries them
// plain, so that `initSync()` can compile within the task that evaluates it.
//
// Every call passes its strings and bytes through one input buffer in the module's memory and
// reads the answer from one output buffer; an error comes back as `{"code": …, …facts}` JSON and
// is thrown here as an `Error` with that `code` and a message worded in errors.js.

import { DEFLATED, WASM } from "pathwise:wasm";
import { coded, fail } from "./errors.js";

let exports;
let loading;
let bytes; // a view of the module's memory, renewed when the memory grows
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes this package carries (still deflated when `DEFLATED`). */
function carried() {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(WASM);
  const text = atob(WASM);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** `module` as given (`{module}`, a Module, bytes), or `undefined`. */
const given = (module) => (module && module.module !== undefined ? module.module : module);

function instantiate(module) {
  exports = new WebAssembly.Instance(module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module), {}).exports;
  return exports;
}

/**
 * Instantiates the module once, synchronously; later calls change nothing. `module` (a
 * `WebAssembly.Module` or its bytes) replaces the module this package carries. Where the carried
 * module is deflated, it is inflated synchronously in Node (node:zlib); elsewhere call
 * `await load()` instead.
 */
export function initSync(module) {
  if (exports) return exports;
  module = given(module);
  if (module) return instantiate(module);
  if (!DEFLATED) return instantiate(carried());
  const zlib = globalThis.process?.getBuiltinModule?.("zlib");
  if (!zlib) throw coded("not_loaded", "the module is not loaded: await load() (or Pathwise.init) first, or use pathwise/sync");
  return instantiate(zlib.inflateRawSync(carried()));
}

/**
 * `bytes` inflated (raw DEFLATE) by the platform's DecompressionStream, as a stream. The input
 * stream is made here from the bytes in memory: `new Blob([bytes]).stream()` sends them through
 * the browser's blob registry and back, which measured 18-60 ms for the page module in Chromium.
 */
export function inflating(bytes) {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  }).pipeThrough(new DecompressionStream("deflate-raw"));
}

/**
 * Instantiates the module once (inflating it with DecompressionStream); later calls return the
 * same promise. The inflated module is compiled synchronously: with lazy compilation that is
 * validation only (about a millisecond), and one asynchronous step fewer before the first
 * decision.
 */
export function load(module) {
  loading ??= (async () => {
    if (exports) return exports;
    module = given(module);
    if (!module) {
      module = carried();
      if (DEFLATED) module = new Uint8Array(await new Response(inflating(module)).arrayBuffer());
    }
    return exports ?? instantiate(module);
  })();
  return loading;
}

function memory() {
  if (!bytes || bytes.buffer !== exports.memory.buffer) bytes = new Uint8Array(exports.memory.buffer);
  return bytes;
}

/**
 * Writes `parts` into the input buffer: a string as its UTF-8 length (u32, little-endian) and
 * bytes; a Uint8Array as it is. Returns the input's length. It allocates per part, which a
 * page's few calls do not notice; pathwise/engine, deciding for visitor after visitor, writes
 * them into a kept buffer instead (js/engine.js). Moving that buffer here for both measured
 * 160 B gzip more on every page for nothing a page uses.
 */
export function put(...parts) {
  const chunks = [];
  let size = 0;
  for (const part of parts) {
    if (typeof part == "string") {
      const text = encoder.encode(part);
      chunks.push(u32(text.length), text);
      size += 4 + text.length;
    } else {
      chunks.push(part);
      size += part.length;
    }
  }
  let at = exports.pw_input(size);
  const mem = memory();
  for (const chunk of chunks) {
    mem.set(chunk, at);
    at += chunk.length;
  }
  return size;
}

/**
 * Writes `bytes` as the input, as they are, and returns their length: `put` of one Uint8Array
 * without its array of parts (pathwise/engine, once per visitor; unused by the page entries, so
 * not in them).
 */
export function input(bytes) {
  const at = exports.pw_input(bytes.length); // first: it may grow the memory
  memory().set(bytes, at);
  return bytes.length;
}

/** A little-endian u32. */
export function u32(n) {
  return new Uint8Array(new Uint32Array([n]).buffer);
}

/** A call's answer `n` (a length or a handle), or the coded error a negative one carries. */
export function checked(n) {
  if (n < 0) throw fail(JSON.parse(decoder.decode(output(-n - 1))));
  return n;
}

/** The output's first `n` bytes (a copy). */
export function output(n) {
  const at = exports.pw_output();
  return memory().slice(at, at + n);
}

let words;

/**
 * The output's first `n` bytes as u32 words (a copy): one typed array made, where `output` and
 * a view of it make three (pathwise/engine's `decideAll`, once per visitor; unused by the page
 * entries, so not in them). Typed arrays read in the platform's byte order and the module writes
 * little-endian, as `u32` assumes too: every platform the package is tested on is little-endian.
 */
export function outputWords(n) {
  const at = exports.pw_output();
  if (at & 3) return new Uint32Array(output(n).buffer);
  if (!words || words.buffer !== exports.memory.buffer) words = new Uint32Array(exports.memory.buffer);
  return words.slice(at >> 2, (at + n) >> 2);
}

/** The answer of `name(...args)` as bytes, or the coded error it refused with. */
export function raw(name, ...args) {
  return output(checked(exports[name](...args)));
}

/** The handle `name(...args)` returns, or the coded error it refused with. */
export function handle(name, ...args) {
  return checked(exports[name](...args));
}

/** A number about a handle (src/web/envelope.rs `pw_query`): 0 version, 1 accepted version, 2
 * last activity, 3 reports pending, 4 slots decided; negative for none. */
export function query(h, what) {
  return exports.pw_query(h, what);
}

/** The answer as text. */
export function text(name, ...args) {
  return decoder.decode(raw(name, ...args));
}

/** The answer as JSON (`undefined` for an empty answer). */
export function json(name, ...args) {
  const out = text(name, ...args);
  return out ? JSON.parse(out, revive) : undefined;
}

/** Numbers the module cannot write exactly in decimal travel as `{"f64":"<16 hex digits>"}`. */
function revive(key, value) {
  if (value && typeof value.f64 == "string") {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt("0x" + value.f64));
    return view.getFloat64(0);
  }
  return value;
}

/** The exports, for the few calls that answer a number. */
export function wasm() {
  return exports;
}

/** Bytes as a string of one character per byte (how local storage keeps them), and back. */
export function toLatin1(data) {
  let out = "";
  for (let i = 0; i < data.length; i += 8192) out += String.fromCharCode.apply(null, data.subarray(i, i + 8192));
  return out;
}

export function fromLatin1(text) {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) return null;
    out[i] = c;
  }
  return out;
}

/** The module's clock arguments for `ms` (epoch milliseconds): Unix seconds, UTC offset minutes. */
export function clock(ms) {
  return [Math.floor(ms / 1000), -new Date(ms).getTimezoneOffset() || 0];
}
