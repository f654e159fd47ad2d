// The runtime as a page's own code drives it, call by call, in headless Chromium (pages/runtime.html,
// lib/runtime.mjs): what is stored and read back across real reloads (TTLs, sessions, what
// conditions see, corrupt storage, consent, forget, rollback), where the bundle comes from
// (inline, element, stored, URL with background revalidation, size caps, a version in the
// future), the options and the errors calls throw, and what the page shows (templates, text, the
// reveal timeout, paths and links, single-page navigation, answers taking effect at once,
// preview overrides, assignments). Reporting is in runtime-report.test.mjs.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DAY, MINUTE, T0, eventsOf, runtimeBundle, runtimeWorld, signalsOf, storedOf } from "./lib/runtime.mjs";
import { PKG, pathwise } from "./lib/tools.mjs";

let w;
before(async () => {
  w = await runtimeWorld();
});
after(() => w?.teardown());

/** A fresh device (lib/runtime.mjs). */
const device = (body, options) => w.device(body, options);

const peek = (page, slot) => page.evaluate((slot) => window.rt.pw.peek(slot).variant, slot);
const decide = (page, slot) => page.evaluate((slot) => window.rt.pw.decide(slot).variant, slot);
const codes = async (page, type) => (await eventsOf(page, type)).map((e) => e.code);
const text = (page, selector) => page.$eval(selector, (el) => el.textContent.trim());
const state = (page, selector) => page.getAttribute(selector, "data-pw-state");
const renders = async (page, rule) => (await signalsOf(page)).renders[rule]?.length ?? 0;

// --- storage ------------------------------------------------------------------------------------

test("what a page stores is read back by the next page: signals, install id and bundle, under pathwise:v2:", async () => {
  await device(async (page) => {
    assert.equal(await w.start(page), 1);
    await page.evaluate(() => {
      window.rt.pw.set("role", "admin");
      window.rt.pw.track("clicked");
    });
    const stored = await storedOf(page);
    const keys = Object.keys(stored);
    for (const key of ["bundle", "history", "id", "session", "signals", "version"]) {
      assert.ok(keys.includes(`pathwise:v2:${key}`), `pathwise:v2:${key} is stored: ${keys.join(", ")}`);
    }
    assert.ok(keys.every((k) => k.startsWith("pathwise:v2:")), keys.join(", "));
    const id = stored["pathwise:v2:id"];
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(stored["pathwise:v2:version"], "1");

    // The next page view, no bundle given: the stored bundle, the answers, the same device.
    await w.reload(page);
    assert.equal(await w.start(page, { bundle: undefined }), 1);
    const s = await signalsOf(page);
    assert.equal(s.signals.attrs.role.v, "admin");
    assert.equal(s.signals.events.clicked.total, 1);
    assert.equal(s.storage, "local");
    assert.equal(s.consent, "granted");
    assert.equal((await storedOf(page))["pathwise:v2:id"], id);
    await page.waitForSelector('#hero[data-pw-state="applied"]');
    assert.equal(await text(page, "#hero"), "Welcome back, admin");
    assert.deepEqual(await eventsOf(page, "warning"), []);
  });
});

test("version() names the package's version", async () => {
  const { version } = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  await device(async (page) => {
    assert.equal(await page.evaluate(() => window.rt.version()), version);
  });
});

test("an attribute past its TTL is gone when the next page loads", async () => {
  await device(async (page) => {
    await w.start(page, { nowMs: T0 });
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    await w.reload(page);
    await w.start(page, { nowMs: T0 + 29 * DAY });
    assert.equal((await signalsOf(page)).signals.attrs.role?.v, "admin", "kept within its 30 days");
    assert.equal(await peek(page, "hero"), "admin");
    // role's TTL runs from its last write: 31 days later it is gone.
    await w.reload(page);
    await w.start(page, { nowMs: T0 + 31 * DAY });
    assert.equal((await signalsOf(page)).signals.attrs.role, undefined);
    assert.equal(await peek(page, "hero"), "default");
    assert.equal(await state(page, "#hero"), "default");
  });
});

test("a visit is recorded once per session (30 minutes idle end it), a page view at every page", async () => {
  await device(async (page) => {
    await w.start(page, { nowMs: T0 });
    await w.reload(page);
    await w.start(page, { nowMs: T0 + 10 * MINUTE });
    let events = (await signalsOf(page)).signals.events;
    assert.equal(events.visit.total, 1);
    assert.equal(events.page_view.total, 2);
    await w.reload(page);
    await w.start(page, { nowMs: T0 + 41 * MINUTE });
    events = (await signalsOf(page)).signals.events;
    assert.equal(events.visit.total, 2);
    assert.equal(events.page_view.total, 3);
  });
});

test("conditions see the device's history up to the previous page view", async () => {
  await device(async (page) => {
    const at = async (ms) => {
      await w.reload(page);
      await w.start(page, { nowMs: ms });
    };
    await w.start(page, { nowMs: T0 });
    // A brand-new device is 0 days old; it has no earlier visit to be 14 days ago.
    assert.equal(await decide(page, "newcomer"), "hello");
    assert.equal(await decide(page, "back"), "default");
    // This page view is recorded all the same: it counts from the next one on.
    const first = (await signalsOf(page)).signals.events;
    assert.equal(first.visit.total, 1);
    assert.equal(first.page_view.total, 1);

    // Back after 15 days: the visit that comes back does not hide the one 15 days ago.
    const t1 = T0 + 15 * DAY;
    await at(t1);
    assert.equal(await decide(page, "back"), "welcome-back");
    assert.equal(await peek(page, "back"), "welcome-back");
    assert.equal(await decide(page, "newcomer"), "default");
    // An event tracked in the view counts at once, but not the view's own visit.
    await page.evaluate(() => window.rt.pw.track("clicked"));
    assert.equal(await decide(page, "back"), "welcome-back");

    // "3+ visits in 7 days" means three earlier visits: t1, t1 + 1 h, t1 + 2 h.
    await at(t1 + 60 * MINUTE);
    assert.equal(await decide(page, "back"), "default");
    await at(t1 + 120 * MINUTE);
    assert.equal(await decide(page, "regular"), "default");
    await at(t1 + 180 * MINUTE);
    assert.equal(await decide(page, "regular"), "thanks");
    assert.equal((await signalsOf(page)).signals.events.visit.total, 5);
  });
});

test("corrupt, foreign and oversized stored values are discarded with storage_corrupt warnings; what is written then reads back", async () => {
  await device(async (page) => {
    await page.evaluate(() => {
      localStorage.setItem("pathwise:v2:signals", "{not what this SDK writes");
      localStorage.setItem("pathwise:v2:history", "x".repeat(70000));
      localStorage.setItem("pathwise:v2:ledger", "\u00ff\u0001garbage");
      localStorage.setItem("pathwise:v2:id", "../../etc");
      localStorage.setItem("pathwise:v2:version", "lots");
      localStorage.setItem("pathwise:v2:signals-not-ours", "kept");
    });
    assert.equal(await w.start(page), 1, "the page still personalizes");
    const warnings = await eventsOf(page, "warning");
    const corrupt = warnings.filter((w) => w.code === "storage_corrupt").map((w) => w.message);
    for (const key of ["signals", "history", "ledger", "id", "version"]) {
      assert.ok(corrupt.some((m) => m.includes(key)), `a storage_corrupt warning names ${key}: ${JSON.stringify(corrupt)}`);
    }
    const stored = await storedOf(page);
    assert.match(stored["pathwise:v2:id"], /^[0-9a-f]{32}$/, "a fresh install id replaces the foreign one");
    assert.equal(stored["pathwise:v2:version"], "1");
    assert.ok(stored["pathwise:v2:history"].length < 1000, "the oversized history was replaced by the SDK's own");

    // What is written now is the SDK's own: the next page reads it without a word.
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    await w.reload(page);
    await w.start(page);
    assert.deepEqual(await eventsOf(page, "warning"), []);
    assert.equal((await signalsOf(page)).signals.attrs.role.v, "admin");

    // A snapshot of another format version is foreign too.
    await page.evaluate(() => localStorage.setItem("pathwise:v2:signals", "S\u0009\u0000"));
    await w.reload(page);
    await w.start(page);
    assert.deepEqual(await codes(page, "warning"), ["storage_corrupt"]);
    assert.equal((await signalsOf(page)).signals.attrs.role, undefined);
  });
});

for (const [mode, code] of [["throw", "storage_unavailable"], ["quota", "storage_quota_exceeded"]]) {
  test(`storage that ${mode === "throw" ? "throws on access" : "is full"} leaves the SDK working in memory: ${code}, nothing stored`, async () => {
    await device(async (page) => {
      assert.equal(await w.start(page), 1);
      await page.evaluate(() => {
        window.rt.pw.set("role", "admin");
        window.rt.pw.track("clicked");
      });
      assert.ok((await codes(page, "warning")).includes(code));
      const s = await signalsOf(page);
      assert.equal(s.storage, "memory");
      assert.equal(s.signals.events.clicked.total, 1);
      assert.equal(await peek(page, "hero"), "admin", "the answer counts at once");
      await page.waitForSelector('#hero[data-pw-state="applied"]');
      if (mode === "quota") assert.deepEqual(await storedOf(page), {}, "nothing was written");
    }, { query: `?storage=${mode}` });
  });
}

test("consent pending writes nothing until granted; denied erases and keeps working in memory", async () => {
  await device(async (page) => {
    await w.start(page, { consent: "pending" });
    await page.evaluate(() => {
      window.rt.pw.set("role", "admin");
      window.rt.pw.track("clicked");
    });
    assert.deepEqual(await storedOf(page), {});
    assert.equal((await signalsOf(page)).consent, "pending");
    assert.equal(await peek(page, "hero"), "admin", "the answer counts in this page");

    await page.evaluate(() => window.rt.pw.setConsent("granted"));
    const stored = await storedOf(page);
    for (const key of ["bundle", "id", "session", "signals", "version"]) assert.ok(`pathwise:v2:${key}` in stored, key);
    assert.ok(stored["pathwise:v2:signals"].includes("admin") && stored["pathwise:v2:signals"].includes("clicked"),
      "what was held is written");
    assert.equal((await signalsOf(page)).storage, "local");

    await page.evaluate(() => window.rt.pw.setConsent("denied"));
    assert.deepEqual(await storedOf(page), {});
    await page.evaluate(() => window.rt.pw.track("clicked"));
    assert.deepEqual(await storedOf(page), {});
    assert.equal((await signalsOf(page)).signals.events.clicked.total, 2);
    assert.deepEqual(await w.throws(page, () => window.rt.pw.setConsent("maybe")), { code: "invalid_argument", isError: true });
  });
});

test("consent pending reads what a consented page stored; denied at init erases it and reads nothing", async () => {
  await device(async (page) => {
    await w.start(page);
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    const before = await storedOf(page);
    await w.reload(page);
    await w.start(page, { consent: "pending" });
    assert.equal(await peek(page, "hero"), "admin");
    assert.deepEqual(await storedOf(page), before, "nothing written while pending");
    await w.reload(page);
    await w.start(page, { consent: "denied" });
    assert.deepEqual(await storedOf(page), {});
    assert.equal(await peek(page, "hero"), "default");
    assert.equal((await signalsOf(page)).consent, "denied");
  });
});

test("forget() removes every pathwise: key (other formats' too), and the SDK goes on in memory as a new device", async () => {
  await device(async (page) => {
    await w.start(page);
    await page.evaluate(() => {
      window.rt.pw.set("role", "admin");
      localStorage.setItem("pathwise:v1:signals", "{}");
      localStorage.setItem("other-app", "keep");
    });
    const id = (await storedOf(page))["pathwise:v2:id"];
    await page.evaluate(() => window.rt.pw.forget());
    assert.deepEqual(await storedOf(page), { "other-app": "keep" });
    await page.evaluate(() => window.rt.pw.track("clicked"));
    assert.deepEqual(await storedOf(page), { "other-app": "keep" }, "nothing is written again");
    const s = await signalsOf(page);
    assert.equal(s.signals.attrs.role, undefined);
    assert.equal(s.storage, "memory");
    assert.equal(await peek(page, "hero"), "default");
    // Granted again: a new device, with a new install id.
    await page.evaluate(() => window.rt.pw.setConsent("granted"));
    const after = (await storedOf(page))["pathwise:v2:id"];
    assert.match(after, /^[0-9a-f]{32}$/);
    assert.notEqual(after, id);
  });
});

test("an older inline bundle after a newer one is a rollback; the same version again is the quiet repeat visit", async () => {
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: w.signed(3) }), 3);
    await w.reload(page);
    assert.equal(await w.start(page, { bundle: w.signed(2) }), 3, "the last good bundle stays");
    assert.deepEqual(await codes(page, "error"), ["rollback"]);
    assert.equal((await storedOf(page))["pathwise:v2:version"], "3");
    await w.reload(page);
    assert.equal(await w.start(page, { bundle: w.signed(3) }), 3);
    assert.deepEqual(await eventsOf(page, "error"), []);
  });
});

// --- where the bundle comes from ----------------------------------------------------------------

test("bundle sources: an inline element, then the stored bundle when it is gone, a URL stored and revalidated in the background", async () => {
  let served = w.signed(4);
  w.h.server.serve("/rt-bundle.json", () => served, "application/json");
  try {
    await device(async (page) => {
      await page.evaluate((text) => {
        const el = document.createElement("script");
        el.type = "application/vnd.pathwise+json";
        el.id = "pw-bundle";
        el.textContent = text;
        document.body.append(el);
      }, w.signed(1));
      assert.equal(await w.start(page, { bundle: "#pw-bundle" }), 1);
      // The next page has no such element: bundle_not_found, and the stored bundle serves.
      await w.reload(page);
      assert.equal(await w.start(page, { bundle: "#pw-bundle" }), 1);
      assert.deepEqual(await codes(page, "error"), ["bundle_not_found"]);
    });
    await device(async (page) => {
      // First visit with only a URL: fetched, verified, stored.
      assert.equal(await w.start(page, { bundle: "/rt-bundle.json" }), 4);
      assert.ok((await storedOf(page))["pathwise:v2:bundle"]);
      // Next visit: the stored bundle at once; the URL's newer one replaces it in the background.
      served = w.signed(5);
      await w.reload(page);
      assert.equal(await w.start(page, { bundle: "/rt-bundle.json" }), 4);
      await page.waitForFunction(() => window.rt.pw.bundleVersion === 5);
      assert.equal((await storedOf(page))["pathwise:v2:version"], "5");
      // `ready` again once the newer bundle is in use, with its version.
      await page.waitForFunction(() => window.rt.of("ready").length === 2);
      assert.deepEqual(await eventsOf(page, "ready"), [{ bundleVersion: 4 }, { bundleVersion: 5 }]);
      // A URL that fails leaves the stored bundle in use, and says why.
      served = "not-an-envelope";
      await w.reload(page);
      assert.equal(await w.start(page, { bundle: "/rt-bundle.json" }), 5);
      await page.waitForFunction(() => window.rt.of("error").length > 0);
      const [error] = await eventsOf(page, "error");
      assert.equal(error.code, "malformed_envelope");
      assert.equal(error.isError, true);
      assert.match(error.message, /rt-bundle\.json/);
      assert.equal(await page.evaluate(() => window.rt.pw.bundleVersion), 5);
      // No newer bundle, no second `ready`.
      assert.deepEqual(await eventsOf(page, "ready"), [{ bundleVersion: 5 }]);
      // The same version again from the URL: a quiet no-op, no second `ready` either.
      served = w.signed(5);
      await w.reload(page);
      assert.equal(await w.start(page, { bundle: "/rt-bundle.json" }), 5);
      await page.waitForFunction(() => performance.getEntriesByType("resource").filter((r) => r.name.endsWith("/rt-bundle.json")).length > 0);
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
      assert.deepEqual(await eventsOf(page, "ready"), [{ bundleVersion: 5 }]);
      assert.deepEqual(await eventsOf(page, "error"), []);
    });
  } finally {
    w.h.server.unroute("/rt-bundle.json");
  }
});

test("no anti-flicker rule in effect: init warns anti_flicker_missing, once per instance; the rule pasted into the site's CSS counts", async () => {
  await device(async (page) => {
    await page.evaluate(() => document.querySelector('link[href="/pkg/pathwise.css"]').remove());
    assert.equal(await w.start(page), 1);
    const [warning] = await eventsOf(page, "warning");
    assert.equal(warning.code, "anti_flicker_missing");
    assert.match(warning.message, /pathwise\.css/);
    // Answers, redraws and navigations do not repeat it.
    await page.evaluate(() => {
      window.rt.pw.set("role", "admin");
      window.rt.pw.apply();
      history.pushState(null, "", "/runtime.html?next=1");
    });
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    assert.deepEqual(await codes(page, "warning"), ["anti_flicker_missing"]);
  });
  await device(async (page) => {
    // The few lines of the rule in the site's own stylesheet instead of a <link> to pathwise.css.
    await page.evaluate(() => {
      document.querySelector('link[href="/pkg/pathwise.css"]').remove();
      const style = document.createElement("style");
      style.textContent = "[data-pw-block]:not([data-pw-state]), [data-pw-path]:not([data-pw-state]) { visibility: hidden; }";
      document.head.append(style);
    });
    assert.equal(await w.start(page), 1);
    assert.deepEqual(await eventsOf(page, "warning"), []);
  });
});

test("a bundle URL that never answers, even past its abort, times out and init settles with the defaults shown at once", async () => {
  await device(async (page) => {
    // A page's own fetch wrapper that ignores the abort signal: the worst case.
    await page.evaluate(() => {
      window.fetch = () => new Promise(() => {});
    });
    const started = Date.now();
    assert.equal(await w.start(page, { bundle: "/never-answers.json", fetchTimeoutMs: 80, revealTimeoutMs: 5000, only: ["banner"] }), null);
    const waited = Date.now() - started;
    assert.ok(waited >= 80 && waited < 2000, `init took ${waited} ms`);
    const errors = await eventsOf(page, "error");
    assert.deepEqual(errors.map((e) => e.code), ["fetch_timeout"]);
    assert.match(errors[0].message, /never-answers\.json/);
    assert.match(errors[0].message, /80 ms/);
    assert.deepEqual(await eventsOf(page, "ready"), [{ bundleVersion: null }]);
    // Not after the (long) reveal timeout: the defaults are shown as soon as init settled.
    assert.equal(await state(page, "#banner"), "default");
    assert.equal(await text(page, "#banner .title"), "Default");
  });
});

/**
 * A route that streams `total` bytes of a never-ending JSON object at a network's pace (16 KiB
 * every 10 ms, so what reached the page is what was written, not what kernel and browser buffers
 * soaked up), recording how many bytes it wrote before the page hung up (`closed`).
 */
function streamHuge(path, { total, contentLength }) {
  const sent = { bytes: 0, closed: null };
  sent.closed = new Promise((resolve) => {
    w.h.server.route(path, (req, res) => {
      const headers = { "Content-Type": "application/json", "Cache-Control": "no-store" };
      if (contentLength) headers["Content-Length"] = String(total);
      res.writeHead(200, headers);
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      chunk[0] = 0x7b; // "{" then spaces
      const timer = setInterval(() => {
        if (res.destroyed || sent.bytes >= total) return;
        res.write(chunk);
        sent.bytes += chunk.length;
      }, 10);
      res.on("close", () => {
        clearInterval(timer);
        resolve(sent.bytes);
      });
    });
  });
  return sent;
}

test("a huge bundle URL is refused with too_large: the download is stopped near the cap, not read to its end", async () => {
  // 64 MiB at this pace would take over a minute: past the 20 s fetch limit if it were read.
  const total = 64 * 1024 * 1024;
  const streamed = streamHuge("/huge.json", { total });
  const declared = streamHuge("/huge-declared.json", { total, contentLength: true });
  try {
    await device(async (page) => {
      assert.equal(await w.start(page, { bundle: "/huge.json", fetchTimeoutMs: 20000, only: ["banner"] }), null);
      const errors = await eventsOf(page, "error");
      assert.deepEqual(errors.map((e) => e.code), ["too_large"]);
      assert.match(errors[0].message, /huge\.json/);
      const written = await streamed.closed;
      // The cap is 353 624 bytes.
      assert.ok(written > 353624 && written < 2 * 1024 * 1024, `the server wrote ${written} bytes before the page aborted`);
      assert.equal(await state(page, "#banner"), "default");
    });
    await device(async (page) => {
      // A Content-Length over the cap is refused before the body is read.
      assert.equal(await w.start(page, { bundle: "/huge-declared.json", fetchTimeoutMs: 20000 }), null);
      assert.deepEqual(await codes(page, "error"), ["too_large"]);
      const written = await declared.closed;
      assert.ok(written < 353624, `the server wrote ${written} bytes before the page aborted`);
    });
  } finally {
    w.h.server.unroute("/huge.json");
    w.h.server.unroute("/huge-declared.json");
  }
});

test("the envelope cap: exactly the cap `pathwise verify` applies is accepted, one byte more is too_large; maxEnvelopeBytes lowers it", async () => {
  const envelope = w.signed(1);
  // Whitespace after the JSON leaves the envelope (and its signature) valid at any length.
  const CAP = 353624;
  const at = (n) => envelope + " ".repeat(n - envelope.length);
  // The native verifier's view of the same two files.
  for (const [n, ok] of [[CAP, true], [CAP + 1, false]]) {
    const file = join(w.h.tmp, `padded-${n}.json`);
    writeFileSync(file, at(n));
    let code = 0;
    try {
      pathwise(["verify", file, "--key", w.key, "--site", w.site]);
    } catch (e) {
      code = Number(/exited (\d+)/.exec(e.message)?.[1]);
    }
    assert.equal(code === 0, ok, `pathwise verify of ${n} bytes`);
  }
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: at(CAP) }), 1, `${CAP} bytes: accepted, as by pathwise verify`);
  });
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: at(CAP + 1) }), null);
    assert.deepEqual(await codes(page, "error"), ["too_large"]);
  });
  const small = at(Math.max(envelope.length, 4096));
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: small, maxEnvelopeBytes: small.length - 1 }), null);
    assert.deepEqual(await codes(page, "error"), ["too_large"]);
  });
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: small, maxEnvelopeBytes: small.length }), 1);
  });
});

test("a bundle version more than a day after the device's clock is refused with version_in_future; one day is fine", async () => {
  const now = T0 / 1000;
  const bundle = (version) => w.envelope(runtimeBundle(version), { version, now: now + DAY / 1000 });
  const inFuture = bundle(now + DAY / 1000 + 1);
  const dayAhead = bundle(now + DAY / 1000);
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: inFuture, nowMs: T0 }), null);
    const errors = await eventsOf(page, "error");
    assert.deepEqual(errors.map((e) => e.code), ["version_in_future"]);
    assert.equal(await peek(page, "banner"), "default");
    assert.equal((await storedOf(page))["pathwise:v2:version"], undefined, "nothing is remembered from it");
  });
  await device(async (page) => {
    assert.equal(await w.start(page, { bundle: dayAhead, nowMs: T0 }), now + DAY / 1000);
    assert.deepEqual(await eventsOf(page, "error"), []);
  });
});

// --- options and calls --------------------------------------------------------------------------

test("unusable options reject init with invalid_options and still reveal the page's defaults", async () => {
  await device(async (page) => {
    const refused = await w.refused(page, { site: "" });
    assert.equal(refused.code, "invalid_options");
    assert.equal(refused.isError, true);
    assert.equal(await state(page, "#hero"), "default");
    assert.equal(await state(page, "#steps"), "default");
    for (const bad of [
      { keys: ["ed25519:nope"] },
      { threshold: 2 },
      { fetchTimeoutMs: 0 }, { fetchTimeoutMs: 60001 }, { fetchTimeoutMs: "3000" },
      { revealTimeoutMs: -1 },
      { consent: "maybe" },
      { autoApply: "yes" },
      { maxEnvelopeBytes: 512 },
      { overrides: { hero: 1 } },
      { allowPreview: "yes" },
      { respectGlobalPrivacyControl: 1 },
      { collect: {} }, { collect: { url: "" } }, { collect: { url: "javascript:alert(1)" } },
      { collect: { url: "/collect", sampleRate: 1.5 } }, { collect: { url: "/collect", sampleRate: "all" } },
      { collect: { url: "/collect", idleMs: -1 } }, { collect: "/collect" },
    ]) {
      assert.equal((await w.refused(page, bad))?.code, "invalid_options", JSON.stringify(bad));
    }
  });
});

test("one unusable key beside a good one is an invalid_key warning; unknown option names are unknown_option warnings", async () => {
  await device(async (page) => {
    assert.equal(await w.start(page, {
      keys: ["ed25519:nope", w.key],
      revealTimeout: 100,
      collect: { url: "/collect", sample: 0.5 },
    }), 1);
    const warnings = await eventsOf(page, "warning");
    assert.deepEqual(warnings.map((w) => w.code).sort(), ["invalid_key", "unknown_option", "unknown_option"]);
    const unknown = warnings.filter((w) => w.code === "unknown_option").map((w) => w.message).join("\n");
    assert.match(unknown, /revealTimeout\b/);
    assert.match(unknown, /collect\.sample\b/);
    await page.waitForSelector('#banner[data-pw-state="applied"]');
  });
});

test("calls answer misuse with Errors carrying a stable code, and the SDK keeps working", async () => {
  await device(async (page) => {
    await w.start(page);
    const cases = {
      undeclared_signal: () => window.rt.pw.track("nope"),
      signal_not_event: () => window.rt.pw.track("role"),
      wrong_kind: () => window.rt.pw.set("role", 5),
      builtin_signal: () => window.rt.pw.set("visits", 5),
      unknown_slot: () => window.rt.pw.decide("nope"),
      invalid_argument: () => window.rt.pw.on("nope", () => {}),
      unknown_variant: () => window.rt.pw.override("hero", "nope"),
    };
    for (const [code, fn] of Object.entries(cases)) {
      assert.deepEqual(await w.throws(page, fn), { code, isError: true }, code);
    }
    assert.deepEqual(await w.throws(page, () => window.rt.pw.set("role", null)), { code: "wrong_kind", isError: true });
    assert.deepEqual(await w.throws(page, () => window.rt.pw.set("seats", Infinity)), { code: "non_finite_number", isError: true });
    assert.deepEqual(await w.throws(page, () => window.rt.pw.set("clicked", "x")), { code: "signal_is_event", isError: true });
    assert.deepEqual(await w.throws(page, () => window.rt.pw.override("hero", 1)), { code: "invalid_argument", isError: true });
    assert.deepEqual(await w.throws(page, () => window.rt.pw.set("role", "admin")), "no error");
    assert.equal(await peek(page, "hero"), "admin");
  });
});

// --- what the page shows ------------------------------------------------------------------------

test("a block shows its template variant on the next page view: one decision event, the template left inert", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["hero"] });
    assert.equal(await state(page, "#hero"), "default");
    assert.equal(await text(page, "#hero"), "Default hero");
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    await w.reload(page);
    await w.start(page, { only: ["hero"] });
    assert.equal(await state(page, "#hero"), "applied");
    assert.equal(await text(page, "#hero"), "Welcome back, admin");
    assert.equal(await page.$("#hero .d"), null);
    assert.ok(await page.$('template[data-pw-variant="hero:admin"]'), "the template stays in the page");
    assert.deepEqual(await eventsOf(page, "decision"),
      [{ slot: "hero", variant: "admin", rule: "hero-admin", control: false, reason: "matched" }]);
  });
});

test("text replacements are text, never markup; the rest of the block stays", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["banner"] });
    assert.equal(await state(page, "#banner"), "applied");
    assert.equal(await text(page, "#banner .title"), "<b>Hi</b> & welcome");
    assert.equal(await page.$("#banner b"), null);
    assert.equal(await text(page, "#banner .keep"), "Kept");
  });
});

test("the reveal timeout shows undecided blocks with their default, which then stay for the page view", async () => {
  await device(async (page) => {
    await w.start(page, { autoApply: false, revealTimeoutMs: 500, only: ["banner", "onboarding"] });
    // (Hidden by pathwise.css meanwhile: surfaces.test.mjs; here the page loaded long before init.)
    assert.equal(await state(page, "#banner"), null, "undecided");
    await page.waitForSelector('#banner[data-pw-state="default"]');
    assert.equal(await state(page, "#steps"), "default");
    // Shown as default, it does not change under the reader's eyes in this page view.
    await page.evaluate(() => window.rt.pw.apply());
    assert.equal(await text(page, "#banner .title"), "Default");
    assert.equal(await renders(page, "banner-text"), 0, "no render recorded");
  });
});

test("a path is shown in its order with the other steps hidden, markup around it in place, and next links follow it", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["onboarding"] });
    assert.equal(await state(page, "#steps"), "applied");
    const order = await page.$$eval("#steps > li", (items) => items.map((li) => [li.dataset.pwStep ?? "footer", li.hidden]));
    assert.deepEqual(order, [["invite", false], ["welcome", false], ["done", false], ["role", true], ["sso", true], ["footer", false]]);
    assert.equal(await page.getAttribute("#n-welcome", "href"), "/onboarding/done");
    assert.equal(await page.getAttribute("#n-done", "href"), "/app", "the last step's link goes to data-pw-done");
    assert.equal(await page.$eval("#n-bare", (a) => a.hidden), true, "without data-pw-done the last link is hidden");
    assert.equal(await page.$eval("#n-role", (a) => a.hidden), true, "a link from a step not in the path is hidden");
    const api = await page.evaluate(() => {
      const pw = window.rt.pw;
      return { path: pw.path("onboarding"), next: pw.next("onboarding", "invite"), last: pw.next("onboarding", "done"), off: pw.next("onboarding", "role") };
    });
    assert.deepEqual(api, { path: ["invite", "welcome", "done"], next: "welcome", last: null, off: null });
    assert.equal(await renders(page, "short-path"), 1, "path() is the decision already shown: one render");
  });
});

test("single-page navigation: pushState and popstate are page views that re-decide; a hash or the same URL is not", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["pricing-note"] });
    assert.equal(await state(page, "#note"), "default");
    await page.evaluate(() => {
      window.defaultNote = document.querySelector("#note .d");
    });
    const pageViews = async () => (await signalsOf(page)).signals.events.page_view.total;

    await page.evaluate(() => history.pushState(null, "", "/pricing/team"));
    await page.waitForSelector('#note[data-pw-state="applied"]');
    assert.equal(await text(page, "#note"), "Deal!");
    assert.equal(await pageViews(), 2);

    // Back to a page the rule does not target: the page's own default node comes back.
    await page.evaluate(() => history.pushState(null, "", "/runtime.html"));
    await page.waitForSelector('#note[data-pw-state="default"]');
    assert.equal(await page.evaluate(() => document.querySelector("#note .d") === window.defaultNote), true);
    assert.equal(await pageViews(), 3);

    // popstate (the back button) is a page view too.
    await page.evaluate(() => history.pushState(null, "", "/pricing"));
    await page.waitForSelector('#note[data-pw-state="applied"]');
    await page.evaluate(() => {
      History.prototype.replaceState.call(history, null, "", "/runtime.html");
      dispatchEvent(new PopStateEvent("popstate"));
    });
    await page.waitForSelector('#note[data-pw-state="default"]');
    assert.equal(await pageViews(), 5);
    // A change of the fragment alone, or replaceState to the same URL, is not.
    await page.evaluate(() => {
      history.replaceState(null, "", "#top");
      history.replaceState(null, "", location.href);
    });
    assert.equal(await pageViews(), 5);
  });
});

test("apply() again, decide(), peek() and explain() (pathwise/debug) show and count one render per page view; late blocks get the same decision", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["banner"] });
    const counted = await page.evaluate(async () => {
      const pw = window.rt.pw;
      pw.apply();
      pw.apply(document.querySelector("#banner"));
      const variant = pw.decide("banner").variant;
      pw.peek("banner");
      await (await import("/pkg/debug.js")).explain(pw, "banner");
      return variant;
    });
    assert.equal(counted, "short");
    assert.equal((await eventsOf(page, "decision")).length, 1);
    assert.equal(await renders(page, "banner-text"), 1);
    // A block the app renders later, applied with the decision already shown.
    await page.evaluate(() => {
      const late = document.createElement("div");
      late.id = "late";
      late.innerHTML = '<section data-pw-block="banner"><h2 class="title">Late</h2></section>';
      document.body.append(late);
      window.rt.pw.apply(late);
    });
    assert.equal(await text(page, "#late .title"), "<b>Hi</b> & welcome");
    assert.equal((await eventsOf(page, "decision")).length, 1);
    assert.equal(await renders(page, "banner-text"), 1);
  });
});

test("an answer takes effect in the same page view: changed slots only are decided again and redrawn; refresh() after forget()", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["hero", "banner", "onboarding"] });
    assert.equal((await eventsOf(page, "decision")).length, 3);
    await page.evaluate(() => {
      window.defaultHero = document.querySelector("#hero .d");
      window.bannerTitle = document.querySelector("#banner .title");
    });
    const visible = () => page.$$eval("#steps > [data-pw-step]:not([hidden])", (els) => els.map((e) => e.dataset.pwStep));
    assert.deepEqual(await visible(), ["invite", "welcome", "done"]);

    // At once, in this page view: no navigation, no await.
    const now = await page.evaluate(() => {
      window.rt.pw.set("role", "admin");
      return {
        steps: [...document.querySelectorAll("#steps > [data-pw-step]:not([hidden])")].map((e) => e.dataset.pwStep),
        next: document.querySelector("#n-role").getAttribute("href"),
        hero: document.querySelector("#hero").textContent.trim(),
      };
    });
    assert.deepEqual(now, { steps: ["welcome", "role", "sso", "done"], next: "/onboarding/sso", hero: "Welcome back, admin" });
    assert.equal(await state(page, "#hero"), "applied");
    assert.equal(await page.evaluate(() => document.querySelector("#banner .title") === window.bannerTitle), true, "the banner was not redrawn");
    assert.equal(await renders(page, "banner-text"), 1);
    assert.equal(await renders(page, "hero-admin"), 1);
    assert.equal(await renders(page, "onboarding-admin"), 1);
    const changed = (await eventsOf(page, "decision")).slice(3).map((d) => d.slot).sort();
    assert.deepEqual(changed, ["hero", "onboarding"]);

    // The same answer again changes nothing.
    await page.evaluate(() => {
      window.rt.pw.set("role", "admin");
      window.rt.pw.refresh();
    });
    assert.equal((await eventsOf(page, "decision")).length, 5);
    assert.equal(await renders(page, "hero-admin"), 1);

    // refresh() re-decides after a change not made through set/track: forget() cleared the role.
    await page.evaluate(() => {
      window.rt.pw.forget();
      window.rt.pw.refresh();
    });
    assert.deepEqual(await visible(), ["invite", "welcome", "done"]);
    assert.equal(await page.getAttribute("#n-welcome", "href"), "/onboarding/done");
    assert.equal(await state(page, "#hero"), "default");
    assert.equal(await page.evaluate(() => document.querySelector("#hero .d") === window.defaultHero), true, "the page's own node is back");
    assert.equal(await page.evaluate(() => document.querySelector("#banner .title") === window.bannerTitle), true);
  });
});

test("without autoApply an answer re-decides (decision events) but the page shows it only when the app applies", async () => {
  await device(async (page) => {
    await w.start(page, { autoApply: false, only: ["hero", "onboarding"] });
    await page.evaluate(() => window.rt.pw.apply());
    const visible = () => page.$$eval("#steps > [data-pw-step]:not([hidden])", (els) => els.map((e) => e.dataset.pwStep));
    assert.deepEqual(await visible(), ["invite", "welcome", "done"]);
    const before = (await eventsOf(page, "decision")).length;
    await page.evaluate(() => window.rt.pw.set("role", "admin"));
    assert.equal((await eventsOf(page, "decision")).length - before, 2, "hero and onboarding changed");
    assert.deepEqual(await visible(), ["invite", "welcome", "done"], "the document is the app's to redraw");
    await page.evaluate(() => window.rt.pw.apply());
    assert.deepEqual(await visible(), ["welcome", "role", "sso", "done"]);
    assert.equal(await renders(page, "onboarding-admin"), 1);
  });
});

test("assignments() lists the slots decided in this page view, with rule, variant, control and reason", async () => {
  await device(async (page) => {
    await w.start(page, { only: ["banner", "onboarding"] });
    assert.deepEqual(await page.evaluate(() => window.rt.pw.assignments()), {
      banner: { rule: "banner-text", variant: "short", control: false, reason: "matched" },
      onboarding: { rule: "short-path", variant: "short", control: false, reason: "matched" },
    });
    // peek() decides nothing; decide() does; an answer updates what changed.
    await page.evaluate(() => {
      window.rt.pw.peek("hero");
      window.rt.pw.decide("pricing-note");
      window.rt.pw.set("role", "admin");
    });
    assert.deepEqual(await page.evaluate(() => window.rt.pw.assignments()), {
      banner: { rule: "banner-text", variant: "short", control: false, reason: "matched" },
      onboarding: { rule: "onboarding-admin", variant: "admin-path", control: false, reason: "matched" },
      "pricing-note": { rule: null, variant: "default", control: false, reason: "no_rule" },
    });
    // A new page view starts afresh: the slots its page shows.
    await page.evaluate(() => history.pushState(null, "", "/pricing"));
    await page.waitForFunction(() => !("pricing-note" in window.rt.pw.assignments()));
    assert.deepEqual(await page.evaluate(() => window.rt.pw.assignments()), {
      banner: { rule: "banner-text", variant: "short", control: false, reason: "matched" },
      onboarding: { rule: "onboarding-admin", variant: "admin-path", control: false, reason: "matched" },
    });
  });
});

test("preview overrides (option, method, ?pathwise-preview with allowPreview) show a variant, explained as override, never recorded or stored", async () => {
  await device(async (page) => {
    // The option: the hero shows the admin variant on a device with no role.
    await w.start(page, { overrides: { hero: "admin" }, only: ["hero", "banner"], collect: { url: "/collect", idleMs: 60000 } });
    await page.waitForSelector('#hero[data-pw-state="applied"]');
    assert.equal(await text(page, "#hero"), "Welcome back, admin");
    const explained = await page.evaluate(async () => (await import("/pkg/debug.js")).explain(window.rt.pw, "hero"));
    assert.deepEqual(explained.decision, { slot: "hero", variant: "admin", rule: null, control: false, reason: "override" });
    assert.deepEqual(explained.candidates.map((c) => [c.rule, c.outcome]), [["hero-admin", "not_in_audience"]],
      "the candidates say what the rules would have decided");
    assert.equal(await renders(page, "hero-admin"), 0, "no render recorded");
    assert.deepEqual((await eventsOf(page, "exposure")).map((e) => e.slot), ["banner"], "not an exposure");
    assert.ok(Object.values(await storedOf(page)).every((v) => !v.includes("admin")), "the override is not stored");
    await page.evaluate(() => window.rt.hide());
    const reported = await page.evaluate(() => window.rt.sent.flatMap((s) => JSON.parse(s.body).events.map((e) => e.slot)));
    assert.deepEqual(reported, ["banner"], "nor reported");
    await page.evaluate(() => window.rt.show());

    // The method: removed, the rules' answer is back at once; set again, the variant at once.
    await page.evaluate(() => window.rt.pw.override("hero", null));
    assert.equal(await state(page, "#hero"), "default");
    assert.equal(await text(page, "#hero"), "Default hero");
    await page.evaluate(() => window.rt.pw.override("hero", "admin"));
    assert.equal(await text(page, "#hero"), "Welcome back, admin");
    assert.equal((await page.evaluate(() => window.rt.pw.assignments())).hero.reason, "override");

    // Not remembered by the next page.
    await w.reload(page);
    await w.start(page, { only: ["hero"] });
    assert.equal(await state(page, "#hero"), "default");
  });
  // The URL parameter counts only where the site allows previews.
  await device(async (page) => {
    await w.start(page, { only: ["hero"] });
    assert.equal(await state(page, "#hero"), "default", "without allowPreview the link picks nothing");
  }, { query: "?pathwise-preview=hero:admin" });
  await device(async (page) => {
    await w.start(page, { allowPreview: true, only: ["hero", "onboarding"] });
    assert.equal(await text(page, "#hero"), "Welcome back, admin");
    assert.deepEqual(await page.evaluate(() => window.rt.pw.path("onboarding")), ["welcome", "role", "sso", "done"]);
    assert.equal((await page.evaluate(() => window.rt.pw.peek("onboarding"))).reason, "override");
  }, { query: "?pathwise-preview=hero:admin,onboarding:admin-path" });
});
