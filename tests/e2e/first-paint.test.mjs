// pathwise/sync (pkg/sync.js) from a render-blocking module script: the page's first paint already
// shows the chosen variants, with an inline bundle and with the bundle stored by an earlier visit
// (issue 7's "blocks applied before first paint"). The default entry, which instantiates the wasm
// asynchronously, is the control: its first frame shows the block still undecided (hidden).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openPage } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";
import { fillTemplate, PAGES, STRICT_CSP } from "./server.mjs";

let h;
before(async () => {
  h = await setup();
  const envelope = h.signed(1);
  h.server.serve("/bundle.json", envelope);
  h.server.vars.inlineBundle = envelope;
  const blocks = readFileSync(join(PAGES, "blocks.html"), "utf8");
  const auto = readFileSync(join(PAGES, "auto.html"), "utf8");
  const probe = '<script src="/first-frame.js"></script>\n';
  const pages = {
    // The blocks page, as is (default entry, dynamic import) plus the first-frame probe.
    "/first-async.html": blocks.replace('<script type="module" src="/boot.js">', `${probe}<script type="module" src="/boot.js">`),
    // The same page on pathwise/sync, started by a render-blocking module script.
    "/first-sync.html": blocks.replace('<script type="module" src="/boot.js">', `${probe}<script type="module" blocking="render" src="/boot-sync.js">`),
    // The drop-in on pathwise/sync: auto-sync.js, render-blocking, inline bundle.
    "/first-auto.html": auto
      .replace('<script type="module" src="/pkg/auto.js"', `${probe}<script type="module" blocking="render" src="/pkg/auto-sync.js"`)
      .replace("</body>", '<script type="application/vnd.pathwise+json" id="pw-bundle">{{{inlineBundle}}}</script>\n</body>'),
  };
  for (const [path, text] of Object.entries(pages)) {
    assert.notEqual(text, text.replace(probe, ""), `${path}: the page was not rewritten`);
    h.server.route(path, (req, res) => {
      // Under the strict policy (wasm-unsafe-eval only, Trusted Types enforced), as every page
      // of the package must work.
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Content-Security-Policy": STRICT_CSP });
      res.end(fillTemplate(text, h.server.vars));
    });
  }
});
after(() => h?.teardown());

/** Loads `url` and returns the first frame's view of #hero and the paint/applied times. */
async function firstFrame(page, url) {
  await page.goto(url);
  await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 10000 });
  await page.waitForFunction(() => window.__firstFrame && performance.getEntriesByType("paint").length > 0);
  return page.evaluate(() => ({
    ...window.__firstFrame,
    firstPaint: performance.getEntriesByType("paint").find((e) => e.name === "first-paint")?.startTime,
    blocksApplied: window.__pw?.timing.blocksApplied,
  }));
}

test("pathwise/sync, render-blocking, inline bundle: the first paint shows the variant", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    const f = await firstFrame(page, `${h.server.url}/first-sync.html?bundle=%23pw-bundle`);
    assert.equal(f.heroState, "applied", JSON.stringify(f));
    assert.equal(f.heroText, "Welcome, friend");
    assert.equal(f.heroShown, true);
    assert.ok(f.blocksApplied <= f.firstPaint, `applied at ${f.blocksApplied} ms, first paint at ${f.firstPaint} ms`);
    assert.deepEqual(page.problems(), []);
    // probe.js (in the blocks page) collects the violations.
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP / Trusted Types violation");
  } finally {
    await context.close();
  }
});

test("pathwise/sync, render-blocking, bundle stored by the first visit: the second visit's first paint shows the variant", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    // First visit: the bundle comes from the URL, after the first paint (the page shows the
    // block hidden, then the variant); it is stored.
    const first = await firstFrame(page, `${h.server.url}/first-sync.html?bundle=/bundle.json`);
    assert.notEqual(first.heroState, "applied", "a fetched bundle cannot be in the first paint");
    const again = await context.newPage();
    const f = await firstFrame(again, `${h.server.url}/first-sync.html?bundle=/bundle.json`);
    assert.equal(f.heroState, "applied", JSON.stringify(f));
    assert.equal(f.heroText, "Welcome, friend");
    assert.ok(f.blocksApplied <= f.firstPaint, `applied at ${f.blocksApplied} ms, first paint at ${f.firstPaint} ms`);
    assert.deepEqual(again.problems?.() ?? [], []);
  } finally {
    await context.close();
  }
});

test("auto-sync.js, render-blocking, applies the page by itself before the first paint", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    h.server.vars.bundleUrl = "#pw-bundle";
    const f = await firstFrame(page, `${h.server.url}/first-auto.html`);
    assert.equal(f.heroState, "applied", JSON.stringify(f));
    assert.equal(f.heroText, "Welcome, friend");
    assert.equal(await page.evaluate(() => typeof window.pathwise?.decide), "function", "window.pathwise is the instance");
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});

test("control: the default entry (asynchronous wasm) paints first with the block still hidden", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    const f = await firstFrame(page, `${h.server.url}/first-async.html?bundle=%23pw-bundle`);
    assert.notEqual(f.heroState, "applied", JSON.stringify(f));
    assert.equal(f.heroShown, false, "undecided blocks are hidden by pathwise.css, never shown with their default");
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});
