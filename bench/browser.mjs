// Headless Chromium: time from navigation start to every block and path applied, against the
// page's first paint, with the bundle inline, cached (second visit: the verified envelope from
// localStorage) and fetched (first visit: from a URL). Writes JSON for run.mjs's table.
//
//   node bench/browser.mjs [--out FILE] [--runs 7]
//
// Reuses the end-to-end harness (tests/e2e/lib: key generation and signing with the native CLI,
// the static server, playwright-core driving Debian's Chromium) and its boot script
// (tests/e2e/pages/boot.js records `blocksApplied` when every block carries data-pw-state). The
// page is the e2e blocks page (tests/e2e/pages/blocks.html) with the demo site's preloads (module and
// wasm fetched while the HTML parses). The local server sends `Cache-Control: no-store`, so the
// module and wasm are fetched on every visit (over loopback); "cached" is the bundle only.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setup } from "../tests/e2e/lib/harness.mjs";
import { fillTemplate, PAGES } from "../tests/e2e/server.mjs";
import { median } from "./lib.mjs";

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith("--")) args[process.argv[i].slice(2)] = process.argv[++i];
}
const RUNS = Number(args.runs ?? 7);

const h = await setup();
try {
  const envelope = h.signed(1);
  h.server.serve("/bundle.json", envelope);
  h.server.vars.inlineBundle = envelope;
  // The e2e blocks page plus what the demo site (www/_partials/head.html) adds: fetch the module
  // and the wasm while the page parses.
  const boot = '<script type="module" src="/boot.js"></script>';
  const blocks = readFileSync(join(PAGES, "blocks.html"), "utf8");
  if (!blocks.includes(boot)) throw new Error("blocks.html: boot script not found");
  const template = blocks.replace(boot, [
    '<link rel="modulepreload" href="/pathwise-entry.js">',
    '<link rel="modulepreload" href="/pkg/index.js">',
    '<link rel="modulepreload" href="/pkg/pathwise.js">',
    '<link rel="preload" href="/pkg/pathwise_bg.wasm" as="fetch" type="application/wasm" crossorigin>',
    boot,
  ].join("\n"));
  // The same page on the synchronous entry (pkg/sync.js), started by a render-blocking module
  // script: the wasm arrives inside the module graph, so nothing is painted before the SDK ran.
  const syncTemplate = template
    .replace(boot, '<script type="module" blocking="render" src="/boot-sync.js"></script>')
    .replace(/<link rel="(module)?preload"[^>]*>\n/g, "");
  for (const [path, page] of [["/bench.html", template], ["/bench-sync.html", syncTemplate]]) {
    h.server.route(path, (req, res) => {
      const body = fillTemplate(page, h.server.vars);
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(body);
    });
  }

  async function measure(context, query, path) {
    const page = await context.newPage();
    try {
      await page.goto(`${h.server.url}${path}${query}`);
      // Every block marked: applied, or shown as default by the anti-flicker timeout (400 ms) when
      // the SDK was slower than that — counted apart, never as "applied".
      await page.waitForFunction(() => window.__pw?.timing.blocksApplied !== undefined, null, { timeout: 15000 });
      // Paint entries are queued after the frame is presented: wait for the first one.
      await page.waitForFunction(() => performance.getEntriesByType("paint").length > 0, null, { timeout: 5000 });
      return await page.evaluate(() => {
        const paint = Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
        const applied = document.querySelector("#hero")?.getAttribute("data-pw-state") === "applied";
        return {
          applied: applied ? window.__pw.timing.blocksApplied : undefined,
          revealedByTimeout: !applied,
          firstPaint: paint["first-paint"],
          fcp: paint["first-contentful-paint"],
        };
      });
    } finally {
      await page.close();
    }
  }

  const scenarios = [
    { kind: "inline", label: "inline bundle", query: "?bundle=%23pw-bundle", repeat: false },
    { kind: "cached", label: "cached bundle (2nd visit, from storage)", query: "?bundle=/bundle.json", repeat: true },
    { kind: "fetched", label: "fetched bundle (1st visit, URL)", query: "?bundle=/bundle.json", repeat: false },
    { kind: "inline-sync", label: "inline bundle, pathwise/sync render-blocking", query: "?bundle=%23pw-bundle", repeat: false, path: "/bench-sync.html" },
    { kind: "cached-sync", label: "cached bundle, pathwise/sync render-blocking", query: "?bundle=/bundle.json", repeat: true, path: "/bench-sync.html" },
  ];
  const out = { chromium: await h.browser.version(), runs: RUNS, scenarios: [] };
  for (const s of scenarios) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await h.browser.newContext();
      try {
        if (s.repeat) await measure(context, s.query, s.path ?? "/bench.html");
        runs.push(await measure(context, s.query, s.path ?? "/bench.html"));
      } finally {
        await context.close();
      }
    }
    const before = runs.filter((r) => r.applied !== undefined && r.firstPaint !== undefined && r.applied <= r.firstPaint).length;
    const ok = runs.filter((r) => r.applied !== undefined);
    out.scenarios.push({
      kind: s.kind,
      label: s.label,
      runs: RUNS,
      applied: ok.length ? median(ok.map((r) => r.applied)) : null,
      revealedByTimeoutRuns: runs.length - ok.length,
      firstPaint: median(runs.map((r) => r.firstPaint)),
      fcp: median(runs.map((r) => r.fcp)),
      appliedBeforeFirstPaintRuns: before,
      appliedBeforeFirstPaint: before * 2 > RUNS,
    });
    process.stderr.write(`browser: ${s.label}: ${JSON.stringify(out.scenarios.at(-1))}\n`);
  }
  if (args.out) writeFileSync(args.out, JSON.stringify(out, null, 1) + "\n");
  else console.log(JSON.stringify(out, null, 1));
} finally {
  await h.teardown();
}
