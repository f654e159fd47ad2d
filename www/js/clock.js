// The demo's fake clock.
//
// Pathwise.init accepts `now: () => epoch ms`. The demo passes `Date.now() + offset`, where the
// offset is kept in this site's own localStorage key (not under the SDK's `pathwise:` prefix, so
// `pw.forget()` leaves it alone). localStorage rather than sessionStorage: the SDK's stored times
// must never be ahead of the clock it is given, so the offset has to outlive the tab just as the
// signals do.
//
// The offset is read once per page load: every decision on a page uses the same clock, and a
// change (a debug-panel button) applies on the reload that follows it.

const KEY = "ledgerly-demo:clock-offset-ms";

function readOffset() {
  try {
    const n = Number(window.localStorage.getItem(KEY));
    return Number.isFinite(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

const offset = readOffset();

/** Milliseconds the demo clock is ahead of real time, as of this page load. */
export function clockOffsetMs() {
  return offset;
}

/** The demo clock, for `Pathwise.init({ now })`. */
export function demoNow() {
  return Date.now() + offset;
}

/** Moves the demo clock forward by `ms` (applies from the next page load). */
export function advanceClock(ms) {
  try {
    window.localStorage.setItem(KEY, String(readOffset() + ms));
  } catch {
    // Storage refused: the clock simply stays where it is.
  }
}

/** Back to real time (applies from the next page load). */
export function resetClock() {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // Nothing stored, nothing to do.
  }
}
