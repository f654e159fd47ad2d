// Reporting's contact with the browser (src/web/report/transport.rs and lifecycle.rs): sending a
// beacon body, the page-lifecycle moments that trigger sending, batch ids, and timers. Inlined
// into pathwise.js by scripts/inline-snippets.mjs: top-level names are prefixed `pw`.
//
// Both ways of sending give the body as a string, which the browser labels
// `Content-Type: text/plain;charset=UTF-8`: a CORS-safelisted type, so a collector on another
// origin is reached without a preflight request.

// `navigator.sendBeacon(url, body)`: whether the browser queued it (`true` only means queued).
// A throwing call (an unusable URL, no `sendBeacon` at all) counts as refused.
export function pwBeacon(url, body) {
  try {
    return typeof navigator.sendBeacon == "function" && navigator.sendBeacon(url, body) === true;
  } catch (e) {
    return false;
  }
}

// A `POST` whose answer can be read: resolves to whether it was answered with a `2xx` status
// (anything else — another status, a network error, a collector on another origin that does
// not answer with `Access-Control-Allow-Origin` — is `false`). No cookies
// (`credentials: "omit"`) and no `Referer` (`referrerPolicy: "no-referrer"`: the page URL, query
// included, does not travel with the report). With `keepalive` the request outlives the page.
export async function pwPost(url, body, keepalive) {
  try {
    const response = await fetch(url, {
      method: "POST",
      body,
      keepalive,
      mode: "cors",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    const status = response.status;
    return typeof status == "number" && status >= 200 && status < 300;
  } catch (e) {
    return false;
  }
}

// Fills `bytes` (a batch id) from `crypto.getRandomValues`; should it throw, `Math.random` fills
// in: an id only has to differ from this device's other batch ids, and reveals nothing either way.
export function pwRandom(bytes) {
  try {
    crypto.getRandomValues(bytes);
  } catch (e) {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.random() * 256;
  }
}

// Calls `handler(true)` when the page may be about to go away (`visibilitychange` to hidden —
// mobile browsers often kill a hidden page without any further event — or `pagehide`): the last
// chance to send. `handler(false)` when it lives on (`visibilitychange` back to visible,
// `pageshow` from the back/forward cache): batches beaconed earlier can be confirmed. No
// `unload` listener: it keeps a page out of the back/forward cache, and `pagehide` fires in every
// case where it would.
export function pwLifecycle(handler) {
  const listener = (event) => {
    const visibility = document.visibilityState;
    if (event.type == "pagehide" || (event.type == "visibilitychange" && visibility == "hidden")) {
      handler(true);
    } else if (
      (event.type == "visibilitychange" && visibility == "visible") ||
      (event.type == "pageshow" && event.persisted === true)
    ) {
      handler(false);
    }
  };
  document.addEventListener("visibilitychange", listener);
  addEventListener("pagehide", listener);
  addEventListener("pageshow", listener);
}

// A debounced timer calling `callback`: `pwTimerSet(timer, ms)` fires it in `ms` milliseconds,
// replacing a pending firing; a negative `ms` only cancels.
export function pwTimer(callback) {
  return { c: callback, h: 0 };
}

export function pwTimerSet(timer, ms) {
  clearTimeout(timer.h);
  if (ms >= 0) timer.h = setTimeout(timer.c, ms);
}

// A promise resolved in `ms` milliseconds.
export function pwSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
