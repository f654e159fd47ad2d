// pathwise/auto.js — the no-build drop-in:
//
//   <link rel="stylesheet" href="…/pathwise/pathwise.css">
//   <script type="module" src="…/pathwise/auto.js"
//           data-site="acme.example" data-keys="ed25519:… ed25519:…" data-bundle="/bundle.dsse.json"></script>
//
// Optional: data-threshold, data-consent, data-reveal-timeout-ms, data-fetch-timeout-ms,
// data-collect (the collector URL). When ready the instance is `window.pathwise` and `document`
// receives a `pathwise:ready` event (detail: the instance); bundle errors are logged with
// console.warn, unusable options with console.error.

import { Pathwise } from "../pathwise.js";

/** The script element: module scripts have no document.currentScript. */
function ownScript() {
  for (const script of document.querySelectorAll("script[type=module][src]")) {
    if (script.src === import.meta.url) return script;
  }
  return document.querySelector('script[data-site][src*="auto.js"], script[data-site][src*="auto-sync.js"]');
}

function optionsFrom(script) {
  const data = script ? script.dataset : {};
  const options = { site: data.site, keys: (data.keys || "").split(/[\s,]+/).filter(Boolean), bundle: data.bundle };
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
