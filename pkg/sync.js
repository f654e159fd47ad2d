// pathwise/sync — the same API as the main entry, with the WebAssembly module inside the module
// graph (pathwise_bg.inline.js, base64) and compiled synchronously when this module runs.
//
// Why: the main entry fetches pathwise_bg.wasm and instantiates it asynchronously, so a page
// always paints at least once before the SDK has decided (the anti-flicker rule hides the
// undecided blocks meanwhile). A page that wants its blocks personalized in the very first paint
// loads this entry from a render-blocking module script:
//
//   <script type="module" blocking="render" src="…/pathwise/auto-sync.js" data-site=… …></script>
//
// The browser does not paint until the module graph (including the wasm bytes) has arrived and
// started; the module is then compiled and instantiated synchronously, and with an inline or
// stored bundle `Pathwise.init` verifies, decides and applies in the same task (its remaining
// steps are microtasks), so the first paint already shows the chosen variants. A bundle fetched
// from a URL still arrives later. The price: base64 is about 30 % more bytes than the binary
// module over gzip, and the page's first paint waits for the download — use it where flicker
// matters more than the first paint's timing.

import { initSync } from "./pathwise.js";
import inlineModule from "./pathwise_bg.inline.js";

function decode(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

initSync({ module: decode(inlineModule) });

export * from "./index.js";
