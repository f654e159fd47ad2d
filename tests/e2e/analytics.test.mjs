// Exposures and conversions in the site's own analytics (docs/analytics.md), in headless Chromium
// with stubs of Plausible, Matomo and GA4 (pages/pricing-analytics.html):
//
//   - each recipe the docs show (their code, verbatim) and its `pathwise/analytics` twin make the
//     same calls, with the fields the docs name, for a page without `collect`: exposures of the
//     blocks shown, a conversion after a goal, each once per device (a reload adds none);
//   - `pw.assignments()` maps the slots decided in this page view;
//   - Global Privacy Control: reporting is off (`reporting_off`, nothing sent to the collector),
//     the page is still personalized, the recipes and helpers forward nothing unless told to.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openPage } from "./lib/browser.mjs";
import { docFiles } from "./lib/apps.mjs";
import { setup } from "./lib/harness.mjs";

const RECIPES = docFiles("analytics.md");
const TOOLS = { plausible: "toPlausible", matomo: "toMatomo", ga4: "toGA4" };

let h;
before(async () => {
  h = await setup();
  h.server.serve("/bundle.json", h.signed(1));
  for (const [path, text] of Object.entries(RECIPES)) h.server.serve(`/${path}`, text, "text/javascript; charset=utf-8");
  h.server.route("/collect", (req, res) => {
    h.collected = (h.collected ?? 0) + 1;
    res.writeHead(204);
    res.end();
  });
});
after(() => h?.teardown());

/** Stubs of the three tools' globals, recording every call. */
function stubs() {
  window.__calls = [];
  const record = (tool) => (...args) => window.__calls.push([tool, ...JSON.parse(JSON.stringify(args))]);
  window.plausible = record("plausible");
  window.gtag = record("gtag");
  window._paq = { push: record("matomo") };
}

function gpc() {
  Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true, configurable: true });
}

/** Opens the page with `forward` (and `extra` query), waits for the instance, runs `then(page)`. */
async function visit(forward, { extra = "", init = [], then } = {}) {
  const { context, page } = await openPage(h.browser);
  for (const script of [stubs, ...init]) await context.addInitScript(script);
  try {
    const go = async () => {
      await page.goto(`${h.server.url}/pricing-analytics.html?forward=${encodeURIComponent(forward)}${extra}`);
      await page.waitForFunction(() => window.__pw, null, { timeout: 5000 });
      await page.waitForSelector('#pricing-help[data-pw-state="applied"]');
      await page.waitForTimeout(50);
    };
    await go();
    return await then(page, go);
  } finally {
    await context.close();
  }
}

const calls = (page) => page.evaluate(() => window.__calls);

/** A visit: the calls after load, after tracking the goal twice, and after a reload. */
async function flow(forward) {
  return visit(forward, {
    then: async (page, reload) => {
      const loaded = await calls(page);
      await page.evaluate(() => {
        window.__pw.track("pricing_viewed");
        window.__pw.track("pricing_viewed");
      });
      const tracked = (await calls(page)).slice(loaded.length);
      const assignments = await page.evaluate(() => window.__pw.assignments());
      await reload();
      const again = await calls(page);
      assert.deepEqual(page.problems(), []);
      return { loaded, tracked, assignments, again };
    },
  });
}

const EXPECTED = {
  plausible: {
    loaded: [
      ["plausible", "Pathwise exposure", { props: { rule: "hero-everyone", variant: "welcome", slot: "hero", control: "false" } }],
      ["plausible", "Pathwise exposure", { props: { rule: "pricing-help", variant: "talk-to-sales", slot: "pricing_help", control: "false" } }],
    ],
    tracked: [
      ["plausible", "Pathwise conversion", { props: { rule: "pricing-help", variant: "talk-to-sales", slot: "pricing_help", control: "false", goal: "pricing_viewed" } }],
    ],
  },
  matomo: {
    loaded: [
      ["matomo", ["trackEvent", "Pathwise", "exposure", "hero-everyone:welcome"]],
      ["matomo", ["trackEvent", "Pathwise", "exposure", "pricing-help:talk-to-sales"]],
    ],
    tracked: [["matomo", ["trackEvent", "Pathwise", "conversion", "pricing-help:pricing_viewed"]]],
  },
  ga4: {
    loaded: [
      ["gtag", "event", "experience_impression", { exp_variant_string: "pathwise-hero-everyone-welcome" }],
      ["gtag", "event", "experience_impression", { exp_variant_string: "pathwise-pricing-help-talk-to-sales" }],
    ],
    tracked: [["gtag", "event", "pathwise_conversion", { rule: "pricing-help", variant: "talk-to-sales", goal: "pricing_viewed" }]],
  },
};

/** Exposure calls in a stable order (the page applies its blocks in document order). */
const sorted = (list) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

for (const [tool, name] of Object.entries(TOOLS)) {
  test(`${tool}: the docs' recipe and pathwise/analytics's ${name} send each exposure and conversion once, without collect`, async () => {
    const recipe = await flow(`recipes/${tool}.js#${name}`);
    const shipped = await flow(`pathwise/analytics#${name}`);
    assert.deepEqual(sorted(recipe.loaded), sorted(EXPECTED[tool].loaded));
    assert.deepEqual(recipe.tracked, EXPECTED[tool].tracked, "one conversion for two goals tracked");
    assert.deepEqual(recipe.again, [], "nothing again on the next page view of this device");
    assert.deepEqual(shipped, recipe, "the shipped helper makes the recipe's calls");
    assert.deepEqual(recipe.assignments, {
      hero: { rule: "hero-everyone", variant: "welcome", control: false, reason: "matched" },
      pricing_help: { rule: "pricing-help", variant: "talk-to-sales", control: false, reason: "matched" },
    });
  });
}

test("Global Privacy Control: reporting off (reporting_off, nothing to the collector), the page still personalized, nothing forwarded unless the site opts out", async () => {
  h.collected = 0;
  for (const [tool, name] of Object.entries(TOOLS)) {
    for (const forward of [`recipes/${tool}.js#${name}`, `pathwise/analytics#${name}`]) {
      await visit(forward, {
        extra: "&collect",
        init: [gpc],
        then: async (page) => {
          assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
          await page.evaluate(() => window.__pw.track("pricing_viewed"));
          await page.evaluate(() => window.__pw.flush());
          await page.waitForTimeout(100);
          assert.deepEqual(await calls(page), [], `${forward} forwards nothing`);
          assert.deepEqual(await page.evaluate(() => window.__warnings), ["reporting_off"]);
        },
      });
    }
  }
  assert.equal(h.collected, 0, "nothing reached the collector");

  // The site opts out for its analytics: the shipped helper forwards again.
  await visit("pathwise/analytics#toGA4", {
    extra: `&options=${encodeURIComponent(JSON.stringify({ respectGlobalPrivacyControl: false }))}`,
    init: [gpc],
    then: async (page) => {
      assert.deepEqual(sorted(await calls(page)), sorted(EXPECTED.ga4.loaded));
    },
  });
});
