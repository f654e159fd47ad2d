// `?pathwise-debug` opens the debug panel; the flag is kept in sessionStorage so it stays open
// while navigating. `?pathwise-debug=0` (or the panel's close button) turns it off.

const KEY = "ledgerly-demo:debug";

function session() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** Whether the debug panel should be shown on this page. */
export function debugRequested() {
  const store = session();
  const params = new URLSearchParams(window.location.search);
  if (params.has("pathwise-debug")) {
    const value = (params.get("pathwise-debug") || "").toLowerCase();
    const off = value === "0" || value === "off" || value === "false";
    if (!store) return !off;
    if (off) store.removeItem(KEY);
    else store.setItem(KEY, "1");
  }
  return store ? store.getItem(KEY) === "1" : false;
}

/** Turns the debug panel off for the rest of the session. */
export function stopDebug() {
  session()?.removeItem(KEY);
}
