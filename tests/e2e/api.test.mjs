// The JavaScript API as a page's own code uses it: decisions and reasons identical to the native
// `pathwise explain` (what a debug panel shows is what the CLI says), misuse answered with Error
// objects carrying a stable `code`, and unusable options that still leave a readable page.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isShown, openPage } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";
import { SITE, pathwise } from "./lib/tools.mjs";

let h;
let envelopeFile;
before(async () => {
  h = await setup();
  const envelope = h.signed(1);
  envelopeFile = join(h.tmp, "api.signed.json");
  writeFileSync(envelopeFile, envelope);
  h.server.serve("/bundle.json", envelope);
});
after(() => h?.teardown());

const SLOTS = ["hero", "headline", "pricing_help", "onboarding"];

test("explain() of pathwise/debug in the page says exactly what `pathwise explain --json` says for the same device", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    const inPage = await page.evaluate(async (slots) => {
      const { explain } = await import("/pkg/debug.js");
      const pw = window.__pw.pw;
      pw.set("role", "admin");
      const out = {};
      for (const slot of slots) out[slot] = await explain(pw, slot);
      return out;
    }, SLOTS);
    // The same device for the CLI: the signed envelope, verified; the page's path; the answer.
    const scenario = join(h.tmp, "device.json");
    writeFileSync(scenario, JSON.stringify({
      unit: "e2e-device",
      now: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      page: { path: "/blocks.html" },
      actions: [{ at: new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, "Z"), set: { role: "admin" } }],
    }));
    const native = JSON.parse(pathwise([
      "explain", envelopeFile, "--key", h.key.publicKey, "--site", SITE,
      "--scenario", scenario, "--json", ...SLOTS.flatMap((s) => ["--slot", s]),
    ]));
    assert.deepStrictEqual(inPage, native);
    assert.equal(inPage.onboarding.decision.variant, "admin-path", "the answer counts in explain()");
  } finally {
    await context.close();
  }
});

test("decide() and peek() return the Decision the page shows", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    const got = await page.evaluate(() => ({
      peek: window.__pw.pw.peek("hero"),
      decide: window.__pw.pw.decide("hero"),
      pricing: window.__pw.pw.peek("pricing_help"),
    }));
    assert.deepEqual(got.decide, got.peek);
    assert.equal(got.decide.slot, "hero");
    assert.equal(got.decide.variant, "welcome");
    assert.equal(got.decide.rule, "hero-everyone");
    assert.equal(got.decide.control, false);
    assert.equal(got.decide.reason, "matched");
    assert.equal(got.pricing.variant, "default");
    assert.equal(got.pricing.reason, "no_rule");
  } finally {
    await context.close();
  }
});

test("misuse throws real Errors with a stable code, and the SDK keeps working", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    const results = await page.evaluate(() => {
      const pw = window.__pw.pw;
      const attempt = (f) => {
        try {
          f();
          return "no error";
        } catch (e) {
          return { isError: e instanceof Error, code: e.code, message: e.message };
        }
      };
      return {
        unknownSlot: attempt(() => pw.decide("no_such_slot")),
        undeclaredEvent: attempt(() => pw.track("no_such_event")),
        undeclaredAttribute: attempt(() => pw.set("no_such_attribute", "x")),
        after: pw.path("onboarding"),
      };
    });
    assert.equal(results.unknownSlot.isError, true);
    assert.equal(results.unknownSlot.code, "unknown_slot");
    assert.equal(results.undeclaredEvent.isError, true);
    assert.equal(results.undeclaredEvent.code, "undeclared_signal");
    assert.equal(results.undeclaredAttribute.code, "undeclared_signal");
    for (const r of Object.values(results).slice(0, 3)) assert.ok(r.message, "each error says what is wrong");
    assert.deepEqual(results.after, ["welcome", "connect", "role", "done"]);
  } finally {
    await context.close();
  }
});

test("unusable options (no site) reject init with invalid_options, and the page still shows its defaults", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?site=`);
    await page.waitForFunction(() => window.__pw.initError !== null, null, { timeout: 5000 });
    const initError = await page.evaluate(() => window.__pw.initError);
    assert.equal(initError.isError, true);
    assert.equal(initError.code, "invalid_options");
    await page.waitForSelector('#hero[data-pw-state="default"]', { timeout: 2000 });
    assert.equal(await isShown(page, "#hero"), true);
    assert.equal((await page.textContent("#hero h1")).trim(), "Default hero");
    assert.equal(await isShown(page, "#steps"), true);
  } finally {
    await context.close();
  }
});
