// pathwise/engine — `PathwiseEngine` for servers, edge workers, Node and benchmarks. Its own
// module (the page's runtime left out), carried inside this file like the page entry's.

export { PathwiseEngine } from "../engine.js";
export { initSync, load } from "../core.js";

/** The version of this SDK. */
export function version() {
  return PATHWISE_VERSION;
}
