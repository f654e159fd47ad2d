// Type declarations for `pathwise/react` (docs/react.md): React 18 and 19 bindings. React renders
// the variant; Pathwise decides (started with `autoApply: false`) and records an exposure only
// once the variant is rendered (after commit).
//
// Slot, variant, step, event and attribute names are checked against the bundle when the project
// holds the file `pathwise types` generates (pathwise/names); otherwise they are strings.

import type { ReactElement, ReactNode } from "react";
import type { Decision, Pathwise, PathwiseOptions } from "./index.js";
import type { AttributeName, AttributeValue, EventName, PathSlotId, SlotId, StepId, VariantId } from "./names.js";

export interface PathwiseProviderProps {
  /** `Pathwise.init` options; the provider starts the instance with `autoApply: false`. */
  options?: PathwiseOptions;
  /** An instance the app started itself (or a promise of one), used instead of `options`. */
  client?: Pathwise | Promise<Pathwise>;
  children?: ReactNode;
}

/** Starts (or adopts) the Pathwise instance for the components under it. */
export declare function PathwiseProvider(props: PathwiseProviderProps): ReactElement;

/** What `useSlot` returns. */
export interface SlotState<S extends string = SlotId> {
  /** The variant to render (the slot's default id until decided, on the server, or without a bundle). */
  variant: VariantId<S>;
  /** The whole decision: rule, control, reason, steps, text. */
  decision: Decision;
  /** Pathwise has started (or failed to start): `variant` is the decision, not the default. */
  ready: boolean;
}

/** The decision for `slot`; the exposure is recorded once it is rendered (after commit). */
export declare function useSlot<S extends SlotId>(slot: S): SlotState<S>;

/** The steps of path slot `slot` for this device; `fallbackSteps` (default `[]`) until decided. */
export declare function usePath<S extends PathSlotId>(slot: S, fallbackSteps?: StepId<S>[]): StepId<S>[];

/** The step after `step` in path slot `slot`, or `null` (last step, unknown step, not decided). */
export declare function useNext<S extends PathSlotId>(slot: S, step: StepId<S>): StepId<S> | null;

/** A stable `track(event)`; calls made before Pathwise started are held until it has. */
export declare function useTrack(): (event: EventName) => void;

/** A stable `set(name, value)`; calls made before Pathwise started are held until it has. */
export declare function useSet(): <N extends AttributeName>(name: N, value: AttributeValue<N>) => void;

/** The instance (for `explain`, `override`, `on`, …), or `null` before it started. */
export declare function usePathwise(): Pathwise | null;

export interface SlotProps<S extends string = SlotId> {
  /** The slot id. */
  id: S;
  /** What to render for each variant id; a variant not listed here renders `children`. */
  variants?: { [V in VariantId<S>]?: ReactNode };
  /** The default content (also for a control or holdout decision). */
  children?: ReactNode;
}

/**
 * Renders `variants[variant]` when the decision shows a variant listed there, else `children`.
 * A variant that is not listed is not rendered, so it is not recorded as an exposure.
 */
export declare function Slot<S extends SlotId>(props: SlotProps<S>): ReactElement;
