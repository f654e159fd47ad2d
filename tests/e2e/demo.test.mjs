// The demo site (www/, "Ledgerly") as a visitor meets it: served by the real `pathwise serve`
// with its real bundle, signed at start, in headless Chromium. A returning visitor's hero is
// swapped before the first paint; the role question reshapes onboarding; a tampered bundle leaves
// a working page with its defaults; every page runs under its strict CSP with Trusted Types; and
// the debug panel's reasons are the ones `pathwise explain` gives for the same device.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, linkTarget, openPage, visibleSteps } from "./lib/browser.mjs";
import { DEMO_SITE, WWW, demoBundle, newDevice, scenarioFromState, startDemo } from "./lib/demo.mjs";
import { pathwise, tempDir } from "./lib/tools.mjs";

// Install ids pinned so the buckets — and so the test — are the same on every run. Computed with
// the README's formula (murmur3_x86_32 of "{salt}:{id}", seed 0; bucket = h × 10000 >> 32) using
// Python's mmh3, not our code; the tests also assert the decisions they lead to, so a change of
// bucketing fails loudly instead of silently testing something else.
//
// RETURNING: holdout bucket 8584 (≥ 500: not held out); `hero-returning` 8796 (≥ 2000: the
// welcome-back variant, not the 20 % control); layer `hero-experiments` 2110 (< 5000: the first
// of its two rules, `hero-exp-outcome-headline`), whose own bucket 4219 (< 5000) is its control:
// the default hero until the visitor becomes "returning".
const RETURNING_ID = "461018e2126d8de25b07771900acd375";

const MINUTE = 60 * 1000;
const CLOCK_KEY = "ledgerly-demo:clock-offset-ms";

let demo;
let browser;
let tmp;
before(async () => {
  demo = await startDemo();
  browser = await launch();
  tmp = tempDir();
});
after(async () => {
  await browser?.close();
  await demo?.close();
  tmp?.cleanup();
});

/** Text of the first element matching `attr` in www/index.html (the hero's default content). */
function indexText(pattern) {
  const html = readFileSync(join(WWW, "index.html"), "utf8");
  const match = html.match(pattern);
  if (!match) throw new Error(`www/index.html has no ${pattern}`);
  return match[1].trim();
}
const DEFAULT_TITLE = indexText(/<h1 data-hero-title>([^<]+)<\/h1>/);
const DEFAULT_LEDE = indexText(/<p class="lede" data-hero-lede>([^<]+)<\/p>/);
const WELCOME_BACK_TITLE = indexText(/data-pw-variant="hero:welcome-back">[\s\S]*?<h1>([^<]+)<\/h1>/);

/** Moves the demo clock (www/js/clock.js) to real time + `ms`, from the next page load. */
function setClock(page, ms) {
  return page.evaluate(([key, ms]) => localStorage.setItem(key, String(ms)), [CLOCK_KEY, ms]);
}

/** The `decision` event the page emitted for `slot` (this page view). */
async function decisionFor(page, slot) {
  return page.evaluate((slot) => window.__demo.decisions.find((d) => d.slot === slot) ?? null, slot);
}

/**
 * Init script for `/`: from the very first animation frame, notes at every frame what the hero
 * block shows and whether it is visible. rAF callbacks run in the rendering step, right before
 * the frame is painted, so a frame that shows the default hero is seen here. Stops once the hero
 * has been visible for 10 frames (or after 5 s).
 */
function heroProbe() {
  if (location.pathname !== "/") return;
  const probe = { frames: [], done: false };
  window.__heroProbe = probe;
  let visibleFrames = 0;
  const check = (ts) => {
    const block = document.querySelector('[data-pw-block="hero"]');
    const h1 = block?.querySelector("h1");
    const lede = block?.querySelector(".lede");
    const visible = !!h1?.checkVisibility({ visibilityProperty: true, opacityProperty: true });
    probe.frames.push({
      t: ts,
      parsed: !!block,
      state: block?.getAttribute("data-pw-state") ?? null,
      visible,
      title: h1?.textContent.trim() ?? null,
      lede: lede?.textContent.trim() ?? null,
    });
    visibleFrames += visible ? 1 : 0;
    if (visibleFrames >= 10 || ts > 5000) probe.done = true;
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** Loads `/` with the probe and returns its frames, the paint timings and the hero decision. */
async function loadHero(device) {
  await device.open(`${demo.url}/`);
  await device.page.waitForFunction(() => window.__heroProbe?.done === true, null, { timeout: 10000 });
  return device.page.evaluate(() => ({
    frames: window.__heroProbe.frames,
    paint: Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime])),
    decision: window.__demo.decisions.find((d) => d.slot === "hero") ?? null,
  }));
}

const showsDefault = (f) => f.visible && f.title === DEFAULT_TITLE && f.lede === DEFAULT_LEDE;

test("a returning visitor's hero is swapped before the first paint: the default hero is never painted", async () => {
  const device = await newDevice(browser, { id: RETURNING_ID });
  try {
    await device.context.addInitScript(heroProbe);

    // Visit 1: this device is in the control of the layer's experiment, so the default IS the
    // decision — and the probe sees it painted (it can tell a painted default from a hidden one).
    const first = await loadHero(device);
    assert.deepEqual(
      first.decision && [first.decision.rule, first.decision.variant, first.decision.reason],
      ["hero-exp-outcome-headline", "default", "control"],
    );
    assert.ok(first.frames.some(showsDefault), "the probe sees the default hero when it is the decision");

    // Visits 2 and 3, 31 minutes apart on the demo clock (a new visit each: 30 minutes idle).
    await setClock(device.page, 31 * MINUTE);
    const second = await loadHero(device);
    assert.equal(second.decision.reason, "control", "two visits are not 'returning' yet");
    await setClock(device.page, 62 * MINUTE);
    const third = await loadHero(device);

    assert.deepEqual(
      [third.decision.rule, third.decision.variant, third.decision.reason],
      ["hero-returning", "welcome-back", "matched"],
      "the third visit in 7 days is a returning visitor",
    );
    const { frames, paint } = third;
    assert.ok(paint["first-contentful-paint"] !== undefined, "the page painted");
    assert.ok(frames[0].t <= paint["first-paint"],
      `the probe ran from before the first paint (first frame ${frames[0].t} ms, first paint ${paint["first-paint"]} ms)`);
    const painted = frames.filter(showsDefault);
    assert.deepEqual(painted, [], "no frame showed the default hero");
    const firstVisible = frames.find((f) => f.visible);
    assert.ok(firstVisible, "the hero became visible");
    assert.equal(firstVisible.title, WELCOME_BACK_TITLE, "the first frame that shows the hero shows the decided variant");
    assert.equal(firstVisible.state, "applied");
    for (const f of frames.slice(0, frames.indexOf(firstVisible))) {
      assert.equal(f.visible, false, `before it was decided the hero was hidden (frame at ${f.t} ms)`);
    }
    assert.deepEqual(device.page.problems(), []);
  } finally {
    await device.close();
  }
});

test("answering the role question changes the remaining onboarding steps and the next link", async () => {
  const bundle = demoBundle();
  const stepsOf = (rule) => bundle.rules.find((r) => r.id === rule).variants[0].steps;
  const device = await newDevice(browser, { id: RETURNING_ID });
  const { page } = device;
  const list = '[data-pw-path="onboarding"]';
  const roleNext = '[data-panel="role"] [data-pw-next]';
  try {
    await device.open(`${demo.url}/onboarding/?step=role`);
    // Not answered yet: the short path that asks first, and the link skips to the end.
    assert.deepEqual(await visibleSteps(page, list), stepsOf("onboarding-ask-role"));
    assert.equal(await linkTarget(page, roleNext), "/onboarding/?step=done");
    assert.equal((await page.textContent(roleNext)).trim(), "Skip for now");

    const seen = new Map();
    for (const role of ["admin", "operator", "champion"]) {
      await page.click(`[data-role="${role}"]`);
      const steps = stepsOf(`onboarding-${role}`);
      const next = steps[steps.indexOf("role") + 1];
      // The page re-decides on the History API navigation the answer makes; no reload.
      await page.waitForFunction(
        ([sel, href]) => document.querySelector(sel)?.getAttribute("href") === href,
        [roleNext, `/onboarding/?step=${next}`],
        { timeout: 5000 },
      );
      const visible = await visibleSteps(page, list);
      assert.deepEqual(visible, steps, `as ${role}: the ${role} path, in its order`);
      assert.equal(await linkTarget(page, roleNext), `/onboarding/?step=${next}`);
      assert.match(await page.textContent(roleNext), /^\s*Next: /);
      seen.set(role, visible.join(","));
    }
    assert.equal(new Set(seen.values()).size, 3, "each answer gives its own steps");

    // Following the link: the next step's page continues the champion path, after a real load.
    await page.click(roleNext);
    await page.waitForURL(/step=invite_team/);
    await device.ready();
    const champion = stepsOf("onboarding-champion");
    assert.deepEqual(await visibleSteps(page, list), champion);
    assert.equal(await linkTarget(page, '[data-panel="invite_team"] [data-pw-next]'),
      `/onboarding/?step=${champion[champion.indexOf("invite_team") + 1]}`);
    assert.deepEqual(page.problems(), []);
  } finally {
    await device.close();
  }
});

/** The page's HTML with one byte of the inline envelope's payload flipped (the envelope still well-formed). */
function tamperInline(html) {
  const match = html.match(/(<script type="application\/vnd\.pathwise\+json" id="pw-bundle">)([^<]*)(<\/script>)/);
  if (!match) throw new Error("no inline envelope in the page");
  const envelope = JSON.parse(match[2]);
  // The payload is the signed program (compiled and deflated by `pathwise sign`): any byte
  // changed, and the signature no longer covers it.
  const payload = Buffer.from(envelope.payload, "base64");
  payload[payload.length >> 1] ^= 0x01;
  envelope.payload = payload.toString("base64");
  // As the server writes it: `<`, `>`, `&` escaped so the text cannot end the element.
  const text = JSON.stringify(envelope).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
  return html.replace(match[0], `${match[1]}${text}${match[3]}`);
}

test("a tampered inline bundle leaves the default content, fires the error event, and the page still works", async () => {
  const device = await newDevice(browser, { id: RETURNING_ID });
  const { page } = device;
  let tampered = 0;
  await device.context.route(`${demo.url}/**`, async (route) => {
    if (route.request().resourceType() !== "document") return route.continue();
    const response = await route.fetch();
    const html = await response.text();
    const changed = tamperInline(html);
    assert.notEqual(changed, html);
    tampered += 1;
    return route.fulfill({ response, body: changed });
  });
  try {
    await device.open(`${demo.url}/?pathwise-debug`);
    const errors = await page.evaluate(() => window.__demo.errors);
    assert.deepEqual(errors.map((e) => [e.code, e.isError]), [["signature_threshold_not_met", true]],
      "one error event, an Error with the code");
    assert.equal(await page.evaluate(() => window.__demo.pw.bundleVersion), null, "no bundle in use");

    for (const slot of ["hero", "pricing", "help", "reengage"]) {
      await page.waitForSelector(`[data-pw-block="${slot}"][data-pw-state="default"]`, { state: "attached", timeout: 5000 });
    }
    assert.equal((await page.textContent("[data-hero-title]")).trim(), DEFAULT_TITLE);
    assert.equal(await page.$eval("[data-hero-title]", (h) => h.checkVisibility({ visibilityProperty: true })), true,
      "the default hero is shown, never a blank");
    // The debug panel says why.
    await page.waitForSelector('#pathwise-debug li[data-code="signature_threshold_not_met"]');

    // The page works: its own buttons, and its links.
    await page.click('#pathwise-debug button:has-text("Hide")');
    const talk = page.locator('button[data-track="demo_requested"]').first();
    await talk.click();
    await page.waitForFunction(() => document.querySelector('button[data-track="demo_requested"]').hasAttribute("data-tracked"));
    assert.equal((await talk.textContent()).trim(), "We will be in touch ✓");
    await page.click('.nav a[href="/pricing.html"]');
    await page.waitForURL(/pricing\.html$/);
    await device.ready();
    await page.waitForSelector('[data-pw-block="pricing"][data-pw-state="default"]', { state: "attached" });
    assert.equal(tampered, 2, "both pages were served tampered");
    assert.deepEqual(page.pageErrors, [], "no uncaught exception");
  } finally {
    await device.close();
  }
});

/** Clicks `selector` after scrolling it to the middle of the viewport (clear of the sticky header). */
async function press(page, selector) {
  const target = page.locator(selector).first();
  await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await target.click();
}

/** Clicks a button that reloads the page, and waits until the new document is there. */
async function clickAndReload(page, selector) {
  const before = await page.evaluate(() => performance.timeOrigin);
  await page.click(selector);
  await page.waitForFunction((t) => performance.timeOrigin !== t, before, { timeout: 10000 });
  await page.waitForLoadState("load");
}

/** Console messages a CSP or Trusted Types violation leaves. */
const POLICY = /Content.Security.Policy|Trusted.?Type|TrustedHTML|TrustedScript|Refused to/i;

test("every page works under its strict CSP with Trusted Types: no violation, no console error", async () => {
  const { context, page } = await openPage(browser);
  const violations = [];
  await context.exposeBinding("__pwViolation", ({ frame }, v) => violations.push({ ...v, page: frame.url() }));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__pwViolation?.({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  const visited = [];
  const open = async (path) => {
    await page.goto(`${demo.url}${path}`);
    visited.push(path);
  };
  /**
   * The SDK started with the bundle (the CSP let the wasm run: the debug panel shows its version)
   * and decided every slot on the page.
   */
  const personalized = () => page.waitForFunction(() => {
    const slots = [...document.querySelectorAll("[data-pw-block], [data-pw-path]")];
    const panel = document.getElementById("pathwise-debug");
    return slots.every((el) => el.hasAttribute("data-pw-state")) && /version \d+/.test(panel?.textContent ?? "");
  }, null, { timeout: 5000 });
  try {
    const response = await page.goto(`${demo.url}/?pathwise-debug`);
    visited.push("/?pathwise-debug");
    assert.ok(response.ok());
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.match(csp, /require-trusted-types-for 'script'/);
    assert.match(csp, /trusted-types 'none'/);
    await personalized();

    // Clicks that build DOM: the debug panel's buttons (a reload), toasts, the role answer, reports.
    await clickAndReload(page, '#pathwise-debug button:has-text("View pricing")');
    await personalized();
    // Collapsed (remembered for the session), so the panel covers none of the page's buttons.
    await page.click('#pathwise-debug button:has-text("Hide")');
    await page.click('button[data-track="demo_requested"]');
    await page.waitForSelector(".toast");
    for (const path of ["/pricing.html", "/signup.html", "/onboarding/", "/onboarding/?step=role",
      "/onboarding/?step=connect_data", "/app/dashboard.html", "/app/reports.html"]) {
      await open(path);
      await personalized();
      const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
      assert.equal(policy, csp, `${path} carries the same strict policy`);
      if (path === "/onboarding/?step=role") {
        await page.click('[data-role="operator"]');
        await page.waitForFunction(() => document.querySelector("[data-answer]")?.textContent !== "");
      }
      if (path === "/onboarding/?step=connect_data") {
        await press(page, '[data-panel="connect_data"] button[data-track="data_connected"]');
        await page.waitForSelector(".toast");
      }
      if (path === "/app/reports.html") {
        await press(page, "[data-new-report]");
        await page.waitForSelector(".toast");
      }
    }
    // The report page: no script at all, its own `default-src 'none'` policy.
    await open("/report");
    await page.waitForSelector("h1");
    await open("/signup.html");
    await personalized();
    await page.fill("#signup input >> nth=0", "Ada");
    await page.click('#signup button[type="submit"]');
    await page.waitForURL(/onboarding/);
    await personalized();

    assert.deepEqual(violations, [], `no securitypolicyviolation on ${visited.join(", ")}`);
    const policyMessages = page.consoleMessages.filter((m) => POLICY.test(m.text));
    assert.deepEqual(policyMessages, [], "no CSP / Trusted Types console message");
    assert.deepEqual(page.problems(), []);

    // Control: the policy is enforced here, and the listener would have seen a violation.
    const sink = await page.evaluate(() => {
      try {
        document.querySelector("main").innerHTML = "<b>x</b>";
        return "assigned";
      } catch (e) {
        return e.name;
      }
    });
    assert.equal(sink, "TypeError", "Trusted Types refuses a string assigned to innerHTML");
    const deadline = Date.now() + 3000;
    while (violations.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(violations[0]?.directive, "require-trusted-types-for");
  } finally {
    await context.close();
  }
});

/**
 * Init script: notes the device's state the page's decisions were made on, at the moment the
 * page copies its instance's inputs for pathwise/debug (the debug panel's reasons are captured
 * right then, after init and before the page's own tracking). Decisions see the history up to
 * the previous page view (docs/js-api.md, "What conditions see"): `init` stores this view's
 * `page_view` (and `visit`) at once, but the view decides without them. So the signals of the
 * scenario are the view's basis, and the signals as kept then (`after`) check that this view's
 * own built-ins were left out, not missed; both are read by pathwise/debug's `signals()`. The
 * render history, the demo clock, the time zone and the install id are taken at the same moment.
 * It wraps the copy (`Symbol.for("pathwise.debug")`) on the package's own class, the one the
 * page's instance has.
 */
function captureExplainState() {
  if (!/^https?:$/.test(location.protocol) || window.top !== window) return;
  import("/pkg/index.js").then(({ Pathwise }) => {
    const key = Symbol.for("pathwise.debug");
    const inputs = Pathwise.prototype[key];
    Pathwise.prototype[key] = function () {
      const d = inputs.call(this);
      if (!window.__explainState) {
        const offset = Number(localStorage.getItem("ledgerly-demo:clock-offset-ms")) || 0;
        const meta = {
          nowMs: Date.now() + offset,
          utcOffsetMinutes: -new Date().getTimezoneOffset(),
          unit: localStorage.getItem("pathwise:v2:id"),
          path: location.pathname,
        };
        // What conditions see (the view's basis) and what is kept, as pathwise/debug reads them.
        window.__explainState = import("/pkg/debug.js").then(async ({ signals }) => {
          const seen = await signals({ ...d, signals: d.basis });
          const kept = await signals(d);
          return { stored: { signals: seen.signals, renders: kept.renders }, after: kept.signals, ...meta };
        });
      }
      return d;
    };
  }).catch((e) => {
    window.__explainStateError = String(e);
  });
}

/** The debug panel's slots: decision attributes and each candidate's rule and outcome. */
function panelSlots(page) {
  return page.$$eval("#pathwise-debug .pwd-slot", (cards) => Object.fromEntries(cards.map((card) => [
    card.getAttribute("data-slot"),
    {
      decision: {
        variant: card.getAttribute("data-variant"),
        rule: card.getAttribute("data-rule"),
        reason: card.getAttribute("data-reason"),
      },
      candidates: [...card.querySelectorAll("li[data-rule]")].map((li) => [li.getAttribute("data-rule"), li.getAttribute("data-outcome")]),
    },
  ])));
}

/** `pathwise explain --json` for the page's own envelope and the captured state, in the panel's shape. */
async function nativeExplain(page, name) {
  const state = await page.evaluate(() => window.__explainState ?? { error: window.__explainStateError });
  assert.ok(state.stored, `the page's state was captured (${state.error ?? ""})`);
  // The page view's own `page_view` was stored by init, and the scenario leaves it out.
  const pageViews = (signals) => signals.events?.page_view?.total ?? 0;
  assert.equal(pageViews(state.after), pageViews(state.stored.signals) + 1,
    "the scenario is the history before this page view");
  const envelope = await page.$eval("#pw-bundle", (el) => el.textContent);
  const key = await page.$eval('meta[name="pathwise-key"]', (m) => m.content);
  const envelopeFile = join(tmp.dir, `${name}.dsse.json`);
  const scenarioFile = join(tmp.dir, `${name}.scenario.json`);
  writeFileSync(envelopeFile, envelope);
  writeFileSync(scenarioFile, JSON.stringify(scenarioFromState(state), null, 2));
  const out = JSON.parse(pathwise(["explain", envelopeFile, "--key", key, "--site", DEMO_SITE,
    "--scenario", scenarioFile, "--json"]));
  return Object.fromEntries(Object.entries(out).map(([slot, e]) => [slot, {
    decision: { variant: e.decision.variant, rule: e.decision.rule ?? null, reason: e.decision.reason },
    candidates: e.candidates.map((c) => [c.rule, c.outcome]),
  }]));
}

test("the debug panel shows the decisions and reasons `pathwise explain` gives for the same device", async () => {
  const device = await newDevice(browser, { id: RETURNING_ID });
  const { page } = device;
  await device.context.addInitScript(captureExplainState);
  const reload = async (selector) => {
    await clickAndReload(page, selector);
    await device.ready();
    await page.waitForSelector("#pathwise-debug .pwd-slot");
  };
  try {
    // Drive the device with the panel's own buttons: a role, pricing twice, three visits.
    await device.open(`${demo.url}/?pathwise-debug`);
    await page.waitForSelector("#pathwise-debug .pwd-slot");
    assert.match(await page.textContent('#pathwise-debug [data-section="signals"] h3'), /stored only in this browser/);
    await reload('#pathwise-debug button:has-text("Role: champion")');
    await reload('#pathwise-debug button:has-text("View pricing")');
    await reload('#pathwise-debug button:has-text("View pricing")');
    await reload('#pathwise-debug button[data-action="visit"]');
    await reload('#pathwise-debug button[data-action="visit"]');

    const panel = await panelSlots(page);
    const native = await nativeExplain(page, "returning");
    assert.deepEqual(panel, native, "every slot: the same decision and the same reason for every candidate");
    // The state is the rich one meant: not every slot at its default.
    assert.equal(panel.hero.decision.rule, "hero-returning");
    assert.equal(panel.help.decision.rule, "help-champion");
    assert.equal(panel.pricing.decision.rule, "pricing-interest");

    // Two weeks later: a lapsed visitor, no longer "returning".
    await reload('#pathwise-debug button[data-action="fortnight"]');
    const later = await panelSlots(page);
    assert.deepEqual(later, await nativeExplain(page, "lapsed"));
    assert.equal(later.reengage.decision.rule, "reengage-lapsed");
    assert.notEqual(later.hero.decision.rule, "hero-returning");
    assert.deepEqual(page.problems(), []);
  } finally {
    await device.close();
  }
});
