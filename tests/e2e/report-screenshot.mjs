// Retakes docs/screenshots/report.png from real beacons: visitors click through the demo site
// (www/, served by `pathwise serve` with a fresh database) in headless Chromium, their pages send
// exposures and conversions to /pathwise/results, and the report they produce is photographed.
//
//   node tests/e2e/report-screenshot.mjs [--visitors 60] [--out docs/screenshots/report.png]
//
// Not a test (no *.test.mjs): run it by hand after a change to the report page or the demo. The
// visitors' choices (come back, look at pricing, sign up, answer the role question) are drawn
// from a seeded generator, so a rerun produces the same report; which variant each one sees is
// the SDK's own decision, read from the page.

import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { launch } from "./lib/browser.mjs";
import { newDevice, startDemo } from "./lib/demo.mjs";
import { REPO } from "./lib/tools.mjs";

const { values } = parseArgs({
  options: {
    visitors: { type: "string", default: "60" },
    out: { type: "string", default: join(REPO, "docs", "screenshots", "report.png") },
  },
});
const VISITORS = Number(values.visitors);
const MINUTE = 60 * 1000;

/** A deterministic generator of numbers in [0, 1) per visitor. */
function chances(seed) {
  let n = 0;
  return () => {
    const digest = createHash("sha256").update(`${seed}:${n++}`).digest();
    return digest.readUInt32BE(0) / 2 ** 32;
  };
}

async function press(page, selector) {
  const target = page.locator(selector).first();
  await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await target.click();
}

async function follow(device, selector, url) {
  await press(device.page, selector);
  await device.page.waitForURL(url);
  await device.ready();
}

const heroOf = (device) => device.page.evaluate(() => window.__demo.decisions.find((d) => d.slot === "hero") ?? null);

/** One visitor's session(s) on the demo site. */
async function visit(device, base, chance) {
  const { page } = device;
  await device.open(`${base}/`);
  let hero = await heroOf(device);
  if (chance() < 0.6) {
    // Comes back twice within the hour (the demo clock moves 31 minutes each time).
    for (const offset of [31 * MINUTE, 62 * MINUTE]) {
      await page.evaluate((ms) => localStorage.setItem("ledgerly-demo:clock-offset-ms", String(ms)), offset);
      await device.open(`${base}/`);
    }
    hero = await heroOf(device);
  }
  if (chance() < 0.5) {
    await device.open(`${base}/pricing.html`);
    await device.open(`${base}/pricing.html`);
    await device.open(`${base}/`);
    const sales = await page.$('[data-pw-block="pricing"] button[data-track="demo_requested"]');
    if (chance() < (sales ? 0.45 : 0.25)) {
      await press(page, '.plan button[data-track="demo_requested"]');
      await page.waitForSelector(".plan button[data-tracked]");
    }
  }
  // Whether the visitor signs up depends a little on what the hero said.
  const signUp = { "welcome-back": 0.5, "outcome-headline": 0.42, "social-proof": 0.38 }[hero?.variant] ?? 0.34;
  if (chance() >= signUp) return;
  await device.open(`${base}/signup.html`);
  await page.fill("#signup input >> nth=0", "Visitor");
  await follow(device, '#signup button[type="submit"]', /\/onboarding\/$/);
  if (chance() < 0.3) return;
  await device.open(`${base}/onboarding/?step=role`);
  const role = ["admin", "operator", "champion"][Math.floor(chance() * 3)];
  await press(page, `[data-role="${role}"]`);
  const action = { admin: ["sso", "sso_configured"], operator: ["connect_data", "data_connected"], champion: ["invite_team", "invited_team"] }[role];
  await page.waitForFunction((step) => document.querySelector('[data-panel="role"] [data-pw-next]')?.getAttribute("href")?.includes(step), action[0]);
  if (chance() < 0.65) {
    await follow(device, '[data-panel="role"] [data-pw-next]', new RegExp(`step=${action[0]}`));
    await press(page, `[data-panel="${action[0]}"] button[data-track="${action[1]}"]`);
    await page.waitForSelector(`[data-panel="${action[0]}"] button[data-tracked]`);
  }
}

const demo = await startDemo();
const browser = await launch();
try {
  for (let i = 0; i < VISITORS; i += 1) {
    const id = createHash("md5").update(`pathwise-screenshot:${i}`).digest("hex");
    const device = await newDevice(browser, { id });
    try {
      await visit(device, demo.url, chances(id));
      await device.page.evaluate(() => window.__demo.pw?.flush());
      await device.drained();
    } finally {
      await device.close();
    }
    process.stdout.write(`\rvisitors: ${i + 1}/${VISITORS}`);
  }
  process.stdout.write("\n");

  const report = await demo.report();
  console.log(`report: ${report.batches} batches, ${report.events} events`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${demo.url}/report`);
  await page.locator("#rule-hero-returning").evaluate((el) => el.scrollIntoView({ block: "start" }));
  await page.evaluate(() => window.scrollBy(0, -6));
  await page.screenshot({ path: values.out });
  await context.close();
  console.log(`wrote ${values.out} (${statSync(values.out).size} bytes)`);
} finally {
  await browser.close();
  await demo.close();
}
