// Type declarations for `pathwise/openfeature` (docs/openfeature.md): a provider for the
// OpenFeature web SDK. A slot is a flag: its variant id is a string flag's value and the
// evaluation's variant.

import type { EvaluationContext, JsonValue, OpenFeatureEventEmitter, Provider, ResolutionDetails } from "@openfeature/web-sdk";
import type { Pathwise, PathwiseOptions } from "./index.js";

export interface PathwiseProviderOptions {
  /** An instance the page started (or a promise of one). */
  client?: Pathwise | Promise<Pathwise>;
  /** Or: `Pathwise.init` options; the provider starts the instance in `initialize()`. */
  options?: PathwiseOptions;
}

/** `flagMetadata` of a resolved flag. */
export interface PathwiseFlagMetadata {
  /** The deciding rule (absent when no rule decided). */
  rule?: string;
  /** The default shown as the rule's measured control (control group or global holdout). */
  control: boolean;
  /** Pathwise's own reason: `matched`, `control`, `holdout`, `no_rule` or `override`. */
  reason: string;
  /** The version of the bundle in use. */
  bundleVersion: number;
}

/**
 * The provider. Values by flag type: string → the variant id; boolean → whether a variant (not
 * the default) is shown; object → the decision; number → `TYPE_MISMATCH`. Reasons: a matched
 * rule → `TARGETING_MATCH` (`SPLIT` when its weights chose), control and holdout → `SPLIT`, no
 * rule → `DEFAULT`, a preview override → `STATIC`. An unknown slot → `FLAG_NOT_FOUND`; before
 * `initialize()` finished → `PROVIDER_NOT_READY`. A new bundle, or a decision an answer
 * (`set`, `track`) changed → `PROVIDER_CONFIGURATION_CHANGED`. Evaluating a flag is showing it:
 * the exposure is recorded (`decide`).
 */
export declare class PathwiseProvider implements Provider {
  constructor(options?: PathwiseProviderOptions);
  readonly metadata: { readonly name: "Pathwise" };
  readonly runsOn: "client";
  readonly events: OpenFeatureEventEmitter;
  initialize(context?: EvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  resolveStringEvaluation(flagKey: string, defaultValue: string): ResolutionDetails<string>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean): ResolutionDetails<boolean>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): ResolutionDetails<T>;
  /** Forwards to `pw.track(name)` (a declared event; a goal converts). */
  track(trackingEventName: string): void;
}
