// `pathwise/react` in a real app (docs/react.md): the app the docs show — their files, verbatim —
// built with Vite from the packed tarball against React 19 and React 18 (fixtures/apps/react19,
// react18: exact versions, installed offline), its server render done by Node, and driven in
// headless Chromium:
//
//   - the variant is rendered by React, the path's steps and next link follow the decision, and
//     Pathwise never touches the DOM React owns;
//   - an answer (`useSet`) re-renders the slots whose decision it changes;
//   - under StrictMode (a development build: double render, effects run twice) each exposure is
//     recorded once, counted through the docs' own GA4 forwarding (`pathwise/analytics`), and a
//     conversion once; a render React throws away (a slot beside a component that suspends), or a
//     <Slot> that has no element for the chosen variant, records nothing;
//   - `renderToString` gives the defaults, and `hydrateRoot` over that HTML hydrates without a
//     warning or error and without React replacing the server's nodes, then shows the variant.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, openPage } from "./lib/browser.mjs";
import { appProject, APPS, docFiles } from "./lib/apps.mjs";
import { keygen, sign, tempDir } from "./lib/tools.mjs";
import { startServer } from "./server.mjs";

const bundle = JSON.parse(readFileSync(join(APPS, "bundle.json"), "utf8"));
const FILES = docFiles("react.md");

/** The `li` steps and the next link the app renders. */
const onboarding = (page) =>
  page.evaluate(() => ({
    steps: [...document.querySelectorAll("#onboarding li")].map((li) => li.dataset.step),
    next: document.querySelector("#next")?.getAttribute("href") ?? null,
  }));

/** The GA4 calls the page made (`gtag` stubbed before any script). */
const gtagCalls = (page) => page.evaluate(() => window.__gtag);
const impressions = (calls) => calls.filter((c) => c[1] === "experience_impression").map((c) => c[2].exp_variant_string).sort();
const GTAG_STUB = () => {
  window.__gtag = [];
  window.gtag = (...args) => window.__gtag.push(JSON.parse(JSON.stringify(args)));
};

for (const react of ["19", "18"]) {
  describe(`React ${react}`, () => {
    let app;
    let tmp;
    let server;
    let browser;
    let ssr;

    before(async () => {
      tmp = tempDir();
      const key = keygen(tmp.dir);
      const envelope = sign(tmp.dir, bundle, key.keyFile);
      app = appProject(react, FILES);
      const env = { VITE_PATHWISE_KEY: key.publicKey };
      app.vite(["--base", "/dist/"], env); // production
      app.vite(["--mode", "development", "--base", "/dist-dev/", "--outDir", "dist-dev"], { ...env, NODE_ENV: "development" });
      app.vite(["--ssr", "src/server.jsx", "--outDir", "dist-ssr"], env);
      ssr = app.node('import { render } from "./dist-ssr/server.js";\nprocess.stdout.write(render());');
      server = await startServer({ pagesDir: app.dir });
      server.serve("/bundle.signed.json", envelope, "application/json");
      const hydrate = readFileSync(join(app.dir, "dist-dev", "hydrate.html"), "utf8").replace("<!--app-->", ssr);
      server.serve("/dist-dev/hydrate.html", hydrate, "text/html; charset=utf-8");
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      app?.cleanup();
      tmp?.cleanup();
    });

    test("React renders the variant; the path's steps and next link follow the decision; Pathwise leaves React's DOM alone", async () => {
      const { context, page } = await openPage(browser);
      try {
        await page.goto(`${server.url}/dist/index.html`);
        await page.waitForSelector("#hero h1:text('Welcome back')", { timeout: 10000 });
        assert.deepEqual(await onboarding(page), {
          steps: ["welcome", "role", "connect_data", "done"],
          next: "/onboarding/connect_data",
        });
        const banner = await page.$eval("#banner", (el) => ({ ...el.dataset }));
        assert.deepEqual(banner, { ready: "true", variant: "default", reason: "control" });
        assert.equal(await page.$$eval("[data-pw-state], [data-pw-block], template", (els) => els.length), 0,
          "Pathwise marked or drew nothing: React owns the page");
        assert.deepEqual(page.problems(), []);
      } finally {
        await context.close();
      }
    });

    test("an answer re-renders the slots whose decision it changes", async () => {
      const { context, page } = await openPage(browser);
      try {
        await page.goto(`${server.url}/dist/index.html`);
        await page.waitForSelector("#onboarding li[data-step='connect_data']", { timeout: 10000 });
        await page.click("#role-admin");
        await page.waitForSelector("#onboarding li[data-step='sso']");
        assert.deepEqual(await onboarding(page), {
          steps: ["welcome", "role", "sso", "invite_team", "done"],
          next: "/onboarding/sso",
        });
        assert.equal(await page.textContent("#hero h1"), "Welcome back");
        // The answer is stored: the next page view starts with it.
        await page.reload();
        await page.waitForSelector("#onboarding li[data-step='sso']", { timeout: 10000 });
        assert.deepEqual(page.problems(), []);
      } finally {
        await context.close();
      }
    });

    test("under StrictMode (double render, effects twice) each exposure and conversion is recorded once", async () => {
      const { context, page } = await openPage(browser);
      await context.addInitScript(GTAG_STUB);
      try {
        await page.goto(`${server.url}/dist-dev/analytics.html`);
        await page.waitForSelector("#hero h1:text('Welcome back')", { timeout: 10000 });
        await page.waitForSelector("#onboarding li[data-step='connect_data']");
        await page.waitForTimeout(300);
        assert.deepEqual(impressions(await gtagCalls(page)), [
          "pathwise-banner-survey-default",
          "pathwise-hero-welcome-welcome-back",
          "pathwise-onboarding-everyone-short-path",
        ]);

        // The answer's new variant is an exposure once it is rendered, once.
        await page.click("#role-admin");
        await page.waitForSelector("#onboarding li[data-step='sso']");
        await page.waitForTimeout(300);
        assert.deepEqual(impressions(await gtagCalls(page)), [
          "pathwise-banner-survey-default",
          "pathwise-hero-welcome-welcome-back",
          "pathwise-onboarding-admin-admin-path",
          "pathwise-onboarding-everyone-short-path",
        ]);

        // A goal after an exposure converts, once per device.
        await page.click("#create-report");
        await page.click("#create-report");
        await page.waitForTimeout(100);
        const conversions = (await gtagCalls(page)).filter((c) => c[1] === "pathwise_conversion");
        assert.deepEqual(conversions, [["event", "pathwise_conversion", { rule: "hero-welcome", variant: "welcome-back", goal: "report_created" }]]);
        const sent = JSON.stringify(await gtagCalls(page));
        const id = await page.evaluate(() => Object.entries(localStorage).find(([k]) => /^pathwise:v\d+:id$/.test(k))?.[1]);
        assert.ok(id && !sent.includes(id), "no install id reaches the analytics");
        assert.ok(!sent.includes("admin\""), "no signal value reaches the analytics");

        // Once per device: the next page view shows the same variants and reports none again.
        await page.reload();
        await page.waitForSelector("#onboarding li[data-step='sso']", { timeout: 10000 });
        await page.waitForTimeout(300);
        assert.deepEqual(impressions(await gtagCalls(page)), []);
        assert.deepEqual(page.problems(), []);
      } finally {
        await context.close();
      }
    });

    test("a slot whose render React throws away (its Suspense boundary falls back), or a <Slot> without the chosen variant, records no exposure", async () => {
      const { context, page } = await openPage(browser);
      await context.addInitScript(GTAG_STUB);
      try {
        await page.goto(`${server.url}/dist-dev/discarded.html`);
        await page.waitForSelector("h1:text('Welcome back')", { timeout: 10000 });
        await page.waitForSelector("#loading");
        await page.waitForTimeout(300);
        assert.ok(await page.evaluate(() => window.__bannerRendered) > 0, "the boundary's content was rendered");
        assert.equal(await page.$("#banner"), null, "and not committed");
        assert.equal(await page.textContent("#plain-onboarding"), "Steps", "the <Slot> without short-path shows its default");
        assert.deepEqual(impressions(await gtagCalls(page)), ["pathwise-hero-welcome-welcome-back"]);
      } finally {
        await context.close();
      }
    });

    test("the server renders the defaults, and hydrateRoot over that HTML hydrates without a mismatch, then shows the variant", async () => {
      assert.match(ssr, /<section id="hero"><h1>Close your books faster<\/h1><\/section>/);
      assert.match(ssr, /data-ready="false" data-variant="default" data-reason="no_rule"/);
      assert.match(ssr, /<li data-step="welcome">welcome<\/li><li data-step="role">role<\/li><li data-step="done">done<\/li>/);

      const { context, page } = await openPage(browser);
      // Any node React removes from the server's HTML (what it does when hydration fails and it
      // renders on the client instead) is counted.
      await context.addInitScript(() => {
        window.__removed = 0;
        document.addEventListener("DOMContentLoaded", () => {
          const root = document.getElementById("root");
          window.__serverHero = root.querySelector("#hero");
          new MutationObserver((records) => {
            for (const r of records) window.__removed += r.removedNodes.length;
          }).observe(root, { childList: true });
        });
      });
      try {
        await page.goto(`${server.url}/dist-dev/hydrate.html`);
        await page.waitForSelector("#hero h1:text('Welcome back')", { timeout: 10000 });
        await page.waitForSelector("#onboarding li[data-step='connect_data']");
        await page.waitForTimeout(200);
        assert.equal(await page.evaluate(() => window.__removed), 0, "React kept the server's nodes");
        assert.ok(await page.evaluate(() => window.__serverHero === document.querySelector("#hero")), "the server's #hero is the one shown");
        const warnings = page.consoleMessages.filter((m) => m.type === "error" || m.type === "warning" || /hydrat/i.test(m.text));
        assert.deepEqual(warnings, [], "no hydration warning or error");
        assert.deepEqual(page.problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
