// Type declarations for `pathwise/engine` (engine.js): the headless engine of docs/js-api.md
// ("Headless"), a module of its own without the page runtime.
//
// Self-contained, for servers and workers: they need only the ECMAScript library (no DOM, no
// WebAssembly declarations, nothing of the page entry's index.d.ts), so a project compiled with
// `lib: ["ES2022"]` and `skipLibCheck: false` accepts them. A compiled `WebAssembly.Module`, which
// `initSync` and `load` also take, is the environment's own type where it declares WebAssembly
// (the DOM library, @types/node), and `never` where it does not.

/** An attribute value for `setAttributes` (the page entry's `SignalValue`). */
export type SignalValue = string | number | boolean | string[];

/** A compiled `WebAssembly.Module` where the environment declares WebAssembly, else never. */
type CompiledModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;

/** The module's bytes: an ArrayBuffer or a view of one (a Node Buffer too; the web's `BufferSource`). */
export type ModuleBytes = ArrayBuffer | ArrayBufferView;

/** Options of `PathwiseEngine.fromEnvelope`; any other name is refused (`invalid_options`). */
export interface EngineOptions {
  /** Distinct pinned keys that must have signed (default 1). */
  threshold?: number;
  /**
   * The largest envelope accepted, in bytes (default 353624): raise it for a deliberately large
   * catalogue (signed with `pathwise sign --max-bytes`). A larger one throws `too_large`.
   */
  maxEnvelopeBytes?: number;
}

/**
 * The engine without a page (server-side rendering, edge workers, Node): verify + parse +
 * compile once, then per visitor `setUnit`, `setAttributes`, `decideAll`. Nothing is stored or
 * reported. `fromEnvelope` instantiates this entry's module (`initSync`): outside Node, `await
 * load()` first.
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
  /** The declared attributes, in the order `setAttributes` reads them. */
  attributeNames(): string[];
  /** Releases the engine's memory in the module (also `using engine = …` where supported). */
  free(): void;
}

/**
 * The module as `initSync` and `load` take it in place of the one this entry carries: a compiled
 * `WebAssembly.Module` or its bytes, alone or as `{ module }`.
 */
export type ModuleSource = ModuleBytes | CompiledModule | { module: ModuleBytes | CompiledModule };

/**
 * Instantiates the engine module (the one inside this entry, or `module`) once; later calls
 * return the same promise. Where `initSync()` cannot inflate the carried module (outside Node).
 */
export declare function load(module?: ModuleSource): Promise<unknown>;

/**
 * Instantiates the engine module synchronously; later calls change nothing. In Node it needs no
 * argument (the module rides inside engine.js); elsewhere without `module` it throws
 * `not_loaded`: `await load()` first. `PathwiseEngine.fromEnvelope` calls it.
 */
export declare function initSync(module?: ModuleSource): unknown;

/** The SDK version. */
export declare function version(): string;
