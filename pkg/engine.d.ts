// Type declarations for `pathwise/engine` (engine.js): the headless engine of docs/js-api.md
// ("Headless"), a module of its own without the page runtime.

import type { SignalValue } from "./index.js";

export type { SignalValue };

/** Options of `PathwiseEngine.fromEnvelope`. */
export interface EngineOptions {
  /** Distinct pinned keys that must have signed (default 1). */
  threshold?: number;
  /** Raise the bundle size cap (default 262144 bytes) for a deliberately large catalogue. */
  maxBundleBytes?: number;
  /** Raise the rule cap (default 2000). */
  maxRules?: number;
  /** Raise the slot cap (default 500). */
  maxSlots?: number;
}

/**
 * The engine without a page (server-side rendering, edge workers, Node): verify + parse +
 * compile once, then per visitor `setUnit`, `setAttributes`, `decideAll`. Nothing is stored or
 * reported. Needs this entry's module loaded (its `load()` or `initSync`).
 */
export declare class PathwiseEngine {
  private constructor();
  /** Verifies the envelope against `keys` for `site` at `nowMs`, then parses and compiles it. */
  static fromEnvelope(
    text: string,
    site: string,
    keys: string[],
    nowMs: number,
    options?: EngineOptions,
  ): PathwiseEngine;
  /** The bucketing unit: the visitor's stable id. */
  setUnit(unit: string): void;
  /** The clock, Unix milliseconds. */
  setNow(nowMs: number): void;
  /** The page path that `trigger.pages` and `page_path` see. */
  setPage(path: string): void;
  /** Replaces the attributes with the declared ones in `attributes`; throws `PathwiseError`. */
  setAttributes(attributes: Record<string, SignalValue | null | undefined>): void;
  /** Every slot decided at once: entry i indexes `choices()[i]`. */
  decideAll(): Uint32Array;
  /** Slot ids in bundle order. */
  slots(): string[];
  /** Per slot, what each index means: `[variant, rule | null, control]`; index 0 = no rule. */
  choices(): Array<Array<[string, string | null, boolean]>>;
  /** Releases the engine's memory in the module. */
  free(): void;
}

/** Where the module comes from, for `load`. */
export type ModuleSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** Fetches and instantiates the engine module once; later calls return the same promise. */
export declare function load(moduleOrPath?: ModuleSource | Promise<Response>): Promise<unknown>;
export default load;

/** Instantiates the engine module synchronously from its bytes (Node, workers). */
export declare function initSync(module: { module: BufferSource | WebAssembly.Module }): unknown;

/** The SDK version. Needs the engine module loaded. */
export declare function version(): string;

/** Throws a `PathwiseError` naming every problem of bundle JSON text. Needs the engine module loaded. */
export declare function validateBundle(text: string): void;
