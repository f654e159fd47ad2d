// The page a decision is made on (its landing facts and location), and single-page-app
// navigation.

const nonEmpty = (value) => value || "";

/**
 * What the landing page says, read once when the SDK starts: `[referrerDomain, utm_source,
 * utm_medium, utm_campaign, utm_term, utm_content, device, language]` ("" for none).
 *
 * The referrer counts only from another host (compared ignoring ASCII case). Device class: a
 * coarse primary pointer (a touch screen) with a short screen side under 600 CSS pixels is
 * `mobile`, a coarse pointer on a larger screen `tablet`, a fine pointer `desktop` whatever the
 * width; the short side, so rotating a phone does not make it a tablet.
 */
export function landing() {
  let referrer = "";
  try {
    const host = document.referrer ? new URL(document.referrer).hostname : "";
    if (host && host.toLowerCase() != location.hostname.toLowerCase()) referrer = host;
  } catch (e) {}
  const params = new URLSearchParams(location.search);
  let device = "";
  try {
    device = !matchMedia("(pointer: coarse)").matches ? "desktop" : Math.min(screen.width, screen.height) < 600 ? "mobile" : "tablet";
  } catch (e) {}
  return [
    referrer,
    ...["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].map((name) => nonEmpty(params.get(name))),
    device,
    nonEmpty(navigator.language),
  ];
}

/** The path and query: what counts as "another page" (a change of the fragment alone does not). */
export function where() {
  return location.pathname + "\n" + location.search;
}

// `history.pushState`/`replaceState` are wrapped once per page, and `popstate` listened to; each
// tells the listener the active instance left in `history.__pathwiseNavigated`.
let hooked = false;

function notify() {
  try {
    history.__pathwiseNavigated?.();
  } catch (e) {}
}

/** Calls `listener` after each History API navigation (the newest instance's only). */
export function listen(listener) {
  history.__pathwiseNavigated = listener;
  if (hooked) return;
  hooked = true;
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    if (typeof original == "function") {
      history[name] = (state, title, url) => {
        const result = original.call(history, state, title, url);
        notify();
        return result;
      };
    }
  }
  addEventListener("popstate", notify);
}
