// QA previews in the demo (docs/previews.md), under the real `pathwise serve`: the debug panel
// (www/js/debug.js) offers a variant per slot and a way back to the rules; `?pathwise-preview=`
// links work because the demo sets `allowPreview: true`. A preview redraws the page at once,
// follows the tester to the next page of the tab, is explained with reason `override`, and is
// never recorded (no exposure, no render for frequency caps) nor reported to the collector.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launch } from "./lib/browser.mjs";
import { newDevice, startDemo } from "./lib/demo.mjs";

let demo;
let browser;
before(async () => {
  demo = await startDemo();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await demo?.close();
});

/** The hero block's state and whether it shows the welcome-back template ("Good to see you again"). */
const hero = (page) =>
  page.$eval("[data-pw-block='hero']", (el) => ({ state: el.dataset.pwState, welcomeBack: /Good to see you again/.test(el.textContent) }));
/** The panel's card for `slot`: its decision attributes and the picker's value. */
const card = (page, slot) =>
  page.$eval(`#pathwise-debug .pwd-slot[data-slot='${slot}']`, (el) => ({
    variant: el.dataset.variant,
    reason: el.dataset.reason,
    picked: el.querySelector("select[data-preview-slot]")?.value,
    offered: [...el.querySelectorAll("select[data-preview-slot] option")].map((o) => o.value),
  }));

test("the debug panel previews a variant per slot, across the tab's pages, and clears it; nothing is recorded or reported", async () => {
  const device = await newDevice(browser);
  const { page } = device;
  try {
    await device.open(`${demo.url}/?pathwise-debug`);
    await page.waitForSelector("#pathwise-debug .pwd-slot[data-slot='hero'] select[data-preview-slot]");
    // A first visit is never "returning": the rules cannot show welcome-back.
    const natural = await card(page, "hero");
    assert.notEqual(natural.variant, "welcome-back");
    assert.equal(natural.picked, "");
    assert.deepEqual(natural.offered, ["", "default", "welcome-back", "outcome-headline", "social-proof"]);
    assert.equal((await hero(page)).welcomeBack, false);

    await page.selectOption("#pathwise-debug select[data-preview-slot='hero']", "welcome-back");
    await page.waitForFunction(() => /Good to see you again/.test(document.querySelector("[data-pw-block='hero']").textContent));
    await page.waitForSelector("#pathwise-debug .pwd-slot[data-slot='hero'][data-reason='override']");
    assert.deepEqual(await card(page, "hero"), { ...natural, variant: "welcome-back", reason: "override", picked: "welcome-back" });
    assert.deepEqual(await page.evaluate(() => window.__demo.pw.assignments().hero), { rule: null, variant: "welcome-back", control: false, reason: "override" });

    // The next page of the tab keeps the preview (the demo passes it as `overrides`).
    await device.open(`${demo.url}/pricing.html`);
    await device.open(`${demo.url}/`);
    await page.waitForSelector("[data-pw-block='hero'][data-pw-state='applied']");
    assert.equal((await hero(page)).welcomeBack, true);
    await page.waitForSelector("#pathwise-debug .pwd-slot[data-slot='hero'][data-reason='override']");

    // Cleared: the rules decide again, here and on the next page.
    await page.click("#pathwise-debug button[data-action='clear-previews']");
    await page.waitForFunction(() => !/Good to see you again/.test(document.querySelector("[data-pw-block='hero']").textContent));
    await page.waitForSelector("#pathwise-debug .pwd-slot[data-slot='hero']:not([data-reason='override'])");
    assert.equal((await card(page, "hero")).picked, "");
    await device.open(`${demo.url}/`);
    assert.equal((await hero(page)).welcomeBack, false);

    // Never recorded: no exposure of the preview, no render of hero-returning; never reported.
    assert.deepEqual(device.exposures().filter((e) => e.variant === "welcome-back"), []);
    const renders = await page.evaluate(async () => (await (await import("/pkg/debug.js")).signals(window.__demo.pw)).renders);
    assert.ok(!JSON.stringify(renders).includes("hero-returning"), JSON.stringify(renders));
    await page.evaluate(() => window.__demo.pw.flush());
    await page.waitForTimeout(300);
    const report = await demo.report();
    const welcomeBack = report.rules.find((r) => r.rule === "hero-returning")?.arms.find((a) => a.variant === "welcome-back");
    assert.equal(welcomeBack?.exposures ?? 0, 0);
    assert.deepEqual(page.problems(), []);
  } finally {
    await device.close();
  }
});

test("?pathwise-preview=slot:variant,… previews on a site that allows it (the demo does)", async () => {
  const device = await newDevice(browser);
  const { page } = device;
  try {
    await device.open(`${demo.url}/?pathwise-preview=hero:welcome-back,pricing:talk-to-sales&pathwise-debug`);
    await page.waitForSelector("[data-pw-block='hero'][data-pw-state='applied']");
    assert.equal((await hero(page)).welcomeBack, true);
    const assignments = await page.evaluate(() => window.__demo.pw.assignments());
    assert.equal(assignments.hero.reason, "override");
    assert.equal(assignments.pricing.reason, "override");
    await page.waitForSelector("#pathwise-debug .pwd-slot[data-slot='hero'][data-reason='override']");
    assert.equal((await card(page, "hero")).picked, "welcome-back");
    assert.deepEqual(device.exposures().filter((e) => e.slot === "hero" || e.slot === "pricing"), []);
    assert.deepEqual(page.problems(), []);
  } finally {
    await device.close();
  }
});
