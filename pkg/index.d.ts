// Type declarations for the `pathwise` package's page entry (index.js, and pathwise/sync, which
// exports the same): exactly the API of docs/js-api.md. The headless engine, `pathwise/engine`,
// is declared in engine.d.ts.
//
// Slot, variant, step, rule, attribute and event names come from `pathwise/names` (names.d.ts):
// with the file `pathwise types` generates in the project they are the bundle's names, checked
// (docs/types.md); without it every one of them is a `string`.

import type { AttributeName, AttributeValue, EventName, PathSlotId, RuleId, SlotId, StepId, VariantId } from "./names.js";
export type {
  PathwiseNames,
  SlotId,
  PathSlotId,
  BlockSlotId,
  VariantId,
  StepId,
  RuleId,
  EventName,
  AttributeName,
  AttributeValue,
} from "./names.js";

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

/** An exposure: which rule showed which variant (or its measured default) in which slot. */
export interface ExposureEvent {
  type: "exposure";
  rule: RuleId;
  /** The variant shown (the slot's default id for a control). */
  variant: VariantId;
  slot: SlotId;
  /** True for the rule's control group or the global holdout. */
  control: boolean;
  /** Unix time in whole minutes, rounded down. */
  minute: number;
}

/** A conversion: `track(goal)` after an exposure of a rule listing `goal` in its `goals`. */
export interface ConversionEvent {
  type: "conversion";
  rule: RuleId;
  /** The variant of the rule's exposure (the slot's default id for a control). */
  variant: VariantId;
  slot: SlotId;
  control: boolean;
  /** The goal event tracked. */
  goal: EventName;
  /** Unix time in whole minutes, rounded down. */
  minute: number;
}

/**
 * One reported event, exactly as the beacon payload carries it (and the `exposure` and
 * `conversion` events deliver it): never the install id, a signal name or value, or a URL.
 */
export type ReportEvent = ExposureEvent | ConversionEvent;

/** `Pathwise.init` options. A name not listed here is ignored with an `unknown_option` warning. */
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
  /** Anti-flicker timeout in milliseconds, 0–10000 (default 1000). */
  revealTimeoutMs?: number;
  /**
   * Time limit for fetching the bundle URL, in milliseconds, 1–60000 (default 3000). Past it the
   * request is aborted, an `error` with code `fetch_timeout` is emitted and `init` resolves with
   * the defaults.
   */
  fetchTimeoutMs?: number;
  /**
   * The largest envelope accepted, in bytes, 1024–16777216 (default 353624). A larger inline or
   * stored envelope is refused before it is parsed, and a bundle URL's download is stopped as
   * soon as it passes the cap: an `error` with code `too_large`.
   */
  maxEnvelopeBytes?: number;
  /** Beacon options; omit for no reporting (`exposure` and `conversion` events still fire). */
  collect?: CollectOptions;
  /** Apply the document as soon as a bundle is in place, and after navigations (default true). */
  autoApply?: boolean;
  /** A clock returning epoch milliseconds (tests, demos). */
  now?: () => number;
  /**
   * Preview overrides: slot id → variant id (or the slot's default id), shown whatever the rules
   * say. Never stored or reported; `explain` gives them reason `"override"`.
   */
  overrides?: { [S in SlotId]?: VariantId<S> };
  /**
   * Honour `?pathwise-preview=slot:variant,slot:variant` in the page's URL as overrides (default
   * false: a visitor cannot pick variants from a link unless the site allows it).
   */
  allowPreview?: boolean;
  /**
   * Default true: when the browser sends Global Privacy Control (`navigator.globalPrivacyControl`),
   * reporting is off (a `reporting_off` warning); personalization still works. False reports
   * anyway.
   */
  respectGlobalPrivacyControl?: boolean;
}

/** Why a slot got its variant. */
export type Reason = "matched" | "control" | "holdout" | "no_rule" | "override";

/** A text replacement: `textContent` of the elements matching `selector` inside the block. */
export interface TextReplacement {
  selector: string;
  text: string;
}

/** The decision for one slot (the JSON `pathwise explain --json` prints). */
export interface Decision<S extends string = SlotId> {
  slot: S;
  /** The slot's default variant id (normally `"default"`) means the page's default content. */
  variant: VariantId<S>;
  rule: RuleId | null;
  /** True when the default is shown as a measured control (control group or holdout). */
  control: boolean;
  reason: Reason;
  /**
   * `true` when a rule matched and bucketing chose this outcome among others (the rule has a
   * control share, a partial rollout or several variants, or the bundle a global holdout);
   * absent otherwise. OpenFeature's `SPLIT`.
   */
  split?: true;
  /** Path slots: the steps in order. */
  steps?: StepId<S>[];
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

/** `explain(pw, slot)` of `pathwise/debug`. */
export interface Explanation<S extends string = SlotId> {
  decision: Decision<S>;
  candidates: Candidate[];
}

/** The codes of `warning` events: something to know that did not stop the SDK. */
export type WarningCode =
  | "storage_unavailable"
  | "storage_quota_exceeded"
  | "storage_corrupt"
  | "stored_bundle_discarded"
  | "invalid_key"
  | "invalid_options"
  | "unknown_option"
  | "reporting_off"
  | "template_missing"
  | "invalid_selector"
  | "anti_flicker_missing";

/** Every code the SDK gives an `Error` (thrown or emitted) or a `warning` (docs/js-api.md). */
export type ErrorCode =
  // The envelope.
  | "no_pinned_keys"
  | "invalid_threshold"
  | "too_large"
  | "malformed_envelope"
  | "too_many_signatures"
  | "keyid_too_long"
  | "bad_signature_length"
  | "wrong_payload_type"
  | "signature_threshold_not_met"
  | "site_mismatch"
  | "expired"
  | "rollback"
  | "version_in_future"
  // The signed program inside it.
  | "program_malformed"
  | "program_unsupported"
  // Loading.
  | "fetch_failed"
  | "fetch_timeout"
  | "bundle_not_found"
  | "not_loaded"
  // Calls.
  | "unknown_slot"
  | "unknown_variant"
  | "undeclared_signal"
  | "builtin_signal"
  | "wrong_kind"
  | "signal_is_event"
  | "signal_not_event"
  | "string_too_long"
  | "list_too_long"
  | "non_finite_number"
  | "invalid_argument"
  | "invalid_options"
  | "no_browser"
  // Warnings.
  | WarningCode;

/** Every error the SDK throws or emits: a real `Error` with a stable `code`. */
export interface PathwiseError extends Error {
  /** e.g. `invalid_options`, `expired`, `rollback`, `signature_threshold_not_met`, `too_large`. */
  code: ErrorCode;
  /** `program_malformed`: what is wrong with the signed program. */
  reason?: "truncated" | "not_a_program" | "malformed" | "too_complex";
  /** `program_malformed`: the byte of the program where it was found. */
  offset?: number;
}

/** A `warning` event: something to know that did not stop the SDK. */
export interface Warning {
  code: WarningCode;
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
   * after `set`, `track`, `refresh` or `override`.
   */
  decision: Decision;
  /**
   * A variant or a measured control was shown: once per device per rule and variant (across
   * reloads), whether or not the device reports to a collector (`collect`, its sample, consent),
   * for the site's own analytics. Preview overrides are never exposures.
   */
  exposure: ExposureEvent;
  /** A goal tracked after an exposure of its rule: once per device per rule and goal. */
  conversion: ConversionEvent;
}

/** A value for `set`. */
export type SignalValue = string | number | boolean | string[];

/** `signals(pw)` of `pathwise/debug`: what this device keeps, for a debug panel. */
export interface StoredSignals {
  consent: Consent;
  /** `"memory"` when nothing is written (no consent, storage unavailable or full). */
  storage: "local" | "memory";
  bundleVersion: number | null;
  /** The signal store: first-seen time, attributes, events (Unix seconds, local day numbers). */
  signals: {
    seen?: number;
    attrs: Record<string, { v: SignalValue; t: number }>;
    events: Record<
      string,
      { first: number; last: number; total: number; days: Array<[number, number]> }
    >;
  };
  /** Render times per rule (Unix seconds), for frequency caps. */
  renders: Record<string, number[]>;
  /** Reports waiting for the collector: batches formed and not confirmed, events not batched yet. */
  outbox: { batches: number; queued: number };
}

/** What `assignments()` gives for a slot decided in this page view. */
export interface Assignment<S extends string = SlotId> {
  rule: RuleId | null;
  variant: VariantId<S>;
  control: boolean;
  reason: Reason;
}

/**
 * `assignments()`: slot → its assignment, for the slots decided in this page view. With generated
 * names each slot's entry is typed by its own variants; without, a `Record` of strings.
 */
export type Assignments = string extends SlotId ? Record<string, Assignment> : { [S in SlotId]?: Assignment<S> };

/** The SDK instance. */
export declare class Pathwise {
  private constructor();
  /**
   * Loads the module, reads storage and the bundle (a URL within `fetchTimeoutMs`), records the
   * page view and (unless `autoApply: false`) applies the page. Conditions see the device's
   * history up to the previous page view: this page view counts from the next one on. Resolves
   * even when no bundle could be used (defaults stay; an `error` event says why). Rejects only
   * for unusable options (`invalid_options`), after revealing the page's blocks, or outside a
   * browser page (`no_browser`).
   */
  static init(options: PathwiseOptions): Promise<Pathwise>;
  /**
   * Records a declared event. Takes effect at once: slots decided in this page view whose answer
   * changes are decided again (and, with `autoApply`, redrawn). Throws `PathwiseError`
   * (`undeclared_signal`, …).
   */
  track(event: EventName): void;
  /**
   * Writes a declared attribute. Takes effect at once, like `track`. Throws `PathwiseError`
   * (`undeclared_signal`, `wrong_kind`, …).
   */
  set<N extends AttributeName>(name: N, value: AttributeValue<N>): void;
  /**
   * The decision shown in this page view; the first call records the render. Later calls reuse
   * it until `set`, `track` or `refresh` changes the answer.
   */
  decide<S extends SlotId>(slot: S): Decision<S>;
  /** Decides without recording anything. */
  peek<S extends SlotId>(slot: S): Decision<S>;
  /** The steps of a path slot for this device (empty without a bundle). */
  path<S extends PathSlotId>(slot: S): StepId<S>[];
  /** The step after `step`, or `null` at the last step. */
  next<S extends PathSlotId>(slot: S, step: StepId<S>): StepId<S> | null;
  /** Applies blocks, paths and `data-pw-next` links under `root` (default: `document`). */
  apply(root?: Document | Element | DocumentFragment): void;
  /**
   * Decides again every slot already decided in this page view; changed answers replace the
   * shown ones (and, with `autoApply`, are redrawn), unchanged ones are left alone.
   */
  refresh(): void;
  /**
   * Previews `variant` (or the slot's default id) in `slot` whatever the rules say, at once;
   * `null` removes the preview. Never stored, recorded or reported; `explain` gives reason
   * `"override"`. Throws `unknown_variant` when the bundle in use has no such variant for the
   * slot, `invalid_argument` when `variant` is neither a string nor `null`.
   */
  override<S extends SlotId>(slot: S, variant: VariantId<S> | null): void;
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
  /** The slots decided in this page view, with their rule, variant, control and reason. */
  assignments(): Assignments;
  /** The version of the bundle in use. */
  readonly bundleVersion: number | null;
}

/**
 * The module as `initSync` and `load` take it in place of the one this package carries: a
 * compiled `WebAssembly.Module` or its bytes, alone or as `{ module }`.
 */
export type ModuleSource = BufferSource | WebAssembly.Module | { module: BufferSource | WebAssembly.Module };

/**
 * Instantiates the module (the one inside this package, or `module`) once; later calls return
 * the same promise. `Pathwise.init` calls it.
 */
export declare function load(module?: ModuleSource): Promise<unknown>;

/**
 * Instantiates the module synchronously; later calls change nothing. Without `module`, outside
 * Node and `pathwise/sync` it throws `not_loaded` (the carried module is compressed: use `load`).
 */
export declare function initSync(module?: ModuleSource): unknown;

/** The SDK version. */
export declare function version(): string;
