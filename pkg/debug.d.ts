// pathwise/debug: why an instance decides what it decides, and what the device keeps, for a
// debug panel or QA.
import type { Explanation, Pathwise, SlotId, StoredSignals } from "./index.js";

export type { Candidate, Explanation, Outcome, StoredSignals } from "./index.js";

/**
 * The decision `pw` would make now for `slot` (the preview's, for a previewed slot) and every
 * candidate rule with its outcome, in the order tried: what `pathwise explain --json` says for
 * the same device. Records nothing. Rejects with `unknown_slot` for a slot the bundle does not
 * have. This entry carries its own module (the page's does not include `explain`), downloaded
 * only by the pages that import it.
 */
export function explain<S extends SlotId>(pw: Pathwise, slot: S): Promise<Explanation<S>>;

/**
 * What the device keeps: consent, storage, the bundle in use, its signals (attributes and
 * events), its renders per rule and what its outbox holds. The signals can only be read once a
 * bundle says which are declared: without one in use, `signals` is empty. Records nothing.
 */
export function signals(pw: Pathwise): Promise<StoredSignals>;

/** The version of this SDK. */
export function version(): string;
