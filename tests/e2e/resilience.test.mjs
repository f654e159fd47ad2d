// When things go wrong or are restricted, the page still works: a rollback across a real reload,
// a tampered bundle, a strict Content-Security-Policy with Trusted Types, storage that throws or
// is full, and consent not (yet) given. Real pages in headless Chromium.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { isShown, openPage, pwLog, visibleSteps, waitForLog, waitForSignals } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";
import { tamper } from "./lib/tools.mjs";

const PAGE_ORDER = ["welcome", "role", "connect", "invite", "sso", "done"];

let h;
let v1;
before(async () => {
  h = await setup();
  v1 = h.signed(1);
  h.server.serve("/bundle.json", v1);
});
after(() => h?.teardown());

/** Asserts the page shows its own defaults everywhere, visibly. */
async function assertDefaults(page) {
  await page.waitForSelector('#hero[data-pw-state="default"]', { timeout: 5000 });
  assert.equal((await page.textContent("#hero h1")).trim(), "Default hero");
  assert.equal(await isShown(page, "#hero"), true, "the default is shown, never a blank");
  await page.waitForSelector('#headline[data-pw-state="default"]', { timeout: 5000 });
  assert.equal((await page.textContent("#headline h2")).trim(), "Default headline");
  await page.waitForSelector('#steps[data-pw-state="default"]', { timeout: 5000 });
  assert.deepEqual(await visibleSteps(page), PAGE_ORDER, "every step, in the page's order");
}

test("rollback is refused across a real reload: v2 is kept, v1 fires error code rollback", async () => {
  const v2 = h.signed(2);
  let served = 0;
  h.server.serve("/rollback.json", () => (++served === 1 ? v2 : v1));
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?bundle=/rollback.json`);
    await page.waitForFunction(() => document.querySelector("#headline h2")?.textContent === "Headline from v2");
    assert.equal(await page.evaluate(() => window.__pw.pw.bundleVersion), 2);

    await page.reload();
    const refused = await waitForLog(page, "error", { code: "rollback" });
    assert.equal(refused.isError, true, "the error event carries an Error");
    assert.ok(served >= 2, "the reload asked the server again and got v1");
    await page.waitForSelector('#headline[data-pw-state="applied"]');
    assert.equal(await page.textContent("#headline h2"), "Headline from v2", "the page keeps v2 from storage");
    assert.equal(await page.evaluate(() => window.__pw.pw.bundleVersion), 2);

    // Control: a device that never saw v2 accepts v1, so only the stored history refused it.
    const fresh = await openPage(h.browser);
    try {
      await fresh.page.goto(`${h.server.url}/blocks.html?bundle=/rollback.json`);
      await fresh.page.waitForFunction(() => document.querySelector("#headline h2")?.textContent === "Headline from v1");
    } finally {
      await fresh.context.close();
    }
  } finally {
    await context.close();
    h.server.unroute("/rollback.json");
  }
});

test("a tampered bundle (one payload byte flipped) leaves the defaults, fires error with a code, and the page's JS works", async () => {
  h.server.serve("/tampered.json", tamper(v1));
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?bundle=/tampered.json`);
    const error = await waitForLog(page, "error");
    assert.equal(error.isError, true, "an Error object");
    assert.equal(error.code, "signature_threshold_not_met");
    await assertDefaults(page);
    assert.equal(await page.evaluate(() => window.__pw.pw.bundleVersion), null);
    await page.click("#own");
    await page.click("#own");
    assert.equal(await page.textContent("#own-count"), "2", "the page's own script still works");
    assert.deepEqual(page.pageErrors, [], "no uncaught exception");
  } finally {
    await context.close();
    h.server.unroute("/tampered.json");
  }
});

test("a tampered inline bundle also fires error, leaves the defaults and the page working", async () => {
  h.server.vars.inlineBundle = tamper(v1);
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?bundle=%23pw-bundle`);
    // Refused during init, yet reported to handlers registered right after init resolves.
    const error = await waitForLog(page, "error");
    assert.equal(error.code, "signature_threshold_not_met");
    await assertDefaults(page);
    assert.equal(await page.evaluate(() => window.__pw.pw?.bundleVersion ?? null), null);
    assert.equal((await pwLog(page)).some((e) => e.type === "init-rejected"), false, "init resolved");
    await page.click("#own");
    assert.equal(await page.textContent("#own-count"), "1");
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await context.close();
    delete h.server.vars.inlineBundle;
  }
});

test("a missing bundle (HTTP 404) leaves the defaults, fires error fetch_failed, and init resolves", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?bundle=/no-such-bundle.json`);
    const error = await waitForLog(page, "error");
    assert.equal(error.isError, true);
    assert.equal(error.code, "fetch_failed");
    assert.match(error.message, /404/);
    await assertDefaults(page);
    await page.click("#own");
    assert.equal(await page.textContent("#own-count"), "1");
  } finally {
    await context.close();
  }
});

// docs/js-api.md: "init never leaves the page broken". A first visit fetches the bundle within
// `fetchTimeoutMs`, so `await Pathwise.init()` settles (with the defaults and an `error`) even
// when the server accepts the request and never answers.
test("init settles with the defaults, fires ready and error fetch_timeout, when the bundle URL never answers", async () => {
  h.server.hang("/hang-init.json");
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?bundle=/hang-init.json&timeout=300&fetchTimeout=600`);
    await page.waitForFunction(() => window.__pw.pw !== null || window.__pw.initError !== null, null, { timeout: 4000 });
    assert.equal(await page.evaluate(() => window.__pw.initError), null, "init resolved");
    assert.equal(await page.evaluate(() => window.__pw.pw.bundleVersion), null);
    const waited = await page.evaluate(() => window.__pw.timing.initResolved - window.__pw.timing.initStart);
    assert.ok(waited >= 550 && waited < 3000, `init resolved after the fetch time limit (${waited} ms)`);
    const error = await waitForLog(page, "error");
    assert.equal(error.isError, true);
    assert.equal(error.code, "fetch_timeout");
    assert.match(error.message, /hang-init\.json/);
    const ready = await waitForLog(page, "ready");
    assert.deepEqual(ready.detail, { bundleVersion: null });
    await assertDefaults(page);
    await page.click("#own");
    assert.equal(await page.textContent("#own-count"), "1", "the page's own script still works");
    assert.deepEqual(page.pageErrors, [], "no uncaught exception");
  } finally {
    await context.close();
    h.server.unroute("/hang-init.json");
  }
});

/** Console messages a CSP or Trusted Types violation leaves. */
function policyMessages(page) {
  return page.consoleMessages
    .filter((m) => /Content.Security.Policy|Trusted.?Type|TrustedHTML|TrustedScript/i.test(m.text))
    .map((m) => `${m.type}: ${m.text}`);
}

for (const [label, bundle] of [["a bundle URL", "/bundle.json"], ["an inline bundle", "%23pw-bundle"]]) {
  test(`strict CSP with Trusted Types enforced: the page personalizes from ${label} with no violation`, async () => {
    h.server.vars.inlineBundle = v1;
    const { context, page } = await openPage(h.browser);
    try {
      const response = await page.goto(`${h.server.url}/blocks.html?csp=strict&bundle=${bundle}`);
      assert.match(response.headers()["content-security-policy"], /trusted-types 'none'/);
      await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
      assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
      await page.waitForSelector('#headline[data-pw-state="applied"]');
      assert.equal(await page.textContent("#headline h2"), "Headline from v1");
      await page.waitForSelector('#steps[data-pw-state="applied"]');
      assert.deepEqual(await visibleSteps(page), ["welcome", "connect", "role", "done"]);

      assert.deepEqual(await page.evaluate(() => window.__violations), [], "no securitypolicyviolation event");
      assert.deepEqual(policyMessages(page), [], "no CSP / Trusted Types console message");
      assert.deepEqual(page.problems(), []);

      // Control: the policy is really enforced here, and a violation would have been seen.
      const sink = await page.evaluate(() => {
        try {
          document.getElementById("own-count").innerHTML = "<b>1</b>";
          return "assigned";
        } catch (e) {
          return e.name;
        }
      });
      assert.equal(sink, "TypeError", "Trusted Types blocks a string assigned to innerHTML");
      await page.waitForFunction(() => window.__violations.length > 0);
    } finally {
      await context.close();
      delete h.server.vars.inlineBundle;
    }
  });
}

for (const [mode, what, code] of [
  ["throw", "localStorage throws on access", "storage_unavailable"],
  ["quota", "every localStorage write fails with QuotaExceededError", "storage_quota_exceeded"],
]) {
  test(`storage unavailable (${what}): the page still personalizes from an inline bundle, with a ${code} warning`, async () => {
    h.server.vars.inlineBundle = v1;
    const { context, page } = await openPage(h.browser);
    try {
      await page.goto(`${h.server.url}/blocks.html?storage=${mode}&bundle=%23pw-bundle`);
      await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
      assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
      assert.equal(await page.textContent("#headline h2"), "Headline from v1");
      // Signals keep working in memory, and the answer counts at once.
      const path = await page.evaluate(() => {
        window.__pw.pw.set("role", "admin");
        window.__pw.pw.track("pricing_viewed");
        return window.__pw.pw.path("onboarding");
      });
      assert.deepEqual(path, ["welcome", "role", "sso", "invite", "done"]);
      const warning = await waitForLog(page, "warning", { code }).catch(async (e) => {
        throw new Error(`${e.message}; the SDK's log: ${JSON.stringify(await pwLog(page))}`);
      });
      assert.ok(warning.message, "the warning says what happened");
      assert.equal((await pwLog(page)).some((e) => e.type === "init-rejected" || e.type === "error"), false,
        "init resolved, and no error: only a warning");
      assert.deepEqual(page.pageErrors, [], "no uncaught exception");
    } finally {
      await context.close();
      delete h.server.vars.inlineBundle;
    }
  });
}

/** Everything the page's origin holds in Web Storage and cookies. */
function stored(page) {
  return page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
  }));
}

test("consent pending: the page personalizes and nothing is written to storage; granted writes, denied erases", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html?consent=pending`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
    await page.evaluate(() => {
      const pw = window.__pw.pw;
      pw.set("role", "admin");
      pw.track("pricing_viewed");
      pw.decide("hero");
      history.pushState({}, "", "/pricing");
    });
    // The navigation's page view was recorded (in memory): whatever it would write is written by now.
    await waitForSignals(page, ["__pw", "pw"], (s) => s.signals.events.page_view?.total === 2);
    assert.deepEqual(await stored(page), { local: [], session: [], cookie: "" }, "nothing stored before consent");
    // Signals still count for this page view.
    assert.deepEqual(await page.evaluate(() => window.__pw.pw.path("onboarding")), ["welcome", "role", "sso", "invite", "done"]);

    await page.evaluate(() => {
      window.__pw.pw.setConsent("granted");
      window.__pw.pw.track("pricing_viewed");
    });
    await page.waitForFunction(() => localStorage.length > 0, null, { timeout: 3000 });

    await page.evaluate(() => window.__pw.pw.setConsent("denied"));
    await page.waitForFunction(() => localStorage.length === 0, null, { timeout: 3000 });
  } finally {
    await context.close();
  }
});

test("forget() erases everything the SDK stored on this device", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/blocks.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    await page.evaluate(() => {
      window.__pw.pw.set("role", "admin");
      window.__pw.pw.track("pricing_viewed");
    });
    await page.waitForFunction(() => localStorage.length > 0, null, { timeout: 3000 });
    await page.evaluate(() => window.__pw.pw.forget());
    await page.waitForFunction(() => localStorage.length === 0, null, { timeout: 3000 });
    assert.deepEqual(await stored(page), { local: [], session: [], cookie: "" });
  } finally {
    await context.close();
  }
});
