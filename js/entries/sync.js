// pathwise/sync — the page entry with the module compiled when this file is evaluated, so that
// a render-blocking module script
//
//   <script type="module" blocking="render" src="…/pathwise/auto-sync.js" data-site=… …></script>
//
// has the SDK running before the first paint: with an inline or stored bundle, `Pathwise.init`
// verifies, decides and draws within the task that calls it, and the first paint shows the
// chosen variants. (The main entry compiles the same module at the first `init`.)

import { initSync } from "../core.js";

initSync();

export * from "./index.js";
