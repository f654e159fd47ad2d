// The browser side of the page adapter (src/web/): everything the Rust runtime asks of the page
// that is a few lines of JavaScript but many web-sys imports and closure types in Rust. Rust
// imports these functions with `#[wasm_bindgen(module = "/src/web/js/adapter.js")]`;
// scripts/inline-snippets.mjs puts this file into pathwise.js (the glue), where its top-level
// names share the glue's scope: they are prefixed `pw`. One file rather than one per Rust module:
// wasm-bindgen-test's server (tests/web*.rs) serves each snippet as a module of its own, and
// with six of them the test page's loading stalled now and then.
//
// Nothing here may let an exception cross into the wasm module where Rust expects none: every
// call whose failure Rust would ignore is guarded. No eval, no innerHTML, no HTML or URL from the
// bundle injected anywhere: fine under a strict CSP with Trusted Types.

// The message of a thrown value: an Error's or DOMException's, or a string as it is (as Rust's
// `describe` in src/web/error.rs).
function pwMessage(e) {
  return typeof e?.message == "string" ? e.message : typeof e == "string" ? e : "unknown error";
}

// ===== Single-page-app navigation (src/web/nav.rs) =====
// `history.pushState`/`replaceState` are wrapped once per page, and `popstate` listened to; each
// tells the listener the active instance left in `history.__pathwiseNavigated`.
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

// ===== The page surfaces (src/web/dom/mod.rs) =====
// Blocks, paths, `data-pw-next` links and the anti-flicker reveal. Rust decides; this part only
// finds the elements and draws the decisions.
//
// Nothing from the bundle is ever parsed as HTML or written into an attribute, with one narrow
// exception: the id of the next step in a path replaces `{step}` in a page-authored
// `data-pw-href`, and only when it is a plain id (`[A-Za-z0-9_.-]`, what bundle validation
// allows). Text replacements go through `textContent`, variants are clones of `<template>`
// elements the page itself contains (found by comparing attribute values, never with a selector
// built from bundle data), and the bundle's CSS selectors are only used to find elements inside a
// block.

// The elements matching `selector` in `root` (a document, element or fragment), the root element
// itself included when it matches, in document order; nothing for any other kind of node.
function pwDomSelect(root, selector) {
  const found = root instanceof Element && root.matches(selector) ? [root] : [];
  try {
    found.push(...root.querySelectorAll(selector));
  } catch (e) {}
  return found;
}

// `data-pw-state`: a constant, never bundle data.
function pwDomMark(element, applied) {
  element.setAttribute("data-pw-state", applied ? "applied" : "default");
}

// A fresh stash (one per instance): the page's default children of each block a variant
// replaced, moved aside (not copied) so they come back with their listeners; keyed weakly, so a
// removed block is collected with its stash.
export function pwDomStash() {
  return new WeakMap();
}

// The blocks, paths and next links under `root` whose slot is wanted (every slot when `only`,
// a JSON array of slots, is absent): returns their slots (in document order, repeated as often as
// they occur), carrying the elements found for `pwDomRender` in its property `e`.
export function pwDomScan(root, only) {
  only = only == null ? null : JSON.parse(only);
  const slots = [];
  const blocks = [];
  const paths = [];
  const links = [];
  const add = (list, element, slot, step) => {
    if (!only || only.includes(slot)) {
      slots.push(slot);
      list.push([element, slot, step]);
    }
  };
  for (const block of pwDomSelect(root, "[data-pw-block]")) {
    add(blocks, block, block.getAttribute("data-pw-block") ?? "");
  }
  for (const container of pwDomSelect(root, "[data-pw-path]")) {
    add(paths, container, container.getAttribute("data-pw-path") ?? "");
  }
  for (const link of pwDomSelect(root, "[data-pw-next]")) {
    // `data-pw-next="SLOT:STEP"`, split at the first colon.
    const value = link.getAttribute("data-pw-next") ?? "";
    const at = value.indexOf(":");
    if (at >= 0) add(links, link, value.slice(0, at), value.slice(at + 1));
  }
  slots.e = [blocks, paths, links];
  return slots;
}

// Draws the decisions (`decisions`: a JSON array of decisions as `decide` returns them; a slot
// without one keeps or gets its default) into what `pwDomScan` found. Returns
// `[shown, warnings]`: the slot of each block or path drawn with a rule's answer (a variant, or a
// measured default), and `[code, message, …]` for each warning.
export function pwDomRender(scan, decisions, stash) {
  const decided = new Map();
  for (const decision of JSON.parse(decisions)) decided.set(decision.slot, decision);
  const [blocks, paths, links] = scan.e;
  const shown = [];
  const warnings = [];
  for (const [block, slot] of blocks) {
    const decision = decided.get(slot);
    if (pwDomBlock(block, slot, decision, stash, warnings) || (decision && decision.reason != "matched")) {
      shown.push(slot);
    }
  }
  for (const [container, slot] of paths) {
    if (pwDomPath(container, decided.get(slot))) shown.push(slot);
  }
  for (const [link, slot, step] of links) pwDomNext(link, step, decided.get(slot));
  return [shown, warnings];
}

// Shows `decision` in `block` (the default without one, or for a default decision), marks it,
// and returns whether a variant is displayed. A variant's content is a clone of the page's
// `<template data-pw-variant="SLOT:VARIANT">` (without one, of the block's default content),
// then its text replacements.
function pwDomBlock(block, slot, decision, stash, warnings) {
  const restore = () => {
    const kept = stash.get(block);
    stash.delete(block);
    if (kept) block.replaceChildren(kept);
    pwDomMark(block, false);
    return false;
  };
  if (!decision || decision.reason != "matched") return restore();
  const wanted = slot + ":" + decision.variant;
  const found = pwDomSelect(document, "template[data-pw-variant]").find(
    (t) => t.getAttribute("data-pw-variant") == wanted,
  );
  const template = found instanceof HTMLTemplateElement ? found : null;
  const text = decision.text || [];
  if (!template && !text.length) {
    warnings.push(
      "template_missing",
      "variant " + JSON.stringify(decision.variant) + " of block " + JSON.stringify(slot) +
        ' has no <template data-pw-variant="' + wanted +
        '"> in the page and no text replacements; the default content is shown',
    );
    return restore();
  }
  if (!stash.has(block)) {
    const kept = document.createDocumentFragment();
    try {
      while (block.firstChild) kept.append(block.firstChild);
    } catch (e) {}
    stash.set(block, kept);
  }
  block.replaceChildren((template ? template.content : stash.get(block)).cloneNode(true));
  for (const replacement of text) {
    let targets;
    try {
      targets = block.querySelectorAll(replacement.selector);
    } catch (e) {
      warnings.push(
        "invalid_selector",
        "text replacement selector " + JSON.stringify(replacement.selector) + " of block " +
          JSON.stringify(slot) + " is not a valid CSS selector; it was skipped",
      );
      continue;
    }
    for (const target of targets) target.textContent = replacement.text;
  }
  pwDomMark(block, true);
  return true;
}

// Shows the decided path's steps in `container`, in its order, and hides the others; marks it
// (`default` without a path decision: no bundle, unknown slot) and returns whether a rule's
// variant is displayed. Steps keep the places the page gave them: the first place holds the
// first step of the path, and so on (steps not in the path fill the last places, hidden), so
// markup between or around the steps stays where it is.
function pwDomPath(container, decision) {
  const order = decision && decision.steps;
  if (!order) {
    pwDomMark(container, false);
    return false;
  }
  // The steps of this container, not of a path nested inside it.
  const elements = pwDomSelect(container, "[data-pw-step]").filter(
    (step) => step.parentElement && step.parentElement.closest("[data-pw-path]") == container,
  );
  const ids = elements.map((step) => step.getAttribute("data-pw-step") ?? "");
  const arranged = [];
  for (const step of order) {
    ids.forEach((id, i) => {
      if (id == step && !arranged.includes(i)) arranged.push(i);
    });
  }
  const count = arranged.length;
  ids.forEach((id, i) => {
    if (!order.includes(id)) arranged.push(i);
  });
  let inPlace = true;
  arranged.forEach((i, at) => {
    elements[i].toggleAttribute("hidden", at >= count);
    inPlace = inPlace && at == i;
  });
  if (!inPlace) {
    // One placeholder per place, then each place gets its element: moving an element leaves its
    // own placeholder behind, so no place is lost.
    const places = [];
    for (const element of elements) {
      const marker = document.createComment("");
      try {
        element.parentNode.insertBefore(marker, element);
        places.push(marker);
      } catch (e) {}
    }
    places.forEach((place, at) => {
      try {
        place.parentNode.replaceChild(elements[arranged[at]], place);
      } catch (e) {}
    });
    for (const place of places) {
      try {
        place.parentNode.removeChild(place);
      } catch (e) {}
    }
  }
  pwDomMark(container, decision.reason == "matched");
  return decision.reason == "matched";
}

// Points `link` at the step after `step` in the decided path: `data-pw-href` with every `{step}`
// replaced by the next step's id (without the attribute, the link's own href stays); after the
// last step `data-pw-done` if present, else the link is hidden. Untouched without a path
// decision (no bundle, unknown slot).
function pwDomNext(link, step, decision) {
  const steps = decision && decision.steps;
  if (!steps) return;
  const at = steps.indexOf(step);
  const next = at < 0 ? undefined : steps[at + 1];
  let href;
  if (next !== undefined && /^[\w.-]+$/.test(next)) {
    const pattern = link.getAttribute("data-pw-href");
    href = pattern == null ? null : pattern.split("{step}").join(next);
  } else {
    href = link.getAttribute("data-pw-done");
    if (href == null) {
      link.toggleAttribute("hidden", true);
      return;
    }
  }
  if (href != null) link.setAttribute("href", href);
  link.toggleAttribute("hidden", false);
}

// Anti-flicker: marks every undecided block and path under `root` as `default` (pathwise.css
// shows them then) and returns their slots.
export function pwDomReveal(root) {
  const slots = [];
  for (const element of pwDomSelect(
    root,
    "[data-pw-block]:not([data-pw-state]), [data-pw-path]:not([data-pw-state])",
  )) {
    pwDomMark(element, false);
    const slot = element.getAttribute("data-pw-block") ?? element.getAttribute("data-pw-path");
    if (slot != null) slots.push(slot);
  }
  return slots;
}

// ===== The bundle fetch (src/web/source.rs) =====
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
    const what = pwMessage(e);
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

// ===== Events (src/web/events.rs) =====
// An emitter is `{h: [[event, handler], …], q: [[event, payload], …], held}`. It starts held:
// events raised during `init` would reach nobody (the page only gets the instance when `init`
// resolves), so they are queued and delivered in a task right after `init` resolves
// (`pwEventsRelease`), in order, to the handlers registered by then. A handler that throws does
// not stop the SDK or the other handlers.
const pwEventsNames = ["ready", "error", "warning", "decision", "exposure"];

export function pwEvents() {
  return { h: [], q: [], held: true };
}

// Subscribes `handler` to `event`; returns the unsubscribe function. An unknown event throws an
// `Error` coded `invalid_argument`.
export function pwEventsOn(emitter, event, handler) {
  if (!pwEventsNames.includes(event)) {
    const error = new Error(
      "unknown event " + JSON.stringify(event) + "; the events are " + pwEventsNames.join(", "),
    );
    error.code = "invalid_argument";
    throw error;
  }
  const entry = [event, handler];
  emitter.h.push(entry);
  return () => {
    emitter.h = emitter.h.filter((e) => e != entry);
  };
}

// Delivers `payload` to `event`'s handlers (those subscribed now), or queues it while held or
// while earlier events still wait.
export function pwEventsEmit(emitter, event, payload) {
  if (emitter.held || emitter.q.length) {
    emitter.q.push([event, payload]);
    return;
  }
  for (const [name, handler] of emitter.h.filter(([name]) => name == event)) {
    try {
      handler.call(undefined, payload);
    } catch (e) {}
  }
}

// Stops holding: the queued events are delivered in a task (after the code awaiting `init`).
export function pwEventsRelease(emitter) {
  setTimeout(() => {
    emitter.held = false;
    const queued = emitter.q;
    emitter.q = [];
    for (const [event, payload] of queued) pwEventsEmit(emitter, event, payload);
  }, 0);
}

// ===== Reporting (src/web/report/transport.rs, lifecycle.rs) =====
// Sending a beacon body, the page-lifecycle moments that trigger sending, batch ids, and timers.
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

// ===== The page context (src/web/page.rs) =====
// The landing facts, read once when the SDK starts: `[referrerDomain, utm_source, utm_medium,
// utm_campaign, utm_term, utm_content, device, language]`, each a non-empty string or null.
//
// The referrer counts only from another host (compared ignoring ASCII case; hostnames are
// ASCII). Device class: a coarse primary pointer (a touch screen) with a short screen side under
// 600 CSS pixels is `mobile`, a coarse pointer on a larger screen `tablet`, a fine pointer
// (mouse, trackpad) `desktop` whatever the width, so a narrow desktop window is still a desktop;
// the short side, so rotating a phone does not make it a tablet. The breakpoint most sites use
// between phone and tablet layouts.
export function pwLanding() {
  const nonEmpty = (value) => (value ? value : null);
  let referrer = null;
  try {
    const host = document.referrer ? new URL(document.referrer).hostname : "";
    if (host && host.toLowerCase() != location.hostname.toLowerCase()) referrer = host;
  } catch (e) {}
  const params = new URLSearchParams(location.search);
  let device = null;
  try {
    device = !matchMedia("(pointer: coarse)").matches
      ? "desktop"
      : Math.min(screen.width, screen.height) < 600
        ? "mobile"
        : "tablet";
  } catch (e) {}
  return [
    referrer,
    ...["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].map((name) =>
      nonEmpty(params.get(name)),
    ),
    device,
    nonEmpty(navigator.language),
  ];
}

// The current path and query (`["/pricing", "?plan=team"]`): what counts as "another page" for a
// single-page app. Fragment-only changes are not page views.
export function pwLocation() {
  return [location.pathname, location.search];
}

// ===== Local storage (src/web/storage.rs) =====
// Every call guarded: storage that throws is never an exception for the page (the store then
// works in memory and says so).

// `localStorage` itself: throws when it cannot be used (a `SecurityError` when cookies are
// disabled, sandboxed iframes, some private modes).
export function pwStorage() {
  return localStorage;
}

// The value under `key`, or null (none, or unreadable).
export function pwStorageGet(storage, key) {
  try {
    return storage.getItem(key);
  } catch (e) {
    return null;
  }
}

// Writes `value` under `key`: null when written, else `[full, message]` (`full`: the browser
// refused for lack of space, `QuotaExceededError`; `message`: what it said).
export function pwStorageSet(storage, key, value) {
  try {
    storage.setItem(key, value);
    return null;
  } catch (e) {
    return [e instanceof DOMException && (e.name == "QuotaExceededError" || e.code == 22), pwMessage(e)];
  }
}

export function pwStorageRemove(storage, key) {
  try {
    storage.removeItem(key);
  } catch (e) {}
}

// Removes every key starting with `prefix`.
export function pwStorageErase(storage, prefix) {
  const ours = [];
  let count = 0;
  try {
    count = storage.length;
  } catch (e) {}
  for (let i = 0; i < count; i++) {
    try {
      const key = storage.key(i);
      if (key != null && key.startsWith(prefix)) ours.push(key);
    } catch (e) {}
  }
  for (const key of ours) pwStorageRemove(storage, key);
}

// ===== The page itself (src/web/runtime/mod.rs, source.rs, report/mod.rs) =====

// The page's document, or null outside a browser page (a worker, Node): `init` then rejects with
// `no_browser`.
export function pwDocument() {
  return typeof Window == "function" && globalThis instanceof Window ? document : null;
}

// The text of the element `#id` naming an inline bundle: null when the page has no element with
// that id, false when it is not a `<script type="TYPE">`.
export function pwInline(id, type) {
  const element = document.getElementById(id);
  return element && (element.getAttribute("type") == type ? element.textContent : false);
}

// The scheme (`"https:"`) of `url` resolved against the page's URL, or null when it is not a URL.
export function pwProtocol(url) {
  try {
    return new URL(url, location.href).protocol;
  } catch (e) {
    return null;
  }
}
