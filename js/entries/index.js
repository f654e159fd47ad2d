// pathwise — the page entry: `Pathwise` (docs/js-api.md). One file: the WebAssembly module rides
// inside it (see core.js), so a page that imports "pathwise" makes one request for it.

export { Pathwise } from "../pathwise.js";
export { initSync, load } from "../core.js";

/** The version of this SDK. */
export function version() {
  return PATHWISE_VERSION;
}
