// Boot script for pages loaded with `<script type="module" blocking="render">`: pathwise/sync is
// imported statically, so the wasm bytes are part of this module graph and the browser does not
// paint before the SDK has started (see pkg/sync.js). boot-page.js does the rest.
import * as sync from "/pkg/sync.js";
import { boot } from "./boot-page.js";

boot(async () => sync);
