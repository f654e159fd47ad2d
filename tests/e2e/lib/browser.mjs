// Headless Chromium for the tests: Debian's /usr/bin/chromium (or $CHROMIUM) driven by
// playwright-core, which never downloads a browser of its own.

import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function chromiumPath() {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error("no Chromium found: install Debian's chromium (make setup) or set CHROMIUM");
  return found;
}

/** Launches headless Chromium. Each `newContext()` is a fresh profile (empty storage). */
export function launch() {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/**
 * A new page in a new context, recording what a developer would see in the console: messages,
 * uncaught page errors and failed requests. `page.problems()` lists console errors and page errors.
 */
export async function openPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const consoleMessages = [];
  const pageErrors = [];
  page.on("console", (msg) => consoleMessages.push({ type: msg.type(), text: msg.text() }));
  page.on("pageerror", (err) => pageErrors.push(String(err?.stack ?? err)));
  page.consoleMessages = consoleMessages;
  page.pageErrors = pageErrors;
  page.problems = () => [
    ...consoleMessages.filter((m) => m.type === "error").map((m) => `console.error: ${m.text}`),
    ...pageErrors.map((e) => `page error: ${e}`),
  ];
  return { context, page };
}

/** Whether `selector`'s element is rendered visibly (not display:none, visibility:hidden, opacity 0). */
export function isShown(page, selector) {
  return page.$eval(selector, (el) =>
    el.checkVisibility({ visibilityProperty: true, opacityProperty: true }));
}

/** The page's log of SDK events and results, as recorded by pages/boot.js. */
export function pwLog(page) {
  return page.evaluate(() => window.__pw && JSON.parse(JSON.stringify(window.__pw.log)));
}

/** Waits until pages/boot.js logged an event of `type` (optionally with `code`); returns it. */
export async function waitForLog(page, type, { code, timeout = 5000 } = {}) {
  const handle = await page.waitForFunction(
    ({ type, code }) => window.__pw?.log.find((e) => e.type === type && (code === undefined || e.code === code)),
    { type, code },
    { timeout },
  );
  return handle.jsonValue();
}

/** The ids of the path steps a visitor sees under `list`, in on-screen order. */
export function visibleSteps(page, list = "#steps") {
  return page.$$eval(`${list} > [data-pw-step]`, (items) => items
    .filter((li) => !li.hidden && li.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
    .map((li) => li.getAttribute("data-pw-step")));
}

/** The `href` of a link, or "hidden" when the visitor cannot see it. */
export function linkTarget(page, selector) {
  return page.$eval(selector, (a) =>
    a.hidden || !a.checkVisibility() ? "hidden" : a.getAttribute("href"));
}

/**
 * pathwise/debug's `signals(pw)` for the instance at `window[name]…` (`path`, e.g.
 * `["__demo", "pw"]`) in `page`.
 */
export function debugSignals(page, path) {
  return page.evaluate(async (path) => {
    const pw = path.reduce((o, k) => o?.[k], window);
    return (await import("/pkg/debug.js")).signals(pw);
  }, path);
}

/**
 * Waits until `predicate(signals)` holds for pathwise/debug's `signals(pw)` of the instance at
 * `path` (see `debugSignals`), polled from here: `signals` is async, and a page-side
 * `waitForFunction` would take its promise for a truthy answer. Resolves with the signals.
 */
export async function waitForSignals(page, path, predicate, { timeout = 15000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await debugSignals(page, path);
    if (predicate(s)) return s;
    if (Date.now() > deadline) throw new Error(`signals did not settle in ${timeout} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
