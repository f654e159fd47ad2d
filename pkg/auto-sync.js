// pathwise/auto-sync.js — the no-build drop-in (auto.js, same data- attributes) on the
// synchronous entry (sync.js). Load it render-blocking to personalize the first paint:
//
//   <script type="module" blocking="render" src="…/pathwise/auto-sync.js"
//           data-site="acme.example" data-keys="ed25519:…" data-bundle="#pw-bundle"></script>
//
// sync.js comes first in the module graph, so the module is instantiated before auto.js runs.

import "./sync.js";
export { ready } from "./auto.js";
