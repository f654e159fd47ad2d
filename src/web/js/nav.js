// Single-page-app navigation hooks (src/web/nav.rs): `history.pushState`/`replaceState` are
// wrapped once per page, and `popstate` listened to; each tells the listener the active instance
// left in `history.__pathwiseNavigated`. Plain closures, no eval: fine under a strict CSP.
// Inlined into pathwise.js by scripts/inline-snippets.mjs, so its top-level names are unique
// there (prefix `pwNav`).
let pwNavHooked = false;

function pwNavNotify() {
  const listener = history.__pathwiseNavigated;
  if (typeof listener == "function") {
    try {
      listener();
    } catch (e) {}
  }
}

export function pwNavListen(listener) {
  history.__pathwiseNavigated = listener;
  if (pwNavHooked) return;
  pwNavHooked = true;
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    if (typeof original == "function") {
      history[name] = (state, title, url) => {
        const result = original.call(history, state, title, url);
        pwNavNotify();
        return result;
      };
    }
  }
  addEventListener("popstate", pwNavNotify);
}
