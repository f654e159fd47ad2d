// Reporting as one page sees it, call by call (pages/runtime.html, lib/runtime.mjs): what is
// recorded (exposures and conversions, once per device, across reloads; never for peek, explain,
// a preview or a variant the page could not show), when and how it leaves (a beacon on hide and
// pagehide, a keepalive fetch when the beacon is refused, fetch on flush and after the idle
// delay, batches under 60 KB), what survives a failure (the same batch id until a 2xx), who
// reports (sampling per device, consent, Global Privacy Control) and what a report may carry.
// Every send is recorded by the page as it is made (rt.sent), so "nothing was sent" is read
// right after the triggers that would send, with no waiting; the collector is a route of the
// test server that answers 204, 500 or cuts the connection. reporting.test.mjs drives the real
// demo and collector.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitForSignals } from "./lib/browser.mjs";
import { bucket, murmur3 } from "./lib/bucket.mjs";
import { T0, eventsOf, runtimeBundle, runtimeWorld, signalsOf, storedOf } from "./lib/runtime.mjs";
import { REPO, SITE } from "./lib/tools.mjs";

let w;
before(async () => {
  w = await runtimeWorld();
});
after(() => w?.teardown());

const MINUTE_T0 = T0 / 60000;
const COLLECT = { url: "/collect", idleMs: 60000 };

/** A fresh device (lib/runtime.mjs). */
const device = (body, options) => w.device(body, options);

/** A page with reporting on (the idle delay long: only the test's triggers send), at T0. */
const report = (page, { collect, ...options } = {}) =>
  w.start(page, { collect: { ...COLLECT, ...collect }, nowMs: T0, only: ["banner", "hero"], ...options });

/** What the page sent so far, bodies parsed. */
const sent = (page) => page.evaluate(() => window.rt.sent.map((s) => ({ ...s, body: JSON.parse(s.body) })));

/** `[type, rule, variant, goal]` of every event in `sends`, sorted. */
const eventsIn = (sends) => sends.flatMap((s) => s.body.events)
  .map((e) => [e.type, e.rule, e.variant, e.goal ?? ""]).sort((a, b) => a.join().localeCompare(b.join()));

const exposure = (rule, variant) => ["exposure", rule, variant, ""];
const conversion = (rule, variant, goal) => ["conversion", rule, variant, goal];

/** Calls `names` of the page's instance or harness, in order (`flush`, `hide`, `pagehide`, `show`). */
const run = (page, ...names) => page.evaluate((names) => {
  for (const name of names) (name === "flush" ? window.rt.pw.flush() : window.rt[name]());
}, names);

/** Waits until every fetch the page made was answered (by status or network error). */
const answered = (page) => page.waitForFunction(() => window.rt.sent.every((s) => s.via !== "fetch" || s.status !== null));

/** Waits until nothing waits to be sent or confirmed. */
const drained = (page) => waitForSignals(page, ["rt", "pw"], (s) => s.outbox.batches === 0 && s.outbox.queued === 0);

test("the test's bucket formula is the README's (the frozen vectors)", () => {
  const { vectors } = JSON.parse(readFileSync(join(REPO, "tests/data/bucketing_vectors.json"), "utf8"));
  for (const v of vectors) {
    assert.equal(murmur3(new TextEncoder().encode(`${v.salt}:${v.unit}`)), v.hash, JSON.stringify(v));
    assert.equal(bucket(v.salt, v.unit), v.bucket, JSON.stringify(v));
  }
});

test("on hide a beacon carries the exposures, exactly as the exposure events; visible again, the batch is confirmed by fetch under its id", async () => {
  await device(async (page) => {
    await report(page);
    const shown = { type: "exposure", rule: "banner-text", variant: "short", slot: "banner", control: false, minute: MINUTE_T0 };
    assert.deepEqual(await eventsOf(page, "exposure"), [shown]);
    assert.deepEqual(await sent(page), [], "nothing is sent before a trigger");

    await run(page, "hide");
    const [beacon, ...more] = await sent(page);
    assert.deepEqual(more, []);
    assert.equal(beacon.via, "beacon");
    assert.equal(beacon.url, "/collect");
    const { batch, ...rest } = beacon.body;
    assert.match(batch, /^[0-9a-f]{32}$/);
    assert.deepEqual(rest, { schema: 1, site: SITE, bundle: 1, dropped: 0, events: [shown] });
    // Hidden again with nothing new: not beaconed twice.
    await run(page, "hide");
    assert.equal((await sent(page)).length, 1);

    // Visible again: what was only beaconed is confirmed by fetch, same id.
    await run(page, "show", "flush");
    const [, confirm] = await sent(page);
    assert.equal(confirm.via, "fetch");
    assert.equal(confirm.body.batch, batch);
    await drained(page);
    // Confirmed: the next page has nothing to send.
    await w.reload(page);
    await report(page);
    await run(page, "flush", "hide", "pagehide");
    assert.deepEqual(await sent(page), []);
    assert.deepEqual(await eventsOf(page, "exposure"), [], "the exposure was recorded by the first page");
  });
});

test("on pagehide a beacon carries what is new: an answer's exposure at once, then the conversions", async () => {
  await device(async (page) => {
    await report(page);
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    await run(page, "pagehide");
    let sends = await sent(page);
    assert.deepEqual(sends.map((s) => s.via), ["beacon"]);
    assert.deepEqual(eventsIn(sends), [exposure("banner-text", "short"), exposure("hero-admin", "admin")],
      "the role takes effect at once: the hero shows its variant in this page view");
    await page.evaluate(() => window.rt.pw.track("signup"));
    await run(page, "pagehide");
    sends = await sent(page);
    assert.deepEqual(sends.map((s) => s.via), ["beacon", "beacon"]);
    assert.deepEqual(eventsIn(sends.slice(1)), [conversion("banner-text", "short", "signup"), conversion("hero-admin", "admin", "signup")]);
  });
});

test("a queue over 60 KB leaves in several batches, each under 60 KB with its own id, every event once", async () => {
  // 240 rules with ids of 64 characters: about 64 KB of exposures in one page view. (Ids that
  // do not repeat themselves: a program that deflates more than 16 to 1 is refused by devices,
  // and so by the signer.)
  const long = (prefix, i) => `${prefix}-${String(i).padStart(3, "0")}-${createHash("sha256").update(`${prefix}${i}`).digest("hex").slice(0, 58)}`;
  const bundle = {
    ...runtimeBundle(3),
    signals: [],
    slots: Array.from({ length: 240 }, (_, i) => ({ id: long("s", i), kind: "block" })),
    rules: Array.from({ length: 240 }, (_, i) => ({ id: long("r", i), slot: long("s", i), objective: "activation", variants: [{ id: long("v", i) }] })),
  };
  const envelope = w.envelope(bundle);
  await device(async (page) => {
    await report(page, { bundle: envelope, autoApply: false });
    await page.evaluate((slots) => slots.forEach((slot) => window.rt.pw.decide(slot)), bundle.slots.map((s) => s.id));
    await run(page, "hide");
    // A browser queues at most 64 KB of beacons; what it refuses goes by fetch: each batch is
    // counted once, by its id.
    await answered(page);
    const batches = new Map();
    for (const s of await sent(page)) {
      assert.ok(JSON.stringify(s.body).length < 60000, `${JSON.stringify(s.body).length} bytes`);
      batches.set(s.body.batch, s.body);
    }
    assert.ok(batches.size >= 2, `${batches.size} batches`);
    const events = [...batches.values()].flatMap((b) => b.events);
    assert.equal(events.length, 240);
    assert.equal(new Set(events.map((e) => e.rule)).size, 240);
    assert.ok([...batches.values()].every((b) => b.bundle === 3));
  });
});

test("a refused beacon falls back to a keepalive fetch: POST, cors, no credentials, the same body", async () => {
  await device(async (page) => {
    await report(page);
    await page.evaluate(() => {
      window.rt.beacon = "refuse";
    });
    await run(page, "hide");
    const [beacon, fetch, ...more] = await sent(page);
    assert.deepEqual(more, []);
    assert.equal(beacon.via, "beacon");
    assert.deepEqual({ via: fetch.via, method: fetch.method, keepalive: fetch.keepalive, mode: fetch.mode, credentials: fetch.credentials },
      { via: "fetch", method: "POST", keepalive: true, mode: "cors", credentials: "omit" });
    assert.deepEqual(fetch.body, beacon.body);
    // Answered 204: delivered, nothing left for the next page.
    await drained(page);
    await w.reload(page);
    await report(page);
    await run(page, "flush", "hide");
    assert.deepEqual(await sent(page), []);
  });
});

test("a batch the network lost is stored and sent by the next page under the same id, with the same events", async () => {
  await device(async (page) => {
    w.collector.answer = "drop";
    await report(page);
    await page.evaluate(() => {
      window.rt.beacon = "refuse";
      window.rt.pw.track("signup");
    });
    await run(page, "hide");
    await answered(page);
    const failed = await sent(page);
    assert.deepEqual(failed.map((s) => [s.via, s.status ?? null]), [["beacon", null], ["fetch", "error"]]);
    assert.equal((await signalsOf(page)).outbox.batches, 1, "kept");
    const { batch, events } = failed[0].body;

    // The next page (the collector still cut off while this one leaves), then back: the same batch.
    await w.reload(page);
    await report(page);
    assert.deepEqual(await eventsOf(page, "exposure"), [], "the exposure was recorded by the first page");
    w.collector.answer = 204;
    await run(page, "flush");
    const [again, ...more] = await sent(page);
    assert.deepEqual(more, []);
    assert.equal(again.body.batch, batch);
    assert.deepEqual(again.body.events, events);
    assert.deepEqual(eventsIn([again]), [conversion("banner-text", "short", "signup"), exposure("banner-text", "short")]);
    await answered(page);
    assert.equal((await sent(page))[0].status, 204);
    await drained(page);
  });
});

test("an endpoint that errs keeps the batch, under the same id, until a 2xx; then nothing more is sent", async () => {
  await device(async (page) => {
    await report(page);
    const attempt = async (answer) => {
      w.collector.answer = answer;
      await run(page, "flush");
      await answered(page);
      return (await sent(page)).at(-1);
    };
    const first = await attempt(500);
    assert.equal(first.status, 500);
    const second = await attempt("drop");
    assert.equal(second.status, "error");
    assert.equal(second.body.batch, first.body.batch, "a retry keeps the batch id");
    const third = await attempt(204);
    assert.equal(third.status, 204);
    assert.equal(third.body.batch, first.body.batch);
    assert.ok((await sent(page)).every((s) => s.via === "fetch"));
    await drained(page);
    await run(page, "flush", "hide");
    assert.equal((await sent(page)).length, 3, "confirmed: nothing more to send");
  });
});

test("the idle delay sends by fetch; a new page sends at load what an old one left", async () => {
  await device(async (page) => {
    w.collector.answer = "drop";
    await report(page, { collect: { idleMs: 30 } });
    await page.waitForFunction(() => window.rt.sent.some((s) => s.status !== null));
    const [first] = await sent(page);
    assert.equal(first.via, "fetch");
    assert.equal(first.status, "error");
    await w.reload(page);
    w.collector.answer = 204;
    await report(page, { collect: { idleMs: 30 } });
    await page.waitForFunction(() => window.rt.sent.some((s) => s.status === 204));
    const resent = (await sent(page)).filter((s) => s.via === "fetch");
    assert.equal(resent[0].body.batch, first.body.batch);
    await drained(page);
  });
});

test("exposures and conversions are reported once per device, across reloads; a goal converts only rules already shown", async () => {
  await device(async (page) => {
    await report(page);
    await page.evaluate(() => {
      window.rt.pw.track("signup");
      window.rt.pw.track("signup");
      // The hero shows its variant as soon as the role is known: exposed after the signup.
      window.rt.pw.set("role", "admin");
      window.rt.pw.flush();
    });
    assert.deepEqual(eventsIn(await sent(page)),
      [conversion("banner-text", "short", "signup"), exposure("banner-text", "short"), exposure("hero-admin", "admin")]);
    assert.deepEqual((await eventsOf(page, "conversion")).map((c) => [c.rule, c.goal]), [["banner-text", "signup"]]);
    await drained(page);

    // Reload: both blocks show their variants again, neither is a new exposure, and signup
    // converts only the rule that had not converted on it.
    await w.reload(page);
    await report(page);
    assert.deepEqual(await eventsOf(page, "exposure"), []);
    await page.evaluate(() => {
      window.rt.pw.track("signup");
      window.rt.pw.track("upgrade");
      window.rt.pw.flush();
    });
    assert.deepEqual(eventsIn(await sent(page)),
      [conversion("hero-admin", "admin", "signup"), conversion("hero-admin", "admin", "upgrade")]);
    await drained(page);

    // Once more: nothing new at all.
    await w.reload(page);
    await report(page);
    await page.evaluate(() => {
      window.rt.pw.track("signup");
      window.rt.pw.track("upgrade");
      window.rt.pw.decide("banner");
    });
    await run(page, "flush", "hide", "pagehide");
    assert.deepEqual(await sent(page), []);
    assert.deepEqual(await eventsOf(page, "exposure"), []);
    assert.deepEqual(await eventsOf(page, "conversion"), []);
  });
});

test("peek() and explain() of pathwise/debug record nothing; decide() is a render and an exposure", async () => {
  await device(async (page) => {
    await report(page, { autoApply: false });
    await page.evaluate(async () => {
      window.rt.pw.peek("banner");
      await (await import("/pkg/debug.js")).explain(window.rt.pw, "banner");
      window.rt.pw.track("signup");
    });
    await run(page, "flush", "hide");
    assert.deepEqual(await sent(page), []);
    assert.deepEqual(await eventsOf(page, "exposure"), []);
    assert.equal((await signalsOf(page)).renders["banner-text"], undefined);
    await page.evaluate(() => window.rt.pw.decide("banner"));
    await run(page, "show", "hide");
    assert.deepEqual(eventsIn(await sent(page)), [exposure("banner-text", "short")]);
    assert.equal((await eventsOf(page, "exposure")).length, 1);
  });
});

test("a variant the page could not show (no template, no text) is no exposure", async () => {
  await device(async (page) => {
    await page.evaluate(() => document.querySelector('template[data-pw-variant="hero:admin"]').remove());
    await report(page, { only: ["hero"] });
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    assert.ok((await eventsOf(page, "warning")).some((w) => w.code === "template_missing"));
    await w.reload(page);
    await page.evaluate(() => document.querySelector('template[data-pw-variant="hero:admin"]').remove());
    await report(page, { only: ["hero"] });
    assert.equal(await page.getAttribute("#hero", "data-pw-state"), "default");
    await run(page, "hide");
    assert.deepEqual(await eventsOf(page, "exposure"), []);
    assert.deepEqual(await sent(page), []);
  });
});

/** The first install ids (32 hex digits) in and out of a 50 % sample. */
function unitsAtHalf() {
  const units = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(32, "0"));
  return [units.find((u) => bucket("pathwise:sample", u) < 5000), units.find((u) => bucket("pathwise:sample", u) >= 5000)];
}

test("sampling is decided per device, by its install id: out of the sample nothing is sent, the events still fire", async () => {
  const [inside, outside] = unitsAtHalf();
  const beacons = async (sampleRate, unit) => {
    let n;
    await device(async (page) => {
      if (unit) await page.evaluate((unit) => localStorage.setItem("pathwise:v2:id", unit), unit);
      await report(page, { collect: { sampleRate } });
      assert.equal((await eventsOf(page, "exposure")).length, 1, "the exposure event fires either way");
      await run(page, "hide");
      n = (await sent(page)).length;
    });
    return n;
  };
  assert.equal(await beacons(0), 0);
  assert.equal(await beacons(1), 1);
  for (let i = 0; i < 2; i++) {
    assert.equal(await beacons(0.5, inside), 1, `${inside} is in a 50 % sample`);
    assert.equal(await beacons(0.5, outside), 0, `${outside} is not`);
  }
});

test("before consent nothing is sent or stored, yet the events fire; granted, the ledger is written and the reports go", async () => {
  for (const consent of ["pending", "denied"]) {
    await device(async (page) => {
      await report(page, { consent });
      assert.equal((await eventsOf(page, "exposure")).length, 1, `${consent}: recorded in memory`);
      await page.evaluate(() => window.rt.pw.track("signup"));
      await run(page, "flush", "hide", "pagehide");
      assert.deepEqual(await sent(page), [], consent);
      assert.deepEqual(await storedOf(page), {}, consent);

      await page.evaluate(() => window.rt.pw.setConsent("granted"));
      const stored = await storedOf(page);
      assert.ok("pathwise:v2:ledger" in stored && "pathwise:v2:outbox" in stored, `${consent}: written once granted`);
      await run(page, "show", "flush");
      assert.deepEqual(eventsIn(await sent(page)), [conversion("banner-text", "short", "signup"), exposure("banner-text", "short")], consent);
      await drained(page);
    });
  }
});

test("forget() erases the ledger and the outbox; granted again, the device starts afresh", async () => {
  await device(async (page) => {
    await report(page);
    let stored = await storedOf(page);
    assert.ok("pathwise:v2:ledger" in stored && "pathwise:v2:outbox" in stored);
    await page.evaluate(() => window.rt.pw.forget());
    assert.deepEqual(await storedOf(page), {});
    await run(page, "flush", "hide");
    assert.deepEqual(await sent(page), []);
    // A new device: the banner it is shown is a new exposure.
    await page.evaluate(() => {
      window.rt.pw.setConsent("granted");
      window.rt.pw.decide("banner");
    });
    await run(page, "show", "hide");
    assert.deepEqual(eventsIn(await sent(page)), [exposure("banner-text", "short")]);
    stored = await storedOf(page);
    assert.ok("pathwise:v2:ledger" in stored);
  });
});

test("a corrupt stored ledger and outbox are discarded with warnings, and reporting goes on", async () => {
  await device(async (page) => {
    await page.evaluate(() => {
      localStorage.setItem("pathwise:v2:ledger", "L\u0001\u00ff\u00ff");
      localStorage.setItem("pathwise:v2:outbox", "{\"v\":9}");
    });
    await report(page);
    const corrupt = (await eventsOf(page, "warning")).filter((w) => w.code === "storage_corrupt").map((w) => w.message);
    assert.equal(corrupt.length, 2, JSON.stringify(corrupt));
    assert.ok(corrupt.some((m) => m.includes("ledger")) && corrupt.some((m) => m.includes("outbox")));
    await run(page, "hide");
    assert.deepEqual(eventsIn(await sent(page)), [exposure("banner-text", "short")]);
    await run(page, "show", "flush");
    await drained(page);
    await w.reload(page);
    await report(page);
    assert.deepEqual(await eventsOf(page, "warning"), [], "what is stored now reads back");
  });
});

test("without collect the exposure and conversion events still fire, once per device, with the beacon's fields; nothing is kept for a collector", async () => {
  await device(async (page) => {
    await w.start(page, { nowMs: T0, only: ["banner", "hero"] });
    await page.evaluate(() => {
      window.rt.pw.track("signup");
      window.rt.pw.set("role", "admin-ZZ-SECRET");
      window.rt.pw.track("upgrade");
    });
    const exposures = await eventsOf(page, "exposure");
    const conversions = await eventsOf(page, "conversion");
    assert.deepEqual(exposures, [
      { type: "exposure", rule: "banner-text", variant: "short", slot: "banner", control: false, minute: MINUTE_T0 },
      { type: "exposure", rule: "hero-admin", variant: "admin", slot: "hero", control: false, minute: MINUTE_T0 },
    ]);
    assert.deepEqual(conversions, [
      { type: "conversion", rule: "banner-text", variant: "short", slot: "banner", control: false, goal: "signup", minute: MINUTE_T0 },
      { type: "conversion", rule: "hero-admin", variant: "admin", slot: "hero", control: false, goal: "upgrade", minute: MINUTE_T0 },
    ]);
    const id = (await storedOf(page))["pathwise:v2:id"];
    const text = JSON.stringify([...exposures, ...conversions]);
    assert.ok(!text.includes(id) && !text.includes("ZZ-SECRET") && !text.includes("role"), text);
    await run(page, "flush", "hide", "pagehide");
    assert.deepEqual(await sent(page), []);
    assert.deepEqual((await signalsOf(page)).outbox, { batches: 0, queued: 0 }, "nothing waits for a collector");

    // The next page: shown again, converted again, but nothing new.
    await w.reload(page);
    await w.start(page, { nowMs: T0 + 10 * 60000, only: ["banner", "hero"] });
    await page.evaluate(() => {
      window.rt.pw.track("signup");
      window.rt.pw.track("upgrade");
    });
    assert.deepEqual(await eventsOf(page, "exposure"), []);
    assert.deepEqual((await eventsOf(page, "conversion")).map((c) => [c.rule, c.goal]), [["hero-admin", "signup"]]);
    assert.deepEqual((await signalsOf(page)).outbox, { batches: 0, queued: 0 });

    // The site turns reporting on later: what happened before is not sent, only what happens now.
    await w.reload(page);
    await report(page, { nowMs: T0 + 20 * 60000 });
    await page.evaluate(() => window.rt.pw.track("signup"));
    await run(page, "hide");
    const sends = await sent(page);
    assert.ok(sends.length > 0);
    const minutes = sends.flatMap((s) => s.body.events.map((e) => e.minute));
    assert.deepEqual([...new Set(minutes)], [MINUTE_T0 + 20], "only this page's events");
  });
});

/** Init script: the browser sends Global Privacy Control. */
function globalPrivacyControl() {
  Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true, configurable: true });
}

test("Global Privacy Control turns reporting off (reporting_off) and leaves personalization on; respectGlobalPrivacyControl: false reports anyway", async () => {
  const withGpc = async (body) => {
    const { context, page } = await w.open();
    try {
      await context.addInitScript(globalPrivacyControl);
      await w.reload(page);
      assert.equal(await page.evaluate(() => navigator.globalPrivacyControl), true);
      await body(page);
    } finally {
      await context.close();
    }
  };
  await withGpc(async (page) => {
    await report(page);
    assert.deepEqual((await eventsOf(page, "warning")).map((w) => w.code), ["reporting_off"]);
    await page.waitForSelector('#banner[data-pw-state="applied"]');
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    assert.equal(await page.textContent("#hero"), "Welcome back, admin");
    assert.equal((await eventsOf(page, "exposure")).length, 2, "the site's own events still fire");
    await page.evaluate(() => window.rt.pw.track("signup"));
    await run(page, "flush", "hide", "pagehide");
    assert.deepEqual(await sent(page), []);
    assert.deepEqual((await signalsOf(page)).outbox, { batches: 0, queued: 0 }, "nothing waits for a collector");

    // The same device on a site that reports anyway: only what happens from then on is sent,
    // nothing recorded while the signal was respected.
    await w.reload(page);
    await report(page, { respectGlobalPrivacyControl: false, nowMs: T0 + 10 * 60000 });
    assert.deepEqual(await eventsOf(page, "warning"), []);
    await run(page, "hide");
    const sends = await sent(page);
    assert.deepEqual(eventsIn(sends), [exposure("banner-text", "short"), exposure("hero-admin", "admin")]);
    assert.ok(sends.every((s) => s.body.events.every((e) => e.minute === MINUTE_T0 + 10)), "none from the earlier page");
  });
});

test("reports carry nothing that identifies the device or its signals: no install id, signal name or value, URL or user agent", async () => {
  const SECRET_ROLE = "admin-ZZ-SECRET-ROLE-42";
  const SECRET_PLAN = "ZZ-SECRET-PLAN-77";
  const received = w.collector.received.length;
  await device(async (page) => {
    w.collector.answer = "drop";
    await report(page, { only: ["banner", "hero", "onboarding", "pricing-note"] });
    await page.evaluate(([role, plan]) => {
      window.rt.beacon = "refuse";
      window.rt.pw.set("role", role);
      window.rt.pw.set("plan", plan);
      window.rt.pw.set("seats", 987654321);
      window.rt.pw.track("signup");
      window.rt.hide();
      window.rt.pagehide();
    }, [SECRET_ROLE, SECRET_PLAN]);
    await answered(page);
    const first = await sent(page);
    // The next page: every way of sending, through a collector that answers.
    await w.reload(page);
    w.collector.answer = 204;
    await report(page, { only: ["banner", "hero", "onboarding", "pricing-note"] });
    await page.evaluate(() => {
      history.pushState(null, "", "/pricing/plans?utm_source=newsletter");
      window.rt.pw.track("upgrade");
      window.rt.pw.flush();
    });
    await answered(page);
    await page.evaluate(() => {
      window.rt.pw.track("signup");
      window.rt.hide();
      window.rt.pagehide();
      window.rt.show();
      window.rt.pw.flush();
    });
    await answered(page);
    await drained(page);
    const all = [...first, ...(await sent(page))];
    const id = (await storedOf(page))["pathwise:v2:id"];
    const stored = (await storedOf(page))["pathwise:v2:signals"];
    assert.ok(stored.includes(SECRET_ROLE) && stored.includes(SECRET_PLAN), "both values are on the device");
    const href = await page.evaluate(() => location.href);
    const forbidden = [id, SECRET_ROLE, SECRET_PLAN, "ZZ-", "987654321", "role", "plan", "seats", href,
      new URL(href).host, "/pricing", "newsletter", await page.evaluate(() => navigator.userAgent)];
    assert.ok(all.length >= 4, `${all.length} sends`);
    let events = 0;
    const bodies = [...all.map((s) => JSON.stringify(s.body)), ...w.collector.received.slice(received).map((r) => r.body)];
    for (const body of bodies) {
      for (const secret of forbidden) assert.ok(!body.includes(secret), `${JSON.stringify(secret)} in ${body}`);
      const batch = JSON.parse(body);
      assert.deepEqual(Object.keys(batch).sort(), ["batch", "bundle", "dropped", "events", "schema", "site"]);
      assert.notEqual(batch.batch, id);
      for (const e of batch.events) {
        events += 1;
        const allowed = ["control", "minute", "rule", "slot", "type", "variant", ...(e.type === "conversion" ? ["goal"] : [])];
        assert.deepEqual(Object.keys(e).sort(), allowed.sort());
      }
    }
    assert.ok(all.every((s) => s.url === "/collect"), "only the collector is contacted");
    assert.ok(events >= 5, `${events} events`);
  });
});
