// Exposures and conversions from the demo site to the real collector (`pathwise serve`, SQLite),
// counted by its /report.json: every event a page reported arrives exactly once — through whole
// visitor flows, on hide, on pagehide, across a reload after a failed send, with the beacon
// refused, and with the collector down then up — and no request carries the install id or a
// signal value.
//
// Pages are loaded through a recording proxy (lib/proxy.mjs) wherever a test needs to see the
// requests themselves: Playwright's request events miss a beacon sent by a page being left.
// A hidden page is simulated (headless Chromium never hides a page): `document.visibilityState`
// reads "hidden" and `visibilitychange` is dispatched, as the SDK's own browser tests do; the
// beacon it triggers is real. Pagehide and reload are real navigations.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { launch, waitForSignals } from "./lib/browser.mjs";
import {
  DEMO_SITE, conversionsOf, demoBundle, expectedCounts, newDevice, reportCounts, setVisibility,
  settledReport, startDemo,
} from "./lib/demo.mjs";
import { batchOf, recordingProxy } from "./lib/proxy.mjs";

let demo;
let proxy;
let browser;
before(async () => {
  demo = await startDemo();
  proxy = await recordingProxy(demo.url);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await proxy?.close();
  await demo?.close();
});

/** A pinned install id per test device, so every run buckets the same way. */
const idFor = (name) => createHash("md5").update(`pathwise-e2e:${name}`).digest("hex");
// Global holdout bucket 92 (< 500: held out), from the README's formula with Python's mmh3.
const HOLDOUT_ID = "c114d914ea030597df8bb8e4980c4065";
const MINUTE = 60 * 1000;

/** `a - b` for two `reportCounts` maps, without the arms that did not change. */
function delta(after, before) {
  const out = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const a = after[key] ?? { exposures: 0, conversions: 0 };
    const b = before[key] ?? { exposures: 0, conversions: 0 };
    const d = { exposures: a.exposures - b.exposures, conversions: a.conversions - b.conversions };
    if (d.exposures || d.conversions) out[key] = d;
  }
  return out;
}

/** What the devices' pages reported: their exposure events, and the conversions their tracks imply. */
function expectedOf(devices) {
  const bundle = demoBundle();
  const exposures = devices.flatMap((d) => d.exposures());
  const conversions = devices.flatMap((d) => conversionsOf(d.log, bundle));
  return expectedCounts(exposures, conversions);
}

const sortKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Waits until the report's change since `baseline` equals what the devices reported (or 15 s), then
 * asserts it: each exposure and conversion counted exactly once.
 */
async function assertCounted(baseline, devices, message) {
  const expected = sortKeys(expectedOf(devices));
  const report = await settledReport(demo, (r) => JSON.stringify(sortKeys(delta(reportCounts(r), baseline))) === JSON.stringify(expected));
  assert.deepEqual(sortKeys(delta(reportCounts(report), baseline)), expected, message);
  return expected;
}

const baselineCounts = async () => reportCounts(await demo.report());

/** Clicks `selector` after scrolling it to the middle of the viewport (clear of the sticky header). */
async function press(page, selector) {
  const target = page.locator(selector).first();
  await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await target.click();
}

/** Clicks something that navigates, and waits for the next page's SDK. */
async function follow(device, selector, url) {
  await press(device.page, selector);
  await device.page.waitForURL(url);
  await device.ready();
}

/** Tracks `goal` and hides the page in one go, so nothing but the hide can send it. */
function trackThenHide(page, goal) {
  return page.evaluate((goal) => {
    window.__demo.pw.track(goal);
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    Object.defineProperty(document, "hidden", { value: true, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  }, goal);
}

/** `flush()` on the current page. */
const flush = (page) => page.evaluate(() => window.__demo.pw.flush());

/** Whether a recorded /pathwise/results request carries a conversion for `goal`. */
const carries = (goal) => (r) => batchOf(r).events.some((e) => e.type === "conversion" && e.goal === goal);

// --- whole flows ----------------------------------------------------------------------------

/** Landing, pricing twice, back to the landing page (pricing interest), a walkthrough, sign-up, operator onboarding. */
async function shopper(d, base) {
  await d.open(`${base}/`);
  await d.open(`${base}/pricing.html`);
  await d.open(`${base}/pricing.html`);
  await d.open(`${base}/`);
  await press(d.page, '.plan button[data-track="demo_requested"]');
  await d.page.waitForSelector('.plan button[data-tracked]');
  await follow(d, '.nav a[href="/signup.html"]', /signup\.html$/);
  await d.page.fill("#signup input >> nth=0", "Sam");
  await follow(d, '#signup button[type="submit"]', /\/onboarding\/$/);
  await follow(d, '[data-panel="welcome"] [data-pw-next]', /step=role/);
  await press(d.page, '[data-role="operator"]');
  await d.page.waitForFunction(() => /connect_data/.test(document.querySelector('[data-panel="role"] [data-pw-next]').getAttribute("href")));
  await follow(d, '[data-panel="role"] [data-pw-next]', /step=connect_data/);
  await press(d.page, '[data-panel="connect_data"] button[data-track="data_connected"]');
  await d.page.waitForSelector('[data-panel="connect_data"] button[data-tracked]');
}

/** Sign-up straight away, admin onboarding, SSO. */
async function admin(d, base) {
  await d.open(`${base}/`);
  await follow(d, '.hero [href="/signup.html"]', /signup\.html$/);
  await follow(d, '#signup button[type="submit"]', /\/onboarding\/$/);
  await d.open(`${base}/onboarding/?step=role`);
  await press(d.page, '[data-role="admin"]');
  await d.page.waitForFunction(() => /step=sso/.test(document.querySelector('[data-panel="role"] [data-pw-next]').getAttribute("href")));
  await follow(d, '[data-panel="role"] [data-pw-next]', /step=sso/);
  await press(d.page, '[data-panel="sso"] button[data-track="sso_configured"]');
  await d.page.waitForSelector('[data-panel="sso"] button[data-tracked]');
}

/** Champion onboarding, invites, then reports: a new one, and a shared one. */
async function champion(d, base) {
  await d.open(`${base}/`);
  await d.open(`${base}/onboarding/?step=role`);
  await press(d.page, '[data-role="champion"]');
  await d.page.waitForFunction(() => /step=invite_team/.test(document.querySelector('[data-panel="role"] [data-pw-next]').getAttribute("href")));
  await follow(d, '[data-panel="role"] [data-pw-next]', /step=invite_team/);
  await press(d.page, '[data-panel="invite_team"] button[data-track="invited_team"]');
  await d.page.waitForSelector('[data-panel="invite_team"] button[data-tracked]');
  await d.open(`${base}/app/reports.html`);
  await press(d.page, "[data-new-report]");
  await d.page.waitForSelector("tbody [data-track=report_shared]");
  await press(d.page, 'tbody button[data-track="report_shared"]');
  await d.page.waitForSelector("tbody button[data-tracked]");
}

/** One look at the landing page. */
async function bounce(d, base) {
  await d.open(`${base}/`);
}

/** Three visits in an hour on the demo clock (a returning visitor), then sign-up. */
async function returning(d, base) {
  await d.open(`${base}/`);
  for (const offset of [31 * MINUTE, 62 * MINUTE]) {
    await d.page.evaluate((ms) => localStorage.setItem("ledgerly-demo:clock-offset-ms", String(ms)), offset);
    await d.open(`${base}/`);
  }
  await follow(d, '.hero [href="/signup.html"]', /signup\.html$/);
  await follow(d, '#signup button[type="submit"]', /\/onboarding\/$/);
}

test("exposures and conversions of whole visitor flows reach the collector, and /report.json counts exactly what the pages reported", async () => {
  const baseline = await baselineCounts();
  const flows = [
    ["shopper", shopper, idFor("shopper")],
    ["admin", admin, idFor("admin")],
    ["champion", champion, idFor("champion")],
    ["bounce", bounce, idFor("bounce")],
    ["returning", returning, idFor("returning")],
    ["held-out shopper", shopper, HOLDOUT_ID],
  ];
  const devices = [];
  try {
    for (const [name, flow, id] of flows) {
      const d = await newDevice(browser, { id });
      devices.push(d);
      try {
        await flow(d, demo.url);
      } catch (e) {
        throw new Error(`flow ${name}: ${e.message}`);
      }
      // Whatever the navigations' beacons did not confirm yet goes now.
      await flush(d.page);
      await d.drained();
      assert.deepEqual(d.page.problems(), [], `flow ${name}`);
    }
    const expected = await assertCounted(baseline, devices, "the report's counts per rule and arm are exactly the pages' events");

    // The test means something: many rules, both arms, conversions, the holdout.
    const arms = Object.keys(expected);
    assert.ok(arms.length >= 8, `many rules and arms: ${arms.join(", ")}`);
    assert.ok(Object.values(expected).some((c) => c.conversions > 0));
    assert.ok(arms.some((k) => k.endsWith("/control")));
    assert.ok(devices.at(-1).exposures().length > 0 && devices.at(-1).exposures().every((e) => e.control),
      "the held-out device reports every exposure as control");
    assert.ok(devices[4].exposures().some((e) => e.rule === "hero-returning" && e.variant === "welcome-back"),
      "the returning visitor saw the welcome-back hero");
  } finally {
    for (const d of devices) await d.close();
  }
});

// --- issue 5: exactly once, whatever happens to the page --------------------------------------

test("on hide, a beacon carries the queued events; back to visible, the batch is confirmed under the same id, counted once", async () => {
  const baseline = await baselineCounts();
  const d = await newDevice(browser, { id: idFor("hide") });
  try {
    await d.open(`${proxy.url}/`);
    const since = Date.now();
    await trackThenHide(d.page, "signed_up");
    const beacon = await proxy.waitFor((r) => r.at >= since && r.path === "/pathwise/results" && carries("signed_up")(r));
    assert.equal(beacon.mode, "no-cors", "sent by navigator.sendBeacon");
    assert.equal(beacon.headers["content-type"], "text/plain;charset=UTF-8");
    assert.equal(beacon.status, 204);
    await assertCounted(baseline, [d], "delivered while the page is hidden");

    await setVisibility(d.page, "visible");
    const batch = batchOf(beacon).batch;
    const confirm = await proxy.waitFor((r) => r.mode === "cors" && r.path === "/pathwise/results" && batchOf(r).batch === batch);
    assert.equal(confirm.status, 204, "the collector acknowledges the retried batch");
    await d.drained();
    await assertCounted(baseline, [d], "the confirmation did not count anything twice");
  } finally {
    await d.close();
  }
});

test("on pagehide (leaving the site), a beacon carries the queued events; the next visit confirms them, counted once", async () => {
  const baseline = await baselineCounts();
  const d = await newDevice(browser, { id: idFor("pagehide") });
  try {
    await d.open(`${proxy.url}/onboarding/?step=role`);
    await press(d.page, '[data-role="champion"]');
    await d.page.waitForFunction(() => window.__demo.exposures.some((e) => e.rule === "onboarding-champion"));
    const since = Date.now();
    // A goal, and at once away to another origin: only the leaving page's beacon can deliver it
    // (no page of the site loads after it).
    await d.page.evaluate(() => {
      window.__demo.pw.track("invited_team");
      location.assign("about:blank");
    });
    await d.page.waitForURL("about:blank");
    const beacon = await proxy.waitFor((r) => r.at >= since && r.path === "/pathwise/results" && carries("invited_team")(r));
    assert.equal(beacon.mode, "no-cors", "sent by navigator.sendBeacon");
    await assertCounted(baseline, [d], "delivered by the beacon of the page that was left");

    // The next visit sends what was only beaconed, under the same batch id; the collector keeps one.
    await d.open(`${proxy.url}/`);
    await d.drained();
    const resent = proxy.collects().filter((r) => r.mode === "cors" && batchOf(r).batch === batchOf(beacon).batch);
    assert.ok(resent.length >= 1 && resent.every((r) => r.status === 204), "the next page re-sent the beaconed batch");
    await assertCounted(baseline, [d], "still counted once");
  } finally {
    await d.close();
  }
});

test("a failed send is kept, and delivered after a reload, once", async () => {
  const baseline = await baselineCounts();
  const d = await newDevice(browser, { id: idFor("reload") });
  proxy.refuseCollect = true;
  try {
    await d.open(`${proxy.url}/onboarding/?step=role`);
    await press(d.page, '[data-role="admin"]');
    await d.page.waitForFunction(() => window.__demo.exposures.some((e) => e.rule === "onboarding-admin"));
    const since = Date.now();
    await flush(d.page);
    const refused = await proxy.waitFor((r) => r.at >= since && r.path === "/pathwise/results" && r.mode === "cors" && carries("role_answered")(r));
    assert.equal(refused.status, 503);
    const batch = batchOf(refused).batch;
    assert.notDeepEqual(await d.outbox(), { batches: 0, queued: 0 }, "the refused batch is kept");

    const reloadedAt = Date.now();
    await d.page.reload();
    // The leaving page's beacon is refused too; from then on the collector answers.
    await proxy.waitFor((r) => r.at >= reloadedAt && r.path === "/pathwise/results" && r.mode === "no-cors");
    proxy.refuseCollect = false;
    await d.ready();
    await d.drained();
    await assertCounted(baseline, [d], "every event of the failed sends, counted once");

    const accepted = proxy.collects().filter((r) => r.at >= since && r.status === 204);
    assert.ok(accepted.length > 0 && accepted.every((r) => r.at >= reloadedAt), "nothing was accepted before the reload");
    assert.ok(accepted.some((r) => batchOf(r).batch === batch), "the reloaded page sent the refused batch under its id");
  } finally {
    proxy.refuseCollect = false;
    await d.close();
  }
});

/** Init script: `navigator.sendBeacon` refuses (returns false); both it and `fetch` note the batch ids they see. */
function refuseBeacons() {
  const seen = { beacons: [], fetches: [] };
  window.__transport = seen;
  const batchId = (body) => {
    try {
      return JSON.parse(body).batch ?? null;
    } catch {
      return null;
    }
  };
  navigator.sendBeacon = function (url, body) {
    seen.beacons.push(batchId(body));
    return false;
  };
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    if (String(input).includes("/pathwise/results")) seen.fetches.push({ batch: batchId(init?.body), keepalive: init?.keepalive === true });
    return fetch.apply(this, arguments);
  };
}

test("a refused beacon falls back to a keepalive fetch, and every event is counted once", async () => {
  const baseline = await baselineCounts();
  const d = await newDevice(browser, { id: idFor("refused") });
  await d.context.addInitScript(refuseBeacons);
  try {
    await d.open(`${proxy.url}/`);
    const since = Date.now();
    await trackThenHide(d.page, "signed_up");
    const sent = await proxy.waitFor((r) => r.at >= since && r.path === "/pathwise/results" && carries("signed_up")(r));
    assert.equal(sent.mode, "cors", "by fetch, not by beacon");
    assert.equal(sent.status, 204);
    const transport = await d.page.evaluate(() => window.__transport);
    assert.ok(transport.beacons.includes(batchOf(sent).batch), "sendBeacon was tried first, and refused");
    assert.ok(transport.fetches.some((f) => f.batch === batchOf(sent).batch && f.keepalive),
      "then the same batch went by fetch with keepalive");
    await assertCounted(baseline, [d], "delivered while hidden, by the fallback");
    await setVisibility(d.page, "visible");
    await d.drained();
    await assertCounted(baseline, [d], "nothing counted twice");
  } finally {
    await d.close();
  }
});

test("the collector down during a visit loses nothing: events arrive, once each, after it comes back", async () => {
  const baseline = await baselineCounts();
  const d = await newDevice(browser, { id: idFor("down") });
  const { page } = d;
  try {
    await d.open(`${demo.url}/onboarding/?step=role`);
    await flush(page);
    await d.drained();
    await assertCounted(baseline, [d], "the first exposure arrived");

    await demo.stop();
    // While it is down: the role answer (a conversion, a new path shown), a goal, a failed flush,
    // and a hidden page whose beacon goes nowhere.
    await press(page, '[data-role="operator"]');
    await page.waitForFunction(() => window.__demo.exposures.some((e) => e.rule === "onboarding-operator"));
    await page.evaluate(() => window.__demo.pw.track("data_connected"));
    await flush(page);
    await waitForSignals(page, ["__demo", "pw"], (s) => s.outbox.batches > 0);
    await setVisibility(page, "hidden");
    const pending = await d.outbox();
    assert.ok(pending.batches > 0, `the events wait in the outbox (${JSON.stringify(pending)})`);
    await demo.start();

    // Back up, same port and database: the page comes back to the foreground.
    await setVisibility(page, "visible");
    await d.drained();
    const expected = await assertCounted(baseline, [d], "everything arrived, once");
    assert.ok(expected["onboarding-operator/operator-path"]?.conversions === 1, "the goal tracked while it was down converted");

    // A reload sends nothing again.
    await page.reload();
    await d.ready();
    await flush(page);
    await d.drained();
    await assertCounted(baseline, [d], "still once each after a reload");
  } finally {
    if (!demo.up) await demo.start();
    await d.close();
  }
});

// --- privacy --------------------------------------------------------------------------------

test("no request the pages make carries the install id or a stored signal value", async () => {
  const capture = await recordingProxy(demo.url);
  const DISTINCT = "qx-privacy-probe-7f3a91";
  const bundle = demoBundle();
  const ids = {
    rule: new Set(bundle.rules.map((r) => r.id)),
    variant: new Set([...bundle.rules.flatMap((r) => r.variants.map((v) => v.id)), "default"]),
    slot: new Set(bundle.slots.map((s) => s.id)),
    goal: new Set(bundle.rules.flatMap((r) => r.goals)),
  };
  // No pinned id: the device's own random one.
  const d = await newDevice(browser);
  const elsewhere = [];
  d.context.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(capture.url) && !/^(data|about|blob):/.test(url)) elsewhere.push(url);
  });
  const { page } = d;
  try {
    await d.open(`${capture.url}/`);
    const installId = await page.evaluate(() => localStorage.getItem("pathwise:v2:id"));
    assert.match(installId, /^[0-9a-f]{32}$/);
    await d.open(`${capture.url}/pricing.html`);
    await d.open(`${capture.url}/onboarding/?step=role`);
    await press(page, '[data-role="operator"]');
    await page.waitForFunction(() => window.__demo.exposures.some((e) => e.rule === "onboarding-operator"));
    await follow(d, '[data-panel="role"] [data-pw-next]', /step=connect_data/);
    await press(page, '[data-panel="connect_data"] button[data-track="data_connected"]');
    await page.waitForSelector('[data-panel="connect_data"] button[data-tracked]');
    // A distinctive attribute value, then pages that decide on it and goals that convert.
    await page.evaluate((v) => window.__demo.pw.set("role", v), DISTINCT);
    await d.open(`${capture.url}/app/reports.html`);
    await press(page, "[data-new-report]");
    await page.waitForSelector("tbody button[data-track=report_shared]");
    await trackThenHide(page, "report_shared");
    await setVisibility(page, "visible");
    await page.goto("about:blank");
    await d.open(`${capture.url}/app/dashboard.html`);
    await flush(page);
    await d.drained();

    const stored = await page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`).join("\n"));
    assert.ok(stored.includes(DISTINCT) && stored.includes(installId), "both values are on the device");
    assert.equal(await page.evaluate(() => localStorage.getItem("pathwise:v2:id")), installId, "the same device throughout");

    const collects = capture.collects();
    assert.ok(collects.some((r) => r.mode === "no-cors") && collects.some((r) => r.mode === "cors"),
      "beacons and fetches were both captured");
    assert.ok(collects.some((r) => carries("data_connected")(r)), "conversions were captured");
    for (const r of capture.requests) {
      const bytes = [r.method, r.path, ...r.rawHeaders, r.body.toString("latin1")].join("\n").toLowerCase();
      const what = `${r.method} ${r.path}`;
      assert.equal(bytes.includes(installId), false, `${what} carries the install id`);
      assert.equal(bytes.includes(DISTINCT.toLowerCase()), false, `${what} carries the attribute value`);
      assert.equal(r.headers.cookie, undefined, `${what} carries a cookie`);
      if (r.method !== "POST") assert.equal(r.body.length, 0, `${what} has a body`);
    }
    // Every beacon is the documented payload and nothing else: its strings are the bundle's ids.
    for (const r of collects) {
      const batch = batchOf(r);
      assert.deepEqual(Object.keys(batch).sort(), ["batch", "bundle", "dropped", "events", "schema", "site"]);
      assert.equal(batch.site, DEMO_SITE);
      assert.match(batch.batch, /^[0-9a-f]{32}$/);
      for (const e of batch.events) {
        const allowed = e.type === "conversion"
          ? ["control", "goal", "minute", "rule", "slot", "type", "variant"]
          : ["control", "minute", "rule", "slot", "type", "variant"];
        assert.deepEqual(Object.keys(e).sort(), allowed);
        for (const field of ["rule", "variant", "slot", "goal"]) {
          if (field in e) assert.ok(ids[field].has(e[field]), `${field} ${e[field]} is an id from the bundle`);
        }
        assert.equal(typeof e.control, "boolean");
        assert.ok(Number.isInteger(e.minute));
      }
    }
    assert.deepEqual(elsewhere, [], "no request to any other origin");
  } finally {
    await d.close();
    await capture.close();
  }
});
