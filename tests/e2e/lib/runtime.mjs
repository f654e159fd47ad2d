// The world of runtime.test.mjs and runtime-report.test.mjs: the harness (key, server, Chromium),
// a collector at /collect on the test server that records what reaches it and answers as the
// test says, the runtime bundle signed per version, and pages/runtime.html opened and started.
// A "reload" is a real `page.reload()` followed by `start` again, on the same storage.

import assert from "node:assert/strict";
import { setup } from "./harness.mjs";
import { debugSignals, openPage } from "./browser.mjs";
import { SITE, sign } from "./tools.mjs";

/** 2027-01-15T08:00:00Z, epoch ms: the device clock of the tests that set one (`nowMs`). */
export const T0 = 1_800_000_000_000;
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/**
 * The runtime tests' bundle at `version`:
 *
 * - `hero` (block): `hero-admin` for devices whose `role` starts with "admin" → `admin` (a
 *   template in the page); goals `signup`, `upgrade`;
 * - `banner` (block): `banner-text` for everyone → a text replacement of `.title` (markup in
 *   it, to be shown as text); goal `signup`;
 * - `pricing-note` (block): `pricing-page` on `/pricing*` only → `deal` (a template);
 * - `onboarding` (path welcome, role, sso, invite, done): `onboarding-admin` for "admin…" →
 *   welcome, role, sso, done; else `short-path` → invite, welcome, done;
 * - `back`, `regular`, `newcomer` (blocks, not in the page): `lapsed` (last visit 14+ days
 *   ago), `frequent` (3+ visits in 7 days), `new-today` (first seen today).
 */
export function runtimeBundle(version = 1) {
  const admin = { signal: { name: "role", op: "starts_with", value: "admin" } };
  return {
    schema: 1, site: SITE, version, expires_at: "2099-01-01T00:00:00Z",
    signals: [
      { name: "role", kind: "string", ttl_days: 30 },
      { name: "plan", kind: "string", ttl_days: 30 },
      { name: "seats", kind: "number", ttl_days: 30 },
      { name: "clicked", kind: "event", ttl_days: 30 },
      { name: "signup", kind: "event", ttl_days: 30 },
      { name: "upgrade", kind: "event", ttl_days: 30 },
    ],
    slots: [
      { id: "hero", kind: "block" },
      { id: "banner", kind: "block" },
      { id: "pricing-note", kind: "block" },
      { id: "onboarding", kind: "path", steps: ["welcome", "role", "sso", "invite", "done"] },
      { id: "back", kind: "block" },
      { id: "regular", kind: "block" },
      { id: "newcomer", kind: "block" },
    ],
    rules: [
      { id: "hero-admin", slot: "hero", objective: "activation", goals: ["signup", "upgrade"], audience: admin,
        variants: [{ id: "admin" }] },
      { id: "banner-text", slot: "banner", objective: "activation", goals: ["signup"],
        variants: [{ id: "short", text: [{ selector: ".title", text: "<b>Hi</b> & welcome" }] }] },
      { id: "pricing-page", slot: "pricing-note", objective: "expansion", trigger: { pages: ["/pricing*"] },
        variants: [{ id: "deal" }] },
      { id: "onboarding-admin", slot: "onboarding", objective: "activation", priority: 1, audience: admin,
        variants: [{ id: "admin-path", steps: ["welcome", "role", "sso", "done"] }] },
      { id: "short-path", slot: "onboarding", objective: "activation",
        variants: [{ id: "short", steps: ["invite", "welcome", "done"] }] },
      { id: "lapsed", slot: "back", objective: "retention",
        audience: { days_since_event: { event: "visit", op: "gte", value: 14 } }, variants: [{ id: "welcome-back" }] },
      { id: "frequent", slot: "regular", objective: "retention",
        audience: { event_count: { event: "visit", days: 7, op: "gte", value: 3 } }, variants: [{ id: "thanks" }] },
      { id: "new-today", slot: "newcomer", objective: "activation",
        audience: { days_since_first_seen: { op: "eq", value: 0 } }, variants: [{ id: "hello" }] },
    ],
  };
}

/** Starts the world: `before(async () => { w = await runtimeWorld(); })`, `after(() => w?.teardown())`. */
export async function runtimeWorld() {
  const h = await setup();
  /** What reached /collect (`{body, mode}`, mode = sec-fetch-mode), and how it answers: a status, or "drop" (the connection is cut: a network error). */
  const collector = { answer: 204, received: [] };
  h.server.route("/collect", (req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      collector.received.push({ body: Buffer.concat(chunks).toString("utf8"), mode: req.headers["sec-fetch-mode"] });
      if (collector.answer === "drop") return req.socket.destroy();
      res.writeHead(collector.answer, { "Cache-Control": "no-store" });
      res.end();
    });
  });
  const envelopes = new Map();
  let signed = 0;
  const w = {
    h,
    collector,
    site: SITE,
    key: h.key.publicKey,
    /** `bundle` (an object) signed with the test key (a ten-year TTL: the device clocks run ahead). */
    envelope(bundle, { version = bundle.version, now } = {}) {
      signed += 1;
      return sign(h.tmp, bundle, h.key.keyFile, { version, ttl: "3650d", now, name: `rt-${signed}` });
    },
    /** The runtime bundle signed at `version` (once per version). */
    signed(version = 1) {
      if (!envelopes.has(version)) envelopes.set(version, w.envelope(runtimeBundle(version)));
      return envelopes.get(version);
    },
    /** A fresh device on pages/runtime.html (`query` appended), with the harness loaded. */
    async open(query = "", contextOptions = {}) {
      const { context, page } = await openPage(h.browser, contextOptions);
      await page.goto(`${h.server.url}/runtime.html${query}`);
      await page.waitForFunction(() => window.rt !== undefined);
      return { context, page };
    },
    /**
     * Runs `body(page)` on a fresh device (the collector answering 204), asserts the page threw
     * nothing uncaught, and closes it.
     */
    async device(body, { query, contextOptions } = {}) {
      collector.answer = 204;
      const { context, page } = await w.open(query, contextOptions);
      try {
        await body(page);
        assert.deepEqual(page.pageErrors, [], "no uncaught exception in the page");
      } finally {
        await context.close();
        collector.answer = 204;
      }
    },
    /** Reloads `page` (a new page view on the same storage) and waits for the harness. */
    async reload(page) {
      await page.reload();
      await page.waitForFunction(() => window.rt !== undefined);
    },
    /**
     * `Pathwise.init` in `page` with the site, the pinned key, the runtime bundle v1 inline, and
     * `options` over them (`nowMs` for a clock; `only` to keep just those slots' surfaces).
     * Resolves with the bundle version in use, once the init-time events were delivered.
     */
    start(page, options = {}) {
      const { only, ...rest } = options;
      return page.evaluate(({ o, only }) => {
        if (only) window.rt.only(only);
        return window.rt.start(o);
      }, { o: { site: SITE, keys: [h.key.publicKey], bundle: w.signed(1), ...rest }, only });
    },
    /** `init` with `options` that it must refuse: the rejection's `{code, isError}`. */
    refused(page, options) {
      return page.evaluate(async (o) => {
        try {
          await window.rt.start(o);
          return null;
        } catch (e) {
          return { code: e.code, isError: e instanceof Error, message: e.message };
        }
      }, { site: SITE, keys: [h.key.publicKey], bundle: w.signed(1), ...options });
    },
    /** `fn()` in the page: its coded Error as `{code, isError}`, or "no error". */
    throws(page, fn) {
      return page.evaluate(`(() => { try { (${fn})(); return "no error"; } catch (e) { return { code: e.code, isError: e instanceof Error }; } })()`);
    },
    teardown: () => h.teardown(),
  };
  return w;
}

/** pathwise/debug's `signals(pw)` in `page`. */
export const signalsOf = (page) => debugSignals(page, ["rt", "pw"]);

/** The events of `type` the page's instance emitted so far. */
export const eventsOf = (page, type) => page.evaluate((type) => window.rt.of(type), type);

/** Everything in the page's localStorage: key -> value, keys sorted. */
export const storedOf = (page) => page.evaluate(() =>
  Object.fromEntries(Object.keys(localStorage).sort().map((k) => [k, localStorage.getItem(k)])));
