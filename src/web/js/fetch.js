// Fetching the bundle from a URL within a time limit (src/web/source.rs). Inlined into
// pathwise.js by scripts/inline-snippets.mjs: top-level names are prefixed `pwFetch`.
//
// The fetch, and then reading its body, is raced against a deadline rather than relying on the
// abort alone, so even a `fetch` the page replaced with its own wrapper, which may ignore the
// signal, cannot keep `init` waiting; the timer is cleared once the fetch is over. Resolves to the
// body's text; rejects with an `Error` whose `code` is `fetch_timeout` (the deadline passed; the
// request was aborted) or `fetch_failed` (with why: the network error, the HTTP status, …).
// `revalidate` asks the HTTP cache to check with the server (a conditional request, cheap when
// nothing changed) instead of trusting a cached copy.
export async function pwFetchText(url, revalidate, ms) {
  let expired = false;
  let timer;
  const controller = new AbortController();
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      expired = true;
      controller.abort();
      reject("timed out");
    }, ms);
  });
  const race = (promise) => Promise.race([promise, deadline]);
  try {
    const response = await race(
      fetch(url, { cache: revalidate ? "no-cache" : undefined, signal: controller.signal }),
    );
    if (!(response instanceof Response)) throw "not a Response";
    if (!response.ok) throw "HTTP " + response.status;
    const text = await race(response.text());
    if (typeof text != "string") throw "the body is not text";
    return text;
  } catch (e) {
    // The message of what was thrown: an Error's or DOMException's, or a string as it is.
    const what = typeof e?.message == "string" ? e.message : typeof e == "string" ? e : "unknown error";
    const error = new Error(
      "fetching the bundle from " + url +
        (expired ? " took longer than " + ms + " ms; it was aborted" : " failed: " + what),
    );
    error.code = expired ? "fetch_timeout" : "fetch_failed";
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
