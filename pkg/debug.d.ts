// pathwise/debug: why an instance decides what it decides, for a debug panel or QA.
import type { Explanation, Pathwise, SlotId } from "./index.js";

export type { Candidate, Explanation, Outcome } from "./index.js";

/**
 * The decision `pw` would make now for `slot` (the preview's, for a previewed slot) and every
 * candidate rule with its outcome, in the order tried: what `pathwise explain --json` says for
 * the same device. Records nothing. Rejects with `unknown_slot` for a slot the bundle does not
 * have. This entry carries its own module (the page's does not include `explain`), downloaded
 * only by the pages that import it.
 */
export function explain<S extends SlotId>(pw: Pathwise, slot: S): Promise<Explanation<S>>;

/** The version of this SDK. */
export function version(): string;
