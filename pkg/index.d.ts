// Type declarations for the `pathwise` package's page entry: exactly the API of docs/js-api.md.
// The headless engine, `pathwise/engine`, is declared in engine.d.ts.

/** The site's consent state for local storage. */
export type Consent = "granted" | "pending" | "denied";

/** Beacon options (reporting). */
export interface CollectOptions {
  /** The collector endpoint (http: or https:, relative to the page allowed). */
  url: string;
  /** Share of devices that report, 0–1 (default 1), decided per device from its install id. */
  sampleRate?: number;
  /** Milliseconds after the last recorded event before a batch is sent, 0–60000 (default 2000). */
  idleMs?: number;
}

/** One reported event, as the beacon payload carries it (and the `exposure` event delivers it). */
export interface ReportEvent {
  type: "exposure" | "conversion";
  rule: string;
  /** The variant shown (the slot's default id for a control). */
  variant: string;
  slot: string;
  /** True for the rule's control group or the global holdout. */
  control: boolean;
  /** Conversions only: the goal event. */
  goal?: string;
  /** Unix time in whole minutes, rounded down. */
  minute: number;
}

/** `Pathwise.init` options. */
export interface PathwiseOptions {
  /** This site's id; must equal the bundle's `site`. */
  site: string;
  /** Pinned public keys, `"ed25519:<base64>"`. Trust comes only from here. */
  keys: string[];
  /** Distinct pinned keys that must have signed (default 1). */
  threshold?: number;
  /**
   * A URL; inline envelope text (starts with `{`); or `"#id"` of a
   * `<script type="application/vnd.pathwise+json" id="id">` element.
   */
  bundle?: string;
  /** Default `"granted"`. */
  consent?: Consent;
  /** Anti-flicker timeout in milliseconds, 0–10000 (default 400). */
  revealTimeoutMs?: number;
  /**
   * Time limit for fetching the bundle URL, in milliseconds, 1–60000 (default 3000). Past it the
   * request is aborted, an `error` with code `fetch_timeout` is emitted and `init` resolves with
   * the defaults.
   */
  fetchTimeoutMs?: number;
  /** Beacon options; omit for no reporting. */
  collect?: CollectOptions;
  /** Apply the document as soon as a bundle is in place, and after navigations (default true). */
  autoApply?: boolean;
  /** A clock returning epoch milliseconds (tests, demos). */
  now?: () => number;
}

/** Why a slot got its variant. */
export type Reason = "matched" | "control" | "holdout" | "no_rule";

/** A text replacement: `textContent` of the elements matching `selector` inside the block. */
export interface TextReplacement {
  selector: string;
  text: string;
}

/** The decision for one slot (the JSON `pathwise explain --json` prints). */
export interface Decision {
  slot: string;
  /** The slot's default variant id (normally `"default"`) means the page's default content. */
  variant: string;
  rule: string | null;
  /** True when the default is shown as a measured control (control group or holdout). */
  control: boolean;
  reason: Reason;
  /** Path slots: the steps in order. */
  steps?: string[];
  /** Block slots: the variant's text replacements (absent when none). */
  text?: TextReplacement[];
}

/** Why one candidate rule did or did not decide the slot. */
export type Outcome =
  | { outcome: "won" }
  | { outcome: "outside_schedule"; start?: number; end?: number }
  | { outcome: "page_not_matched"; pages: string[] }
  | { outcome: "event_not_seen"; event: string; within_days?: number }
  | { outcome: "not_in_audience"; audience?: string }
  | { outcome: "capped"; renders: number; max: number; per_days?: number }
  | { outcome: "other_layer_rule"; layer: string }
  | { outcome: "outside_rollout"; bucket: number; rollout_bp: number }
  | { outcome: "lost_on_priority"; winner: string };

/** A candidate rule, in the order the engine tried them. */
export type Candidate = { rule: string; priority: number } & Outcome;

/** `explain(slot)`. */
export interface Explanation {
  decision: Decision;
  candidates: Candidate[];
}

/** Every error the SDK throws or emits: a real `Error` with a stable `code`. */
export interface PathwiseError extends Error {
  /**
   * e.g. `invalid_options`, `expired`, `rollback`, `signature_threshold_not_met`, `site_mismatch`,
   * `malformed_envelope`, `bundle_invalid`, `fetch_failed`, `fetch_timeout`, `bundle_not_found`, `unknown_slot`,
   * `undeclared_signal`, `wrong_kind`, `invalid_argument`, `busy`.
   */
  code: string;
}

/** A `warning` event: something to know that did not stop the SDK. */
export interface Warning {
  /**
   * e.g. `storage_unavailable`, `storage_quota_exceeded`, `storage_corrupt`,
   * `stored_bundle_discarded`, `invalid_key`, `template_missing`, `invalid_selector`.
   */
  code: string;
  message: string;
}

/** Event names and their payloads. */
export interface PathwiseEvents {
  /** A bundle is in place (its version), or definitely failed (`null`). */
  ready: { bundleVersion: number | null };
  error: PathwiseError;
  warning: Warning;
  /**
   * A slot decided for the first time in this page view, or decided again with another answer
   * after `set`, `track` or `refresh`.
   */
  decision: Decision;
  /**
   * An exposure was recorded for reporting (with `collect`, in the sample, once per device per
   * rule and variant): a variant or a measured control was shown.
   */
  exposure: ReportEvent & { type: "exposure" };
}

/** A value for `set`. */
export type SignalValue = string | number | boolean | string[];

/** `signals()`: what this device keeps, for a debug panel. */
export interface StoredSignals {
  consent: Consent;
  /** `"memory"` when nothing is written (no consent, storage unavailable or full). */
  storage: "local" | "memory";
  bundleVersion: number | null;
  /** The signal store snapshot: first-seen time, attributes, events (Unix seconds, local days). */
  signals: {
    v: number;
    seen?: number;
    attrs: Record<string, { v: SignalValue; t: number }>;
    events: Record<
      string,
      { first: number; last: number; total: number; days: Array<[number, number]> }
    >;
  };
  /** Render times per rule (Unix seconds), for frequency caps. */
  renders: { v: number; renders: Record<string, number[]> };
}

/** The SDK instance. */
export declare class Pathwise {
  private constructor();
  /**
   * Loads the module, reads storage and the bundle (a URL within `fetchTimeoutMs`), records the
   * page view and (unless `autoApply: false`) applies the page. Conditions see the device's
   * history up to the previous page view: this page view counts from the next one on. Resolves even when no bundle could be used (defaults
   * stay; an `error` event says why). Rejects only for unusable options (`invalid_options`),
   * after revealing the page's blocks.
   */
  static init(options: PathwiseOptions): Promise<Pathwise>;
  /**
   * Records a declared event. Takes effect at once: slots decided in this page view whose answer
   * changes are decided again (and, with `autoApply`, redrawn). Throws `PathwiseError`
   * (`undeclared_signal`, …).
   */
  track(event: string): void;
  /**
   * Writes a declared attribute. Takes effect at once, like `track`. Throws `PathwiseError`
   * (`undeclared_signal`, `wrong_kind`, …).
   */
  set(name: string, value: SignalValue): void;
  /**
   * The decision shown in this page view; the first call records the render. Later calls reuse
   * it until `set`, `track` or `refresh` changes the answer.
   */
  decide(slot: string): Decision;
  /** Decides without recording anything. */
  peek(slot: string): Decision;
  /** The reason for every candidate rule; records nothing. */
  explain(slot: string): Explanation;
  /** The steps of a path slot for this device (empty without a bundle). */
  path(slot: string): string[];
  /** The step after `step`, or `null` at the last step. */
  next(slot: string, step: string): string | null;
  /** Applies blocks, paths and `data-pw-next` links under `root` (default: `document`). */
  apply(root?: Document | Element | DocumentFragment): void;
  /**
   * Decides again every slot already decided in this page view; changed answers replace the
   * shown ones (and, with `autoApply`, are redrawn), unchanged ones are left alone.
   */
  refresh(): void;
  /** Subscribes; returns the unsubscribe function. */
  on<E extends keyof PathwiseEvents>(
    event: E,
    handler: (payload: PathwiseEvents[E]) => void,
  ): () => void;
  /** Erases everything the SDK stored; nothing is written again in this page unless consent is granted again. */
  forget(): void;
  /** `"granted"` persists from now on; `"pending"` stops writing; `"denied"` erases and stays in memory. */
  setConsent(state: Consent): void;
  /** Sends queued reports now. */
  flush(): void;
  /** What is stored on this device. */
  signals(): StoredSignals;
  /** The version of the bundle in use. */
  readonly bundleVersion: number | null;
  /** Releases the instance's memory in the module (rarely needed: one instance per page). */
  free(): void;
}

/** Where the module comes from, for `load`. */
export type ModuleSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** Fetches and instantiates the module once (streaming); later calls return the same promise. */
export declare function load(moduleOrPath?: ModuleSource | Promise<Response>): Promise<unknown>;
export default load;

/** Instantiates the module synchronously from its bytes (Node, workers). */
export declare function initSync(module: { module: BufferSource | WebAssembly.Module }): unknown;

/** The SDK version. Needs the module loaded. */
export declare function version(): string;

/** Throws a `PathwiseError` naming every problem of bundle JSON text. Needs the module loaded. */
export declare function validateBundle(text: string): void;
