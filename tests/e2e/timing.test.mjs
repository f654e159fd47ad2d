// How long a visitor waits: time from `init` to a bundle in place, and from navigation start to
// every block and path applied, in headless Chromium on this machine (issue 4 item 6). Printed,
// not asserted: the figures go in the note and the README; the test only checks that each run
// really applied the page, so the numbers measure something.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openPage } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";

const RUNS = Number(process.env.PATHWISE_TIMING_RUNS ?? 7);

let h;
before(async () => {
  h = await setup();
  const envelope = h.signed(1);
  h.server.serve("/bundle.json", envelope);
  h.server.vars.inlineBundle = envelope;
});
after(() => h?.teardown());

function median(values) {
  const sorted = values.filter((v) => typeof v === "number").sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One page load's figures (ms). `context` is reused for repeat visits. */
async function measure(context, query) {
  const page = await context.newPage();
  try {
    await page.goto(`${h.server.url}/blocks.html${query}`);
    await page.waitForFunction(() => window.__pw?.timing.blocksApplied !== undefined
      && document.querySelector("#hero")?.getAttribute("data-pw-state") === "applied", null, { timeout: 10000 });
    const t = await page.evaluate(() => ({ ...window.__pw.timing, versionAtInit: window.__pw.versionAtInit }));
    const readyAt = t.ready ?? (t.versionAtInit != null ? t.initResolved : undefined);
    return {
      load: t.imported - t.importStart,
      initToReady: readyAt - t.initStart,
      initToResolved: t.initResolved - t.initStart,
      navToApplied: t.blocksApplied,
    };
  } finally {
    await page.close();
  }
}

const scenarios = [
  ["first visit, bundle from a URL", "?bundle=/bundle.json", false],
  ["repeat visit, bundle from storage (URL revalidated)", "?bundle=/bundle.json", true],
  ["inline bundle element", "?bundle=%23pw-bundle", false],
];

test(`time from init to applied blocks (median of ${RUNS} loads each)`, async (t) => {
  const lines = [];
  for (const [label, query, repeat] of scenarios) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await h.browser.newContext();
      try {
        if (repeat) await measure(context, query); // first visit stores the bundle
        runs.push(await measure(context, query));
      } finally {
        await context.close();
      }
    }
    assert.equal(runs.length, RUNS);
    const m = (key) => median(runs.map((r) => r[key])).toFixed(1);
    lines.push(`${label}: module+wasm load ${m("load")} ms; init → ready ${m("initToReady")} ms ` +
      `(init resolves after ${m("initToResolved")} ms); navigation start → blocks applied ${m("navToApplied")} ms`);
  }
  const header = `pathwise timing, headless Chromium (${await h.browser.version()}), local server, ${RUNS} runs, medians:`;
  for (const line of [header, ...lines]) t.diagnostic(line);
});
