// `pathwise/openfeature` (docs/openfeature.md) against the real OpenFeature SDKs, from the packed
// tarball:
//
//   - in the browser, the app the docs show (their file, verbatim), built with Vite on React 19
//     and React 18 with `@openfeature/react-sdk`: `useFlag` gets each slot's variant id, variant,
//     reason and flagMetadata; an unknown slot is FLAG_NOT_FOUND; an answer that changes a
//     decision re-renders its flag (PROVIDER_CONFIGURATION_CHANGED); `client.track` converts;
//     exposures reach the docs' Plausible forwarding once;
//   - in Node, the provider contract driven by `@openfeature/web-sdk` itself over a stand-in
//     Pathwise instance (the page API's documented shape), for what a page cannot stage at will:
//     PROVIDER_NOT_READY before initialize, every reason, the value types, a new bundle and a
//     changed decision as CONFIGURATION_CHANGED (a first decision is not one), track, close.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launch, openPage } from "./lib/browser.mjs";
import { appProject, APPS, docFiles } from "./lib/apps.mjs";
import { keygen, sign, tempDir } from "./lib/tools.mjs";
import { startServer } from "./server.mjs";

const bundle = JSON.parse(readFileSync(join(APPS, "bundle.json"), "utf8"));
const FILES = { "src/pathwise-options.js": docFiles("react.md")["src/pathwise-options.js"], ...docFiles("openfeature.md") };
const VERSION = 7;

/** What each `<Flag>` of the app rendered: flag → its data attributes. */
const flags = (page) =>
  page.$$eval("li[data-flag]", (items) => Object.fromEntries(items.map((li) => {
    const { flag, ...data } = li.dataset;
    return [flag, data];
  })));

const PLAUSIBLE_STUB = () => {
  window.__plausible = [];
  window.plausible = (...args) => window.__plausible.push(JSON.parse(JSON.stringify(args)));
};

const projects = {};
after(() => {
  for (const app of Object.values(projects)) app.cleanup();
});

for (const react of ["19", "18"]) {
  describe(`useFlag on React ${react}`, () => {
    let tmp;
    let server;
    let browser;

    before(async () => {
      tmp = tempDir();
      const key = keygen(tmp.dir);
      const envelope = sign(tmp.dir, bundle, key.keyFile, { version: VERSION });
      const app = (projects[react] = appProject(react, FILES));
      app.vite([], { VITE_PATHWISE_KEY: key.publicKey });
      server = await startServer({ pagesDir: join(app.dir, "dist") });
      server.serve("/bundle.signed.json", envelope, "application/json");
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      tmp?.cleanup();
    });

    test("each slot resolves to its variant id, variant, reason and metadata; an unknown slot is FLAG_NOT_FOUND", async () => {
      const { context, page } = await openPage(browser);
      await context.addInitScript(PLAUSIBLE_STUB);
      try {
        await page.goto(`${server.url}/openfeature.html`);
        await page.waitForSelector("#hero h1:text('Welcome back')", { timeout: 10000 });
        const bundleVersion = String(VERSION);
        assert.deepEqual(await flags(page), {
          hero: { value: "welcome-back", variant: "welcome-back", reason: "TARGETING_MATCH", rule: "hero-welcome", control: "false", bundle: bundleVersion },
          banner: { value: "default", variant: "default", reason: "SPLIT", rule: "banner-survey", control: "true", bundle: bundleVersion },
          footer: { value: "default", variant: "default", reason: "DEFAULT", control: "false", bundle: bundleVersion },
          onboarding: { value: "short-path", variant: "short-path", reason: "TARGETING_MATCH", rule: "onboarding-everyone", control: "false", bundle: bundleVersion },
          nope: { value: "default", reason: "ERROR", error: "FLAG_NOT_FOUND" },
        });
        // An evaluation is an exposure (once per device per rule and variant), forwarded by the
        // docs' toPlausible; a slot without a rule is none.
        const exposures = (await page.evaluate(() => window.__plausible))
          .filter(([name]) => name === "Pathwise exposure").map(([, { props }]) => `${props.rule}:${props.variant}:${props.control}`).sort();
        assert.deepEqual(exposures, ["banner-survey:default:true", "hero-welcome:welcome-back:false", "onboarding-everyone:short-path:false"]);
        assert.deepEqual(page.problems(), []);
      } finally {
        await context.close();
      }
    });

    test("an answer that changes a decision re-renders its flag (CONFIGURATION_CHANGED); track converts", async () => {
      const { context, page } = await openPage(browser);
      await context.addInitScript(PLAUSIBLE_STUB);
      try {
        await page.goto(`${server.url}/openfeature.html`);
        await page.waitForSelector("li[data-flag='onboarding'][data-value='short-path']", { timeout: 10000 });
        await page.click("#role-admin");
        await page.waitForSelector("li[data-flag='onboarding'][data-value='admin-path']");
        const onboarding = (await flags(page)).onboarding;
        assert.equal(onboarding.rule, "onboarding-admin");
        assert.equal(onboarding.reason, "TARGETING_MATCH");

        await page.click("#create-report");
        await page.waitForFunction(() => window.__plausible.some(([name]) => name === "Pathwise conversion"));
        const conversions = (await page.evaluate(() => window.__plausible)).filter(([name]) => name === "Pathwise conversion");
        assert.deepEqual(conversions, [["Pathwise conversion", { props: { rule: "hero-welcome", variant: "welcome-back", slot: "hero", control: "false", goal: "report_created" } }]]);
        assert.deepEqual(page.problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}

describe("the provider contract, driven by @openfeature/web-sdk", () => {
  let sdk;
  let PathwiseProvider;

  before(async () => {
    // The SDK and the provider as the app's own modules resolve them (one SDK instance).
    const app = projects["19"] ?? (projects["19"] = appProject("19", FILES));
    const file = join(app.dir, "contract-imports.mjs");
    writeFileSync(file, 'export * as sdk from "@openfeature/web-sdk";\nexport { PathwiseProvider } from "pathwise/openfeature";\n');
    ({ sdk, PathwiseProvider } = await import(pathToFileURL(file).href));
  });

  /**
   * A stand-in for a started Pathwise instance: `decide` answers from `decisions` (slot →
   * Decision; a missing slot throws unknown_slot), `on` and `emit` deliver events, `tracked`
   * records `track`.
   */
  function fakePathwise(decisions, bundleVersion = 3) {
    const handlers = [];
    return {
      bundleVersion,
      decisions,
      tracked: [],
      decided: [],
      on(event, handler) {
        const entry = [event, handler];
        handlers.push(entry);
        return () => handlers.splice(handlers.indexOf(entry), 1);
      },
      emit(event, payload) {
        for (const [name, handler] of [...handlers]) if (name === event) handler(payload);
      },
      handlers: () => handlers.length,
      decide(slot) {
        this.decided.push(slot);
        const d = this.decisions[slot];
        if (!d) throw Object.assign(new Error(`the bundle has no slot "${slot}"`), { code: "unknown_slot" });
        return { ...d };
      },
      track(name) {
        this.tracked.push(name);
      },
    };
  }

  const decision = (slot, variant, rule, reason, extra = {}) =>
    ({ slot, variant, rule, control: reason === "control" || reason === "holdout", reason, ...extra });

  const DECISIONS = {
    hero: decision("hero", "welcome-back", "hero-welcome", "matched"),
    split: decision("split", "b", "ab-test", "matched", { split: true }),
    banner: decision("banner", "default", "banner-survey", "control"),
    held: decision("held", "default", "hero-welcome", "holdout"),
    footer: decision("footer", "default", null, "no_rule"),
    preview: decision("preview", "survey", null, "override"),
    onboarding: decision("onboarding", "short-path", "onboarding-everyone", "matched", { steps: ["welcome", "done"] }),
  };

  /** A fresh SDK domain with the provider over `pw`; returns the client and the events it saw. */
  async function ready(pw, domain) {
    const provider = new PathwiseProvider({ client: pw });
    await sdk.OpenFeature.setProviderAndWait(domain, provider);
    const client = sdk.OpenFeature.getClient(domain);
    const changes = [];
    client.addHandler(sdk.ProviderEvents.ConfigurationChanged, (details) => changes.push(details.flagsChanged));
    return { provider, client, changes };
  }

  test("before initialize() resolves: PROVIDER_NOT_READY (from the provider and through the SDK)", async () => {
    const provider = new PathwiseProvider({ client: new Promise(() => {}) });
    assert.equal(provider.resolveStringEvaluation("hero", "fallback").errorCode, "PROVIDER_NOT_READY");
    sdk.OpenFeature.setProvider("not-ready", provider);
    const client = sdk.OpenFeature.getClient("not-ready");
    assert.equal(client.providerStatus, sdk.ProviderStatus.NOT_READY);
    const details = client.getStringDetails("hero", "fallback");
    assert.equal(details.value, "fallback");
    assert.equal(details.errorCode, "PROVIDER_NOT_READY");
  });

  test("once ready: every reason mapped, flagMetadata, FLAG_NOT_FOUND for an unknown slot", async () => {
    const pw = fakePathwise(DECISIONS);
    const { client } = await ready(pw, "reasons");
    assert.equal(client.providerStatus, sdk.ProviderStatus.READY);
    const got = (flag) => {
      const d = client.getStringDetails(flag, "fallback");
      return [d.value, d.variant, d.reason, d.errorCode, d.flagMetadata];
    };
    assert.deepEqual(got("hero"), ["welcome-back", "welcome-back", "TARGETING_MATCH", undefined, { control: false, reason: "matched", bundleVersion: 3, rule: "hero-welcome" }]);
    assert.deepEqual(got("split"), ["b", "b", "SPLIT", undefined, { control: false, reason: "matched", bundleVersion: 3, rule: "ab-test" }]);
    assert.deepEqual(got("banner"), ["default", "default", "SPLIT", undefined, { control: true, reason: "control", bundleVersion: 3, rule: "banner-survey" }]);
    assert.deepEqual(got("held"), ["default", "default", "SPLIT", undefined, { control: true, reason: "holdout", bundleVersion: 3, rule: "hero-welcome" }]);
    assert.deepEqual(got("footer"), ["default", "default", "DEFAULT", undefined, { control: false, reason: "no_rule", bundleVersion: 3 }]);
    assert.deepEqual(got("preview"), ["survey", "survey", "STATIC", undefined, { control: false, reason: "override", bundleVersion: 3 }]);
    const missing = client.getStringDetails("nope", "fallback");
    assert.equal(missing.value, "fallback");
    assert.equal(missing.reason, "ERROR");
    assert.equal(missing.errorCode, "FLAG_NOT_FOUND");
    // Evaluating is showing: each evaluation went through decide().
    assert.deepEqual(pw.decided, ["hero", "split", "banner", "held", "footer", "preview", "nope"]);
  });

  test("value types: string = variant id, boolean = a variant is shown, object = the decision, number = TYPE_MISMATCH", async () => {
    const { client } = await ready(fakePathwise(DECISIONS), "types");
    assert.equal(client.getBooleanValue("hero", false), true);
    assert.equal(client.getBooleanValue("banner", true), false);
    assert.equal(client.getBooleanValue("footer", true), false);
    assert.equal(client.getBooleanValue("preview", false), true);
    assert.deepEqual(client.getObjectValue("onboarding", {}), DECISIONS.onboarding);
    const number = client.getNumberDetails("hero", 42);
    assert.equal(number.value, 42);
    assert.equal(number.errorCode, "TYPE_MISMATCH");
  });

  test("without a bundle every flag keeps the caller's default (DEFAULT)", async () => {
    const pw = fakePathwise({ hero: decision("hero", "default", null, "no_rule") }, null);
    const { client } = await ready(pw, "no-bundle");
    const details = client.getStringDetails("hero", "fallback");
    assert.deepEqual([details.value, details.reason, details.errorCode], ["fallback", "DEFAULT", undefined]);
  });

  test("CONFIGURATION_CHANGED: for a decision an answer changed (not a first decision), and for a new bundle", async () => {
    const pw = fakePathwise({ ...DECISIONS });
    const { client, changes } = await ready(pw, "changes");
    assert.equal(client.getStringValue("onboarding", "x"), "short-path");
    // A first decision of another slot (the page decided it) is no change.
    pw.emit("decision", DECISIONS.hero);
    // The same decision again is no change either.
    pw.emit("decision", DECISIONS.onboarding);
    assert.deepEqual(changes, []);
    // An answer changed it.
    pw.decisions.onboarding = decision("onboarding", "admin-path", "onboarding-admin", "matched", { steps: ["welcome", "sso", "done"] });
    pw.emit("decision", pw.decisions.onboarding);
    assert.deepEqual(changes, [["onboarding"]]);
    assert.equal(client.getStringValue("onboarding", "x"), "admin-path");
    // A newer bundle in use: any flag may have changed.
    pw.bundleVersion = 4;
    pw.emit("ready", { bundleVersion: 4 });
    assert.deepEqual(changes, [["onboarding"], []]);
    assert.equal(client.getStringDetails("hero", "x").flagMetadata.bundleVersion, 4);
  });

  test("track is forwarded; onClose lets go of the instance", async () => {
    const pw = fakePathwise(DECISIONS);
    const { client } = await ready(pw, "track");
    client.track("report_created", { value: 3 });
    assert.deepEqual(pw.tracked, ["report_created"]);
    assert.equal(pw.handlers(), 2);
    await sdk.OpenFeature.clearProviders();
    assert.equal(pw.handlers(), 0);
  });

  test("{ options } starts Pathwise in initialize(): outside a page that is a provider error (no_browser)", async () => {
    const provider = new PathwiseProvider({ options: { site: "acme.example", keys: [] } });
    await assert.rejects(sdk.OpenFeature.setProviderAndWait("options", provider), (e) => e.code === "no_browser" || /browser/.test(String(e.message)));
    assert.equal(sdk.OpenFeature.getClient("options").providerStatus, sdk.ProviderStatus.ERROR);
  });
});
