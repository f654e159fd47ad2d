// `make bench`: the Ed25519 verification of a typical envelope (N = 10, 100) in headless
// Chromium, three ways (verify-cases.mjs): the browser's WebCrypto, pathwise/sync's module
// (verify_strict in wasm) and pkg/verifier.js's JavaScript fallback, all in one page. The page is
// cross-origin isolated (COOP + COEP), which gives performance.now() its finer resolution.
// Informational: no target. Writes JSON for table.mjs.
//
//   node bench/verify-browser.mjs [--samples 21] [--out FILE]

import { writeFileSync } from "node:fs";
import { launch } from "../tests/e2e/lib/browser.mjs";
import { flags, NOW_MS } from "./lib.mjs";
import { startServer } from "./race-server.mjs";
import { verifyInputs } from "./verify-input.mjs";

const args = flags();
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Ed25519 verification</title>
<link rel="icon" href="data:,">
<script type="module">
import { initSync } from "/pkg/sync.js";
import { verified } from "/pkg/verifier.js";
import { checkWasm, fromBase64, measure, verifiers } from "/bench/verify-cases.mjs";

window.runVerify = async (input, { nowSec, samples }) => {
  const exports = initSync();
  const c = { site: input.site };
  for (const k of ["payload", "sig", "key", "otherKey"]) c[k] = fromBase64(input[k]);
  checkWasm(exports, c, nowSec);
  return measure(verifiers(c, { exports, verified, subtle: crypto.subtle, nowSec }), { samples });
};
window.verifyReady = true;
</script>
`;

const server = await startServer();
server.page("/verify/", PAGE, { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" });
const browser = await launch();
const out = { where: `Chromium ${browser.version()}`, cases: [] };
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}/verify/`);
  await page.waitForFunction(() => window.verifyReady, null, { timeout: 10000 }).catch(() => {
    throw new Error(`verify page did not load: ${errors.join("; ")}`);
  });
  out.crossOriginIsolated = await page.evaluate(() => crossOriginIsolated);
  for (const input of verifyInputs()) {
    const results = await page.evaluate(([i, o]) => window.runVerify(i, o), [input, { nowSec: Math.floor(NOW_MS / 1000), samples: Number(args.samples ?? 21) }]);
    out.cases.push({ n: input.n, payloadBytes: input.payloadBytes, results });
    process.stderr.write(`bench verify (chromium): N=${input.n}: ${JSON.stringify(results)}\n`);
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
if (args.out) writeFileSync(args.out, JSON.stringify(out, null, 1) + "\n");
else console.log(JSON.stringify(out, null, 1));
