// pathwise/auto.js — the no-build drop-in. Add to a page:
//
//   <link rel="stylesheet" href="…/pathwise/pathwise.css">
//   <script type="module" src="…/pathwise/auto.js"
//           data-site="acme.example" data-keys="ed25519:… ed25519:…"
//           data-bundle="/bundle.dsse.json"></script>
//
// Optional: data-threshold, data-consent ("granted" | "pending" | "denied"),
// data-reveal-timeout-ms, data-fetch-timeout-ms, data-collect (the collector URL).
//
// It starts the SDK and applies the page. When ready, the instance is `window.pathwise` and a
// `pathwise:ready` event (detail: the instance) is dispatched on `document`; errors from the
// bundle are logged with console.warn. Module scripts have no document.currentScript, so the
// script element is found by its URL (import.meta.url), or else as the script with data-site
// whose src ends in auto.js.

import { Pathwise } from "./index.js";

function ownScript() {
  const scripts = document.querySelectorAll("script[type=module][src]");
  for (const script of scripts) {
    if (script.src === import.meta.url) return script;
  }
  return document.querySelector('script[data-site][src*="auto.js"], script[data-site][src*="auto-sync.js"]');
}

function optionsFrom(script) {
  const data = script ? script.dataset : {};
  const options = {
    site: data.site,
    keys: (data.keys || "").split(/[\s,]+/).filter(Boolean),
    bundle: data.bundle,
  };
  if (data.threshold) options.threshold = Number(data.threshold);
  if (data.consent) options.consent = data.consent;
  if (data.revealTimeoutMs) options.revealTimeoutMs = Number(data.revealTimeoutMs);
  if (data.fetchTimeoutMs) options.fetchTimeoutMs = Number(data.fetchTimeoutMs);
  if (data.collect) options.collect = { url: data.collect };
  return options;
}

/** Resolves with the instance, or with null when the options are unusable (logged). */
export const ready = Pathwise.init(optionsFrom(ownScript())).then(
  (pathwise) => {
    pathwise.on("error", (error) => console.warn("pathwise:", error.code, error.message));
    globalThis.pathwise = pathwise;
    document.dispatchEvent(new CustomEvent("pathwise:ready", { detail: pathwise }));
    return pathwise;
  },
  (error) => {
    console.error("pathwise:", error && error.code, error);
    return null;
  },
);
