// Type declarations for `pathwise/engine` (engine.js): the headless engine of docs/js-api.md
// ("Headless"), a module of its own without the page runtime.
//
// Self-contained, for servers and workers: they need only the ECMAScript library (no DOM, no
// WebAssembly declarations, nothing of the page entry's index.d.ts), so a project compiled with
// `lib: ["ES2022"]` and `skipLibCheck: false` accepts them. The web platform's classes that
// `load` takes (URL, Request, Response, WebAssembly.Module) are the environment's own where it
// declares them (the DOM library, @types/node), and `never` where it does not.

/** An attribute value for `setAttributes` (the page entry's `SignalValue`). */
export type SignalValue = string | number | boolean | string[];

/** The instance type of the global class `Name` where the environment declares one, else never. */
type Platform<Name extends string> = typeof globalThis extends Record<Name, { prototype: infer T }> ? T : never;

/** A compiled `WebAssembly.Module` where the environment declares WebAssembly, else never. */
type CompiledModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;

/** The module's bytes: an ArrayBuffer or a view of one (a Node Buffer too; the web's `BufferSource`). */
export type ModuleBytes = ArrayBuffer | ArrayBufferView;

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
export type ModuleSource =
  | string
  | Platform<"URL">
  | Platform<"Request">
  | Platform<"Response">
  | ModuleBytes
  | CompiledModule;

/** Fetches and instantiates the engine module once; later calls return the same promise. */
export declare function load(moduleOrPath?: ModuleSource | Promise<Platform<"Response">>): Promise<unknown>;
export default load;

/** Instantiates the engine module synchronously from its bytes (Node, workers). */
export declare function initSync(module: { module: ModuleBytes | CompiledModule }): unknown;

/** The SDK version. Needs the engine module loaded. */
export declare function version(): string;

/** Throws a `PathwiseError` naming every problem of bundle JSON text. Needs the engine module loaded. */
export declare function validateBundle(text: string): void;
