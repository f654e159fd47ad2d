// `pathwise/names`: the names a bundle declares, for the type checker (docs/types.md).
//
// `pathwise types bundle.json --out pathwise-bundle.d.ts` writes a declaration file that
// augments `PathwiseNames` with the bundle's slots (their kind, variants and steps), rules,
// attributes (with their value kinds) and events:
//
//   declare module "pathwise/names" {
//     interface PathwiseNames {
//       slots: { "hero": { kind: "block"; variants: "default" | "welcome-back"; steps: never } };
//       rules: "hero-returning";
//       attributes: { "role": string };
//       events: "pricing_viewed";
//     }
//   }
//
// The API's parameter and result types are derived from it below, so with the generated file in
// the project `decide("hreo")` and `set("role", 3)` are type errors. Without it (or for a part it
// does not declare) every name is a `string` and every value any kind `set` accepts: nothing
// changes for a project that does not generate names.

/** Augmented by the file `pathwise types` generates; empty otherwise. */
export interface PathwiseNames {}

/** The keys of `M` whose value has `kind: K`. */
type OfKind<M, K> = { [P in keyof M]: M[P] extends { kind: K } ? P : never }[keyof M] & string;

/** A slot id of the bundle (`string` without generated names). */
export type SlotId = PathwiseNames extends { slots: infer M } ? Extract<keyof M, string> : string;

/** A path slot's id. */
export type PathSlotId = PathwiseNames extends { slots: infer M } ? OfKind<M, "path"> : string;

/** A block slot's id. */
export type BlockSlotId = PathwiseNames extends { slots: infer M } ? OfKind<M, "block"> : string;

/** A variant id of slot `S` (its default's id included); of any slot by default. */
export type VariantId<S extends string = SlotId> = PathwiseNames extends { slots: infer M }
  ? S extends keyof M
    ? M[S] extends { variants: infer V extends string }
      ? V
      : never
    : never
  : string;

/** A step id of path slot `S`; of any path by default. */
export type StepId<S extends string = PathSlotId> = PathwiseNames extends { slots: infer M }
  ? S extends keyof M
    ? M[S] extends { steps: infer T extends string }
      ? T
      : never
    : never
  : string;

/** A rule id of the bundle. */
export type RuleId = PathwiseNames extends { rules: infer R extends string } ? R : string;

/** An event the bundle declares (what `track` records). */
export type EventName = PathwiseNames extends { events: infer E extends string } ? E : string;

/** An attribute the bundle declares (what `set` writes). */
export type AttributeName = PathwiseNames extends { attributes: infer A } ? Extract<keyof A, string> : string;

/** The value attribute `N` holds: `string`, `number`, `boolean` or `string[]` by its kind. */
export type AttributeValue<N extends string = AttributeName> = PathwiseNames extends { attributes: infer A }
  ? N extends keyof A
    ? A[N]
    : never
  : string | number | boolean | string[];
