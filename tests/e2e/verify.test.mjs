// Who verifies the bundle in a page: the browser's own Ed25519 (WebCrypto) where it has one, and
// the package's fallback verifier (verifier.js, Ed25519 in JavaScript) only where it has none —
// an older browser, or a page without `crypto.subtle` (not a secure origin). Either way the same
// bundles are accepted and the same tampered ones refused, and the fallback is downloaded only
// when it is used.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openPage } from "./lib/browser.mjs";
import { eventsOf, runtimeWorld } from "./lib/runtime.mjs";
import { tamper } from "./lib/tools.mjs";

let w;
before(async () => {
  w = await runtimeWorld();
});
after(() => w?.teardown());

// What the page's browser lacks, set up before any of its scripts runs.
const WITHOUT_ED25519 = () => {
  const importKey = SubtleCrypto.prototype.importKey;
  SubtleCrypto.prototype.importKey = function (format, data, algorithm, ...rest) {
    if ((algorithm?.name ?? algorithm) == "Ed25519") return Promise.reject(new DOMException("Ed25519", "NotSupportedError"));
    return importKey.call(this, format, data, algorithm, ...rest);
  };
};
const WITHOUT_SUBTLE = () => {
  Object.defineProperty(Crypto.prototype, "subtle", { get: () => undefined });
};

/** Starts the runtime bundle on a fresh device whose browser lacks `lacking` (or nothing). */
async function start(lacking, bundle = w.signed(1)) {
  const { context, page } = await openPage(w.h.browser);
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  if (lacking) await page.addInitScript(lacking);
  await page.goto(`${w.h.server.url}/runtime.html`);
  await page.waitForFunction(() => window.rt !== undefined);
  const version = await page.evaluate((o) => window.rt.start(o), { site: w.site, keys: [w.key], bundle });
  return { context, page, version, fallback: () => requested.some((p) => p.endsWith("/verifier.js")) };
}

test("with the browser's Ed25519 the bundle is verified and the fallback verifier is never downloaded", async () => {
  const { context, page, version, fallback } = await start(null);
  try {
    assert.equal(version, 1);
    assert.equal(await page.evaluate(() => typeof crypto.subtle.importKey), "function");
    assert.equal(fallback(), false, "verifier.js was not requested");
  } finally {
    await context.close();
  }
});

for (const [what, lacking] of [["no Ed25519 in WebCrypto", WITHOUT_ED25519], ["no crypto.subtle at all", WITHOUT_SUBTLE]]) {
  test(`with ${what} the fallback verifier is downloaded and verifies the same bundle`, async () => {
    const { context, page, version, fallback } = await start(lacking);
    try {
      assert.equal(version, 1);
      assert.equal(fallback(), true, "verifier.js was requested");
      assert.deepEqual(await eventsOf(page, "error"), []);
      assert.equal(await page.evaluate(() => window.rt.pw.peek("hero").variant), "default");
    } finally {
      await context.close();
    }
  });

  test(`with ${what} a tampered bundle is refused as by the browser's own verifier`, async () => {
    const { context, page, version } = await start(lacking, tamper(w.signed(1)));
    try {
      assert.equal(version, null);
      const codes = (await eventsOf(page, "error")).map((e) => e.code);
      assert.ok(codes.includes("signature_threshold_not_met") || codes.includes("program_malformed"), codes.join(", "));
    } finally {
      await context.close();
    }
  });
}
