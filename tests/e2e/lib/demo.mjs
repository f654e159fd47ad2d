// The real demo: `pathwise serve` (www/, the signed demo bundle, /pathwise/results into SQLite, /report)
// as a child process, and the page-side hooks the demo tests use.
//
// `startDemo()` starts it on a free port with its own temporary database and key folder;
// `stop()` kills it (SIGKILL: nothing it acknowledged may be lost, so no graceful shutdown is
// needed) and `start()` brings it back on the same port with the same database and keys, which
// is how a test simulates "the collector is down, then up again" under a page that stays open.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debugSignals, openPage, waitForSignals } from "./browser.mjs";
import { PKG, REPO, pathwiseBin, tempDir } from "./tools.mjs";

/** The demo site folder and its bundle. */
export const WWW = join(REPO, "www");
export const DEMO_BUNDLE = join(WWW, "bundle.json");
/** The site the demo bundle is for. */
export const DEMO_SITE = "ledgerly.example";

const URL_LINE = /Pathwise demo: (http:\/\/[^\s/]+)\//;

/** Spawns `pathwise serve` and resolves once it printed its URL; rejects if it exits first. */
function spawnServe(args, { timeout = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(pathwiseBin(), ["serve", ...args], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${message}\nstdout:\n${out}\nstderr:\n${err}`));
    };
    const timer = setTimeout(() => fail(`pathwise serve printed no URL within ${timeout} ms`), timeout);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(URL_LINE);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, url: match[1], stderr: () => err });
      }
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("error", (e) => fail(`pathwise serve could not start: ${e.message}`));
    child.on("exit", (code, signal) => fail(`pathwise serve exited (${signal ?? code}) before printing its URL`));
  });
}

/**
 * Starts `pathwise serve --root www --bundle www/bundle.json --pkg <pkg> --port 0` with a
 * temporary SQLite `--store` and `--keys`. Returns the running demo:
 *
 * - `url` (`http://127.0.0.1:PORT`, no trailing slash), `port`, `db`, `keys`;
 * - `stop()` kills the process and waits for it to exit; `start()` starts it again on the same
 *   port, database and keys (it re-signs the bundle with a higher version, as a restart does);
 * - `report()` fetches `/report.json`; `close()` stops it and removes the temporary folder.
 */
export async function startDemo({ pkgDir = PKG } = {}) {
  const tmp = tempDir("pathwise-demo-e2e-");
  const db = join(tmp.dir, "events.sqlite");
  const keys = join(tmp.dir, "keys");
  const base = ["--root", "www", "--bundle", "www/bundle.json", "--pkg", pkgDir, "--host", "127.0.0.1",
    "--store", `sqlite:${db}`, "--keys", keys];

  let running = await spawnServe([...base, "--port", "0"]);
  const url = running.url;
  const port = Number(new URL(url).port);

  const demo = {
    url,
    port,
    db,
    keys,
    /** Whether the server process is up. */
    get up() {
      return running !== null;
    },
    /** Kills the server (as a crash would) and waits until it has exited. */
    async stop() {
      const current = running;
      if (!current) return;
      running = null;
      current.child.removeAllListeners("exit");
      const exited = new Promise((resolve) => current.child.once("exit", resolve));
      current.child.kill("SIGKILL");
      await exited;
    },
    /** Starts the server again on the same port, database and keys. */
    async start() {
      if (running) return;
      // The port was just freed; retry briefly should the OS not have released it yet.
      let lastError;
      for (let attempt = 0; attempt < 20; attempt += 1) {
        try {
          running = await spawnServe([...base, "--port", String(port)]);
          return;
        } catch (e) {
          lastError = e;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw lastError;
    },
    /** `GET /report.json`, parsed. */
    async report() {
      const response = await fetch(`${url}/report.json`);
      if (!response.ok) throw new Error(`/report.json answered ${response.status}`);
      return response.json();
    },
    async close() {
      await demo.stop();
      tmp.cleanup();
    },
  };
  return demo;
}

/**
 * The report's counts as a flat map: `"rule/arm" -> {exposures, conversions}` for every arm with
 * at least one event (arm = "control" or the variant id), plus the batch and event totals.
 */
export function reportCounts(report) {
  const counts = {};
  for (const rule of report.rules) {
    for (const arm of rule.arms) {
      if (arm.exposures || arm.conversions) {
        counts[`${rule.rule}/${arm.control ? "control" : arm.variant}`] = {
          exposures: arm.exposures,
          conversions: arm.conversions,
        };
      }
    }
  }
  return counts;
}

/**
 * What a set of page-side records says the report must hold: `exposures` are the `exposure`
 * events the pages emitted, `conversions` `{rule, control, variant}` triples (one per conversion
 * expected). Same shape as `reportCounts`.
 */
export function expectedCounts(exposures, conversions = []) {
  const counts = {};
  const key = (e) => `${e.rule}/${e.control ? "control" : e.variant}`;
  for (const e of exposures) {
    counts[key(e)] ??= { exposures: 0, conversions: 0 };
    counts[key(e)].exposures += 1;
  }
  for (const c of conversions) {
    counts[key(c)] ??= { exposures: 0, conversions: 0 };
    counts[key(c)].conversions += 1;
  }
  return counts;
}

/**
 * Polls `/report.json` until `done(report)` holds (the beacons are asynchronous: there is no
 * event to await on the collector's side) or `timeout` ms pass; returns the last report either
 * way, so the caller's assertion shows what was there.
 */
export async function settledReport(demo, done, { timeout = 15000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let report = await demo.report();
  while (!done(report) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    report = await demo.report();
  }
  return report;
}

/**
 * An init script (for `context.addInitScript`) that gives tests the page's Pathwise instance and
 * everything it emits from the very start: it imports the demo's own `/js/site.js` (the same
 * module instance the page uses) and subscribes to `ready`'s instance before the events queued
 * during `init` are delivered (they come in a task after `init` resolves; this subscription is a
 * microtask). It also notes every `track()` the page makes from then on (the demo's goals are all
 * tracked by clicks, after `ready`), so a test knows which conversions to expect.
 *
 * Records into `window.__demo = {pw, exposures, decisions, errors, warnings, tracks, settled}`
 * (`settled` turns true once the events queued during init were delivered) and, when the context
 * exposes a `__pwRecord(kind, payload)` binding, forwards each record to the test as it happens
 * (so nothing is lost when the page navigates away).
 */
export function tapScript() {
  if (!/^https?:$/.test(location.protocol) || window.top !== window) return;
  const demo = { pw: null, exposures: [], decisions: [], errors: [], warnings: [], tracks: [], started: false, settled: false };
  window.__demo = demo;
  const forward = (kind, payload) => {
    try {
      window.__pwRecord?.(kind, payload);
    } catch {
      // The test did not ask for records.
    }
  };
  const tap = () => {
    if (demo.started || !document.querySelector('script[src="/js/site.js"]')) return;
    demo.started = true;
    import("/js/site.js")
      .then((m) => m.ready)
      .then((pw) => {
        demo.pw = pw;
        if (pw) {
          pw.on("exposure", (e) => {
            demo.exposures.push({ ...e });
            forward("exposure", { ...e });
          });
          pw.on("decision", (d) => demo.decisions.push(JSON.parse(JSON.stringify(d))));
          pw.on("error", (e) => demo.errors.push({ code: e.code, message: e.message, isError: e instanceof Error }));
          pw.on("warning", (w) => demo.warnings.push({ code: w.code, message: w.message }));
          const track = pw.track;
          pw.track = function (name) {
            const result = track.call(this, name);
            demo.tracks.push(name);
            forward("track", name);
            return result;
          };
        }
        setTimeout(() => {
          demo.settled = true;
        }, 0);
      })
      .catch((e) => {
        demo.tapError = String(e);
      });
  };
  const observer = new MutationObserver(() => {
    tap();
    if (demo.started) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
}

/** Where the SDK keeps a device's install id (docs/js-api.md, "Storage keys"). */
export const ID_KEY = "pathwise:v2:id";

/** An init script that gives a fresh device the install id `id` (32 hex digits). */
export function pinInstallId(id) {
  try {
    if (!localStorage.getItem("pathwise:v2:id")) localStorage.setItem("pathwise:v2:id", id);
  } catch {
    // Storage refused: the SDK makes its own id.
  }
}

/**
 * A fresh device (a new browser context: empty storage) with the tap installed, optionally with
 * a pinned install id. `log` receives `{kind: "exposure" | "track", payload, url}` in order, across
 * every page the device opens. `ready()` waits until the current page's SDK started and delivered
 * its init events.
 */
export async function newDevice(browser, { id, contextOptions } = {}) {
  const { context, page } = await openPage(browser, contextOptions);
  const log = [];
  await context.exposeBinding("__pwRecord", ({ frame }, kind, payload) => {
    log.push({ kind, payload, url: frame.url() });
  });
  if (id) await context.addInitScript(pinInstallId, id);
  await context.addInitScript(tapScript);
  const device = {
    context,
    page,
    log,
    id,
    /** The exposure events every page of this device emitted, in order. */
    exposures: () => log.filter((r) => r.kind === "exposure").map((r) => r.payload),
    async ready(p = page) {
      await p.waitForFunction(() => window.__demo?.settled === true, null, { timeout: 10000 });
      const tapError = await p.evaluate(() => window.__demo.tapError ?? null);
      if (tapError) throw new Error(`the test tap failed: ${tapError}`);
    },
    /** Opens `url` and waits for the SDK. */
    async open(url, p = page) {
      await p.goto(url);
      await device.ready(p);
    },
    /**
     * What the page's outbox holds, as pathwise/debug's `signals(pw).outbox` says: `{batches, queued}` (both 0
     * once the collector confirmed all). Waits for the page's SDK first.
     */
    async outbox(p = page) {
      await p.waitForFunction(() => window.__demo?.pw, null, { timeout: 10000 });
      return (await debugSignals(p, ["__demo", "pw"])).outbox;
    },
    /** Waits until every recorded event was confirmed by the collector (a 2xx to a fetch). */
    async drained(p = page, { timeout = 15000 } = {}) {
      await device.outbox(p);
      await waitForSignals(p, ["__demo", "pw"], (s) => s.outbox.batches === 0 && s.outbox.queued === 0, { timeout }).catch(async (e) => {
        throw new Error(`the outbox still holds ${JSON.stringify(await device.outbox(p))} after ${timeout} ms (${e.message})`);
      });
    },
    close: () => context.close(),
  };
  return device;
}

/** The demo bundle (www/bundle.json), parsed. */
export function demoBundle() {
  return JSON.parse(readFileSync(DEMO_BUNDLE, "utf8"));
}

/**
 * The conversions a device's log implies, by the rule of docs/js-api.md: a `track(goal)` after an
 * exposure of a rule listing `goal` converts, at most once per (rule, goal), attributed to the
 * rule's last exposure. Returns `{rule, variant, control, goal}` per conversion.
 */
export function conversionsOf(log, bundle = demoBundle()) {
  const goals = new Map(bundle.rules.map((r) => [r.id, r.goals ?? []]));
  const last = new Map();
  const done = new Set();
  const out = [];
  for (const { kind, payload } of log) {
    if (kind === "exposure") {
      last.set(payload.rule, payload);
    } else if (kind === "track") {
      for (const [rule, exposure] of last) {
        if (!goals.get(rule)?.includes(payload) || done.has(`${rule}/${payload}`)) continue;
        done.add(`${rule}/${payload}`);
        out.push({ rule, variant: exposure.variant, control: exposure.control, goal: payload });
      }
    }
  }
  return out;
}

/** Makes the page hidden (`visibilitychange` with `document.visibilityState` "hidden"), or visible again. */
export function setVisibility(page, state) {
  return page.evaluate((state) => {
    if (state === "visible") {
      delete document.visibilityState;
      delete document.hidden;
    } else {
      Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
    }
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
}

/**
 * A `pathwise explain --scenario` file for the device state a page captured: `{stored: {signals,
 * renders} (as pathwise/debug's signals() gives them), nowMs, utcOffsetMinutes, unit, path}`. The stored
 * signals are replayed as actions: each attribute at its write time; each event's per-day counts on their local day (at the event's
 * last time on its last day, which `days_since_event` reads; at local noon on earlier days, which
 * only `event_count` reads). The render history is copied as is.
 */
export function scenarioFromState({ stored, nowMs, utcOffsetMinutes, unit, path }) {
  const snapshot = stored.signals;
  const offset = utcOffsetMinutes * 60;
  const localDay = (seconds) => Math.floor((seconds + offset) / 86400);
  const actions = [];
  for (const [name, record] of Object.entries(snapshot.attrs ?? {})) {
    actions.push({ at: record.t, set: { [name]: record.v } });
  }
  for (const [name, event] of Object.entries(snapshot.events ?? {})) {
    const counted = event.days.reduce((sum, [, count]) => sum + count, 0);
    if (counted !== event.total) {
      throw new Error(`event ${name}: ${event.total} in total but ${counted} in its days; the replay would differ`);
    }
    for (const [day, count] of event.days) {
      const at = day === localDay(event.last) ? event.last : day * 86400 - offset + 43200;
      actions.push({ at, track: name, count });
    }
  }
  actions.sort((a, b) => a.at - b.at);
  return {
    unit,
    now: Math.floor(nowMs / 1000),
    utc_offset_minutes: utcOffsetMinutes,
    page: { path },
    actions,
    renders: stored.renders ?? {},
  };
}
