// pathwise/auto-sync.js — auto.js on the synchronous start (sync.js): load it render-blocking to
// personalize the first paint.

import "./sync.js";
export { ready } from "./auto.js";
