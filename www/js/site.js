// Every page of the demo loads this module. It starts Pathwise with the key and site the server
// wrote into the page, the bundle inlined in the page (zero round-trips) and the demo's fake
// clock; then it wires the page's `data-track` buttons and, with `?pathwise-debug`, the debug
// panel.
//
// Page scripts import `ready` (resolves with the Pathwise instance, or null when the SDK could
// not start: the page then keeps its default content and still works).

import { demoNow } from "./clock.js";
import { debugRequested } from "./debug-flag.js";

/** The slots of the demo bundle, in the order the debug panel lists them. */
export const SLOTS = ["hero", "pricing", "help", "reengage", "onboarding"];

/**
 * QA previews picked in the debug panel (slot → variant), kept for this tab so they follow the
 * tester across pages. The demo keeps them; the SDK never stores or reports a preview.
 */
export const PREVIEWS_KEY = "ledgerly-demo:previews";
// The app's own memory of what this browser did and answered, for its own UI (the onboarding
// summary, the chosen role): Pathwise keeps these for its decisions, and what it keeps is for
// the SDK's debug entry to read, not for a page's rendering. Cleared with "Forget everything".
export const DONE_KEY = "ledgerly-demo:done";
export const ROLE_KEY = "ledgerly-demo:role";

/** A value this app stored under `key`, or `fallback`. */
export function recalled(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

/** Stores `value` under `key` for this app. */
export function remember(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // A full or blocked storage: the UI forgets, the SDK still knows.
  }
}

export function storedPreviews() {
  try {
    const previews = JSON.parse(window.sessionStorage.getItem(PREVIEWS_KEY) || "{}");
    return previews && typeof previews === "object" ? previews : {};
  } catch {
    return {};
  }
}

/** What happened while starting, for the debug panel. */
export const log = { errors: [], warnings: [], explained: new Map(), loadFailure: null };

function meta(name) {
  const el = document.querySelector(`meta[name="${name}"]`);
  return el ? el.getAttribute("content") || "" : "";
}

/** Slots that this page shows (blocks, paths and next links). */
export function pageSlots() {
  const found = new Set();
  for (const el of document.querySelectorAll("[data-pw-block]")) found.add(el.getAttribute("data-pw-block"));
  for (const el of document.querySelectorAll("[data-pw-path]")) found.add(el.getAttribute("data-pw-path"));
  for (const el of document.querySelectorAll("[data-pw-next]")) found.add((el.getAttribute("data-pw-next") || "").split(":")[0]);
  return found;
}

function describeError(e) {
  if (e && typeof e === "object") return { code: e.code || e.name || "error", message: e.message || String(e) };
  return { code: "error", message: String(e) };
}

async function start() {
  let Pathwise;
  try {
    ({ Pathwise } = await import("/pkg/index.js"));
  } catch (e) {
    // The package is missing or broken: the anti-flicker CSS reveals the defaults by itself.
    log.loadFailure = describeError(e);
    return null;
  }
  let pw;
  try {
    pw = await Pathwise.init({
      site: meta("pathwise-site"),
      keys: [meta("pathwise-key")],
      bundle: "#pw-bundle",
      collect: { url: "/pathwise/results" },
      now: demoNow,
      // QA: the debug panel's previews, and `?pathwise-preview=slot:variant,…` links.
      overrides: storedPreviews(),
      allowPreview: true,
    });
  } catch (e) {
    // Unusable options (e.g. the page was served without `pathwise serve`, so the placeholders
    // were not replaced). The SDK has revealed the defaults.
    log.errors.push(describeError(e));
    return null;
  }
  // Events raised during init are delivered right after it resolves, to handlers added now.
  pw.on("error", (e) => log.errors.push(describeError(e)));
  pw.on("warning", (w) => log.warnings.push(describeError(w)));

  // For the debug panel, the reasons behind this page's decisions as they were made, before the
  // page-view tracking below (which takes effect at once and would change the answers): a copy of
  // the instance's inputs now, explained by pathwise/debug (downloaded only when the panel is
  // asked for) once it has arrived. explain() records nothing.
  if (debugRequested()) {
    const inputs = pw[Symbol.for("pathwise.debug")]();
    log.explaining = import("/pkg/debug.js").then(async ({ explain }) => {
      for (const slot of SLOTS) {
        try {
          log.explained.set(slot, await explain(inputs, slot));
        } catch (e) {
          log.explained.set(slot, { error: describeError(e) });
        }
      }
    });
  }

  // Page-view events declared by the page (e.g. pricing.html: pricing_viewed).
  for (const name of (document.body.getAttribute("data-track-view") || "").split(/\s+/)) {
    if (name) safeTrack(pw, name);
  }
  return pw;
}

function safeTrack(pw, name) {
  try {
    pw.track(name);
    return true;
  } catch (e) {
    log.errors.push(describeError(e));
    return false;
  }
}

/** Resolves with the Pathwise instance, or null if it could not start. */
export const ready = start();

// --- toasts -------------------------------------------------------------------------------------

let region;
/** Shows a short message at the bottom of the page. `parts` are strings, or `{code: "…"}`. */
export function toast(...parts) {
  if (!region) {
    region = document.createElement("div");
    region.className = "toast-region";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  const t = document.createElement("div");
  t.className = "toast";
  for (const part of parts) {
    if (typeof part === "string") {
      t.append(part);
    } else {
      const code = document.createElement("code");
      code.textContent = part.code;
      t.append(code);
    }
  }
  region.append(t);
  setTimeout(() => t.remove(), 3500);
}

// --- data-track buttons -------------------------------------------------------------------------

/** Tracks `name` and flushes the beacon queue; returns whether it was recorded. */
export async function track(name) {
  const pw = await ready;
  if (!pw) return false;
  const ok = safeTrack(pw, name);
  if (ok) remember(DONE_KEY, [...new Set([...recalled(DONE_KEY, []), name])]);
  if (ok) {
    try {
      pw.flush();
    } catch {
      // Reporting is best effort; the SDK retries on its own.
    }
  }
  return ok;
}

// Buttons that only pretend to do something (nothing the bundle measures).
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-local-done]") : null;
  if (!target) return;
  target.setAttribute("data-tracked", "");
  target.textContent = target.getAttribute("data-local-done");
});

document.addEventListener("click", async (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-track]") : null;
  if (!target) return;
  const name = target.getAttribute("data-track");
  const href = target instanceof HTMLAnchorElement ? target.getAttribute("href") : null;
  if (href) event.preventDefault();
  const ok = await track(name);
  target.setAttribute("data-tracked", "");
  const done = target.getAttribute("data-done-label");
  if (done) target.textContent = done;
  if (href) {
    window.location.assign(href);
    return;
  }
  toast(ok ? "Tracked " : "Could not track ", { code: name }, ok ? " — stored only in this browser." : " (the SDK is not running).");
});

// --- navigation state ---------------------------------------------------------------------------

for (const a of document.querySelectorAll(".nav a, .sidebar nav a")) {
  if (a.getAttribute("href") === window.location.pathname) a.setAttribute("aria-current", "page");
}

// --- the debug panel ----------------------------------------------------------------------------

if (debugRequested()) {
  ready.then(async (pw) => {
    // Let the events queued during init arrive first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const { mountDebugPanel } = await import("./debug.js");
    mountDebugPanel(pw, log);
  });
}
