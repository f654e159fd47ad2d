// The core's golden corpus through the shipped package: every tests/golden/cases/*.json must be
// decided by what users run exactly as the native reference `pathwise explain --json` decides it.
// A difference means a device would decide otherwise than the CLI, the debug panel or the report
// claim.
//
// - In Chromium, through the page (pkg/index.js), every case: the case's bundle signed with a
//   test key; the device's stored signals and render history seeded into localStorage as the
//   page keeps them (written by `pathwise explain --emit-storage` from the scenario); the clock
//   through the `now` option; the time zone, locale, screen and referrer through the browser
//   context; the page path and utm_* through the URL. The page's `explain()` for each of the
//   case's slots must equal the CLI's JSON for the same device. A page's install id is 32 hex
//   digits, so the page runs as PAGE_UNIT and the CLI is asked about PAGE_UNIT too (`--unit`).
// - In Node, through pathwise/engine, the cases the headless engine can express (no history, no
//   stored signals, no page context but the path), with the case's own unit: the engine's
//   decision for each slot must be the CLI's (the engine answers variant, rule and control; it
//   has no reasons).
//
// Where the page's documented semantics differ from a scenario's, the case is listed in
// PAGE_SEMANTICS with the reason and the scenario as the page reads it; the page must then equal
// the CLI on that scenario, and must differ from the CLI on the plain one (so the list cannot go
// stale). Every other case must match the plain scenario exactly.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launch } from "./lib/browser.mjs";
import { PAGES, startServer } from "./server.mjs";
import { GOLDEN, PKG, keygen, pathwise, sign, tempDir } from "./lib/tools.mjs";

const CASES = join(GOLDEN, "cases");
const files = readdirSync(CASES).filter((f) => f.endsWith(".json")).sort();
const cases = files.map((file) => ({ file, ...JSON.parse(readFileSync(join(CASES, file), "utf8")) }));

/** The install id the page runs as (any 32 hex digits; pinned so every run is the same). */
const PAGE_UNIT = "9d4f0c6e2b8a41d7a3e5f60718293a4b";

/**
 * Cases where the page reads the scenario otherwise, as docs/js-api.md ("What conditions see")
 * says: file -> [reason, the scenario as the page reads it].
 */
const PAGE_SEMANTICS = {
  "056-never-seen-is-not-newcomer.json": [
    "a brand-new device is 0 days old in the page (its first page view marks it seen before " +
      "deciding), where the scenario's device has no first-seen time at all",
    // An action with nothing in it marks the device seen at that time, as the page does.
    (scenario) => ({ ...scenario, actions: [...(scenario.actions ?? []), { at: scenario.now }] }),
  ],
};

let tmp;
let key;
let server;
let browser;
/** bundle spec (file name or inline JSON text) -> {file, text, site} of its signed envelope. */
const signed = new Map();

before(async () => {
  tmp = tempDir("pathwise-golden-");
  key = keygen(tmp.dir);
  server = await startServer({});
  const page = readFileSync(join(PAGES, "golden.html"));
  for (const path of new Set(cases.map((c) => c.scenario.page?.path || "/"))) {
    server.route(path, (req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(page);
    });
  }
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  tmp?.cleanup();
});

/** The case's bundle signed with the test key at version 1 (a device's clock may be years earlier than today). */
function envelopeOf(c) {
  const spec = typeof c.bundle === "string" ? c.bundle : JSON.stringify(c.bundle);
  if (!signed.has(spec)) {
    const bundle = typeof c.bundle === "string" ? JSON.parse(readFileSync(join(GOLDEN, c.bundle), "utf8")) : c.bundle;
    const name = `bundle-${signed.size}`;
    const text = sign(tmp.dir, bundle, key.keyFile, { version: 1, name });
    signed.set(spec, { file: join(tmp.dir, `${name}.signed.json`), text, site: bundle.site });
  }
  return signed.get(spec);
}

/** `pathwise explain --json` of the case's slots for `scenario` (and `--emit-storage FILE`). */
function explainNatively(c, scenario, name, storage) {
  const envelope = envelopeOf(c);
  const scenarioFile = join(tmp.dir, `${name}.scenario.json`);
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  const args = ["explain", envelope.file, "--key", key.publicKey, "--site", envelope.site,
    "--scenario", scenarioFile, "--json", ...Object.keys(c.expect).flatMap((slot) => ["--slot", slot])];
  if (storage) args.push("--emit-storage", storage);
  return JSON.parse(pathwise(args));
}

/** Unix milliseconds of a scenario time (RFC 3339 or Unix seconds). */
const ms = (t) => (typeof t === "number" ? t * 1000 : Date.parse(t));

/** The IANA zone of a whole-hour UTC offset (`Etc/GMT-1` is UTC+1). */
function zoneOf(minutes = 0) {
  if (minutes % 60) throw new Error(`no Etc/GMT zone for a UTC offset of ${minutes} minutes`);
  const hours = minutes / 60;
  return hours === 0 ? "UTC" : `Etc/GMT${hours > 0 ? "-" : "+"}${Math.abs(hours)}`;
}

/** Browser context options giving the page the scenario's time zone, language and device class. */
function contextFor(scenario) {
  const page = scenario.page ?? {};
  const options = { timezoneId: zoneOf(scenario.utc_offset_minutes), locale: page.language ?? "en-US" };
  // docs/js-api.md: a coarse pointer with a short screen side under 600 CSS px is a phone, a
  // coarse pointer otherwise a tablet, a fine pointer a desktop.
  if (page.device === "mobile") Object.assign(options, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  else if (page.device === "tablet") Object.assign(options, { viewport: { width: 820, height: 1180 }, isMobile: true, hasTouch: true });
  else if (page.device !== undefined && page.device !== "desktop") throw new Error(`no browser for device ${page.device}`);
  return options;
}

/** The page's URL (path, utm_* in the query) and the referrer to arrive from. */
function urlFor(scenario) {
  const page = scenario.page ?? {};
  const url = new URL(page.path || "/", server.url);
  for (const name of ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]) {
    if (page[name] !== undefined) url.searchParams.set(name, page[name]);
  }
  return { url: url.href, referer: page.referrer_domain ? `http://${page.referrer_domain}/landing` : undefined };
}

/** Init script: the device's storage and what golden.js starts with, before any of the page's scripts. */
function seed({ storage, golden }) {
  for (const [name, value] of Object.entries(storage)) localStorage.setItem(name, value);
  window.__golden = golden;
}

/** What the page's SDK explains for scenario `scenario` (run as PAGE_UNIT) with the stored `storage`. */
async function explainInPage(c, scenario, storage) {
  const envelope = envelopeOf(c);
  const context = await browser.newContext(contextFor(scenario));
  try {
    await context.addInitScript(seed, {
      storage: { ...storage, "pathwise:v2:id": PAGE_UNIT },
      golden: { site: envelope.site, keys: [key.publicKey], envelope: envelope.text, now: ms(scenario.now), slots: Object.keys(c.expect) },
    });
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(String(e)));
    const { url, referer } = urlFor(scenario);
    await page.goto(url, { referer });
    const result = await page.evaluate(() => window.__goldenResult);
    // The page context the SDK read is the scenario's (else the comparison would not be about it).
    const seen = await page.evaluate(() => ({
      path: location.pathname,
      referrer: document.referrer ? new URL(document.referrer).hostname : null,
      language: navigator.language,
      offset: -new Date(window.__golden.now).getTimezoneOffset() || 0,
    }));
    return { result, seen, problems };
  } finally {
    await context.close();
  }
}

test("the golden corpus is there, and every bundle signs", () => {
  assert.ok(cases.length >= 60, `expected at least 60 golden cases, found ${cases.length}`);
  for (const c of cases) envelopeOf(c);
  for (const file of Object.keys(PAGE_SEMANTICS)) assert.ok(files.includes(file), `${file} (PAGE_SEMANTICS) is a case`);
});

for (const c of cases) {
  test(`golden ${c.file}: the page explains exactly as pathwise explain`, async () => {
    const scenario = { ...c.scenario, unit: PAGE_UNIT };
    const storageFile = join(tmp.dir, `${c.file}.storage.json`);
    let expected = explainNatively(c, scenario, c.file, storageFile);
    const storage = JSON.parse(readFileSync(storageFile, "utf8"));
    const semantics = PAGE_SEMANTICS[c.file];
    const plain = expected;
    if (semantics) expected = explainNatively(c, semantics[1](scenario), `${c.file}.page`);

    const { result, seen, problems } = await explainInPage(c, scenario, storage);
    assert.equal(result.failed, undefined, `init failed: ${JSON.stringify(result.failed)}`);
    assert.deepEqual(problems, []);
    assert.deepEqual(result.events, [], "no error or warning while starting (the seeded storage was read)");
    assert.equal(result.bundleVersion, 1);
    const page = scenario.page ?? {};
    assert.deepEqual(seen, {
      path: page.path || "/",
      referrer: page.referrer_domain ?? null,
      language: page.language ?? "en-US",
      offset: scenario.utc_offset_minutes ?? 0,
    }, "the page stands where the scenario does");
    assert.deepStrictEqual(result.explained, expected);
    if (semantics) {
      assert.notDeepStrictEqual(result.explained, plain, `listed in PAGE_SEMANTICS (${semantics[0]}), yet the page agrees with the plain scenario`);
    }
  });
}

// --- pathwise/engine in Node ------------------------------------------------------------------

const engineEntry = await import(pathToFileURL(join(PKG, "engine.js")).href);

/** Whether the headless engine can express the case: no history, no stored signals, only a path. */
const headless = (c) => !c.scenario.actions?.length && !Object.keys(c.scenario.renders ?? {}).length &&
  Object.keys(c.scenario.page ?? {}).every((k) => k === "path");

test("the headless engine expresses the bucketing cases, with their own units", () => {
  const units = new Set(cases.filter(headless).map((c) => c.scenario.unit));
  assert.ok(units.size >= 4, `several units: ${[...units].join(", ")}`);
  assert.ok(cases.filter(headless).length >= 20, "at least 20 cases through the engine");
});

for (const c of cases.filter(headless)) {
  test(`golden ${c.file}: pathwise/engine decides as pathwise explain (unit ${c.scenario.unit})`, () => {
    const native = explainNatively(c, c.scenario, `${c.file}.engine`);
    const envelope = envelopeOf(c);
    // The engine's clock has the process's UTC offset (its time zone).
    const tz = process.env.TZ;
    process.env.TZ = zoneOf(c.scenario.utc_offset_minutes);
    try {
      const now = ms(c.scenario.now);
      const engine = engineEntry.PathwiseEngine.fromEnvelope(envelope.text, envelope.site, [key.publicKey], now);
      engine.setNow(now);
      engine.setPage(c.scenario.page?.path ?? "");
      engine.setUnit(c.scenario.unit);
      engine.setAttributes({});
      const picked = engine.decideAll();
      const choices = engine.choices();
      const slots = engine.slots();
      const decided = Object.fromEntries(Object.keys(c.expect).map((slot) => {
        const i = slots.indexOf(slot);
        const [variant, rule, control] = choices[i][picked[i]];
        return [slot, { variant, rule, control }];
      }));
      const wanted = Object.fromEntries(Object.entries(native).map(([slot, e]) =>
        [slot, { variant: e.decision.variant, rule: e.decision.rule, control: e.decision.control }]));
      assert.deepStrictEqual(decided, wanted);
      engine.free();
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
}
