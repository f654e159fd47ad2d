// What a visitor sees: blocks swapped from a template and from text, paths shown, hidden and
// ordered with working "next" links, the anti-flicker rule (with and without JavaScript),
// single-page-app navigation, and the no-build drop-in. Real pages in headless Chromium.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { isShown, linkTarget, openPage, pwLog, visibleSteps } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";

let h;
before(async () => {
  h = await setup();
  h.server.serve("/bundle.json", h.signed(1));
});
after(() => h?.teardown());

async function openApplied(url) {
  const { context, page } = await openPage(h.browser);
  await page.goto(`${h.server.url}${url}`);
  await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
  return { context, page };
}

test("a template variant replaces the block's content, shown at once", async () => {
  const { context, page } = await openApplied("/blocks.html");
  try {
    assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
    assert.equal(await page.textContent("#hero .from-template"), "Picked for you, in this browser.");
    assert.ok(!(await page.textContent("#hero")).includes("Default hero"), "the default content is gone");
    assert.equal(await isShown(page, "#hero"), true, "the decided block is revealed");
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});

test("a text variant sets only text: markup in the bundle is shown literally, never run", async () => {
  const { context, page } = await openApplied("/blocks.html");
  try {
    await page.waitForSelector('#headline[data-pw-state="applied"]');
    assert.equal(await page.textContent("#headline h2"), "Headline from v1");
    assert.equal(await page.textContent("#headline .note"), '<img src=x onerror="window.__injected=1"> stays text');
    assert.equal(await page.$$eval("#headline img", (imgs) => imgs.length), 0, "no element was created from the bundle");
    assert.equal(await page.evaluate(() => window.__injected), undefined, "no script from the bundle ran");
    assert.equal(await isShown(page, "#headline"), true);
  } finally {
    await context.close();
  }
});

test("a path shows its steps in the decided order, hides the others, and points next links at the next step", async () => {
  const { context, page } = await openApplied("/blocks.html");
  try {
    await page.waitForSelector('#steps[data-pw-state="applied"]');
    assert.deepEqual(await visibleSteps(page), ["welcome", "connect", "role", "done"]);
    assert.deepEqual(await page.$$eval("#steps > [hidden]", (els) => els.map((e) => e.dataset.pwStep)), ["invite", "sso"]);
    assert.equal(await linkTarget(page, "#next-welcome"), "/onboarding/connect");
    assert.equal(await linkTarget(page, "#next-role"), "/onboarding/done");
    assert.equal(await linkTarget(page, "#next-done"), "/dashboard", "the last step's link goes to data-pw-done");
    assert.equal(await linkTarget(page, "#next-done-bare"), "hidden", "without data-pw-done the last link is hidden");

    // For apps that route themselves.
    const api = await page.evaluate(() => {
      const pw = window.__pw.pw;
      return { path: pw.path("onboarding"), next: pw.next("onboarding", "connect"), last: pw.next("onboarding", "done") };
    });
    assert.deepEqual(api, { path: ["welcome", "connect", "role", "done"], next: "role", last: null });

    // Answering the role question changes the remaining steps and the links at once, in the
    // same page view; a block whose decision does not change is not drawn again.
    const headline = await page.evaluateHandle(() => document.querySelector("#headline h2"));
    await page.evaluate(() => window.__pw.pw.set("role", "admin"));
    assert.deepEqual(await visibleSteps(page), ["welcome", "role", "sso", "invite", "done"]);
    assert.equal(await linkTarget(page, "#next-role"), "/onboarding/sso");
    assert.equal(await linkTarget(page, "#next-welcome"), "/onboarding/role");
    assert.equal(await page.evaluate((h2) => h2.isConnected, headline), true, "the headline was left alone");
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});

test("anti-flicker: while the bundle request hangs the block stays hidden, then shows its default after the timeout", async () => {
  h.server.hang("/hang.json");
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?bundle=/hang.json&timeout=300`, { waitUntil: "domcontentloaded" });
    const early = await page.evaluate(() => window.__early);
    assert.equal(early.hero.shown, false, "an undecided block is hidden at first paint (pathwise.css)");
    assert.equal(early.onboarding.shown, false, "an undecided path is hidden at first paint");

    await page.waitForSelector('#hero[data-pw-state="default"]', { timeout: 3000 });
    assert.equal(await isShown(page, "#hero"), true, "revealed after the timeout");
    assert.equal((await page.textContent("#hero h1")).trim(), "Default hero", "with the page's default content");
    await page.waitForSelector('#steps[data-pw-state="default"]', { timeout: 3000 });
    assert.equal(await isShown(page, "#steps"), true);
    assert.equal((await pwLog(page)).some((e) => e.type === "init-rejected"), false);
    await page.click("#own");
    assert.equal(await page.textContent("#own-count"), "1", "the page's own script still works");
  } finally {
    await context.close();
    h.server.unroute("/hang.json");
  }
});

test("anti-flicker without JavaScript: when the SDK never loads, the CSS alone reveals the defaults", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/nojs.html`, { waitUntil: "domcontentloaded" });
    const early = await page.evaluate(() => window.__early);
    assert.equal(early.hero.shown, false, "hidden at first paint");
    await page.waitForFunction(
      () => document.getElementById("hero").checkVisibility({ visibilityProperty: true, opacityProperty: true }),
      null, { timeout: 3000 });
    const shownAfter = await page.evaluate(() => performance.now());
    assert.equal(await isShown(page, "#steps"), true, "the path is revealed too");
    assert.equal(await page.getAttribute("#hero", "data-pw-state"), null, "no script touched the page");
    assert.equal((await page.textContent("#hero h1")).trim(), "Default hero");
    assert.ok(shownAfter < 3000, `revealed ${Math.round(shownAfter)} ms after navigation start`);
  } finally {
    await context.close();
  }
});

test("single-page app: pushState to /pricing counts as a page view and applies the page-triggered block", async () => {
  const { context, page } = await openApplied("/blocks.html");
  try {
    await page.waitForSelector("#pricing-help[data-pw-state]");
    assert.equal(await page.$("#pricing-help .sales"), null, "not on /pricing yet: the default shows");
    assert.equal((await page.textContent("#pricing-help .faq")).trim(), "Questions? Read the FAQ.");

    await page.evaluate(() => history.pushState({}, "", "/pricing"));
    await page.waitForSelector("#pricing-help .sales", { timeout: 3000 });
    assert.equal(await page.textContent("#pricing-help .sales"), "Talk to sales");
    assert.equal(await page.getAttribute("#pricing-help", "data-pw-state"), "applied");
    assert.equal(await isShown(page, "#pricing-help"), true);
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});

test("the drop-in auto.js applies a page by itself from its data- attributes", async () => {
  h.server.vars.bundleUrl = "/bundle.json";
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/auto.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
    await page.waitForSelector('#headline[data-pw-state="applied"]');
    assert.equal(await page.textContent("#headline h2"), "Headline from v1");
    await page.waitForSelector('#steps[data-pw-state="applied"]');
    assert.deepEqual(await visibleSteps(page), ["welcome", "connect", "role", "done"]);
    assert.equal(await linkTarget(page, "#next-welcome"), "/onboarding/connect");
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});
