// `make bench`, the browser race: the same landing page personalized by Pathwise (main entry,
// and pathwise/sync) and by GrowthBook 1.8.0 (race-pages.mjs), with N = 1, 10 and 100 rules
// (race-rules.mjs), loaded in headless Chromium (Debian's, through playwright-core from
// tests/e2e) from a local server that sends everything gzip-compressed (race-server.mjs). For
// each N and each profile (race-load.mjs: unthrottled, and mobile), the three pages load in turn,
// the order rotating, each load in a fresh context with the cache disabled. Writes the figures as
// JSON for table.mjs; progress goes to stderr.
//
//   node bench/race.mjs [--n 1,10,100] [--loads 11] [--mobile-loads 20] [--out FILE]

import { writeFileSync } from "node:fs";
import { launch } from "../tests/e2e/lib/browser.mjs";
import { flags, median } from "./lib.mjs";
import { growthBookPage, HERO_VARIANT, pathwisePage } from "./race-pages.mjs";
import { load, PROFILES } from "./race-load.mjs";
import { raceRules } from "./race-rules.mjs";
import { startServer } from "./race-server.mjs";
import { keyPair, signBundle } from "./sign.mjs";
import { SITE } from "./translate.mjs";
import { gzipSize } from "./sizes.mjs";

const args = flags();
const NS = (args.n ?? "1,10,100").split(",").map(Number);
const LOADS = { unthrottled: Number(args.loads ?? 11), mobile: Number(args["mobile-loads"] ?? 20) };
const SDKS = ["pathwise", "growthbook", "sync"];
const log = (...a) => process.stderr.write(`bench race: ${a.join(" ")}\n`);

const server = await startServer();
const browser = await launch();
const out = { chromium: browser.version(), loads: LOADS, results: [] };
try {
  const key = keyPair();
  for (const n of NS) {
    const path = (sdk) => `/${sdk}/${n}/`;
    const rules = raceRules(n, { pagePath: path("growthbook"), variantHtml: HERO_VARIANT });
    const envelope = signBundle(rules.bundle, key);
    const gbPayloadText = JSON.stringify(rules.gbPayload);
    server.page(path("pathwise"), pathwisePage({ envelope, publicKey: key.publicKey, site: SITE }));
    server.page(path("sync"), pathwisePage({ envelope, publicKey: key.publicKey, site: SITE, sync: true }));
    server.page(path("growthbook"), growthBookPage({ payload: rules.gbPayload }));
    const sizes = { envelopeGzip: gzipSize(envelope), gbPayloadGzip: gzipSize(gbPayloadText) };

    for (const [profileName, profile] of Object.entries(PROFILES)) {
      const loads = Object.fromEntries(SDKS.map((s) => [s, []]));
      for (let i = 0; i < LOADS[profileName]; i++) {
        for (let k = 0; k < SDKS.length; k++) {
          const sdk = SDKS[(i + k) % SDKS.length];
          const url = `${server.url}${path(sdk)}?utm_source=newsletter`;
          loads[sdk].push(await load(browser, url, profile));
        }
      }
      const summary = { n, rules: rules.rules, profile: profileName, ...sizes, sdks: {} };
      for (const sdk of SDKS) {
        const xs = loads[sdk];
        const shown = xs.filter((x) => x.variantMs !== null);
        summary.sdks[sdk] = {
          loads: xs.length,
          // A load whose variant never showed counts as slower than any other.
          variantMs: median(xs.map((x) => x.variantMs ?? Infinity)),
          variantRange: shown.length ? [Math.min(...shown.map((x) => x.variantMs)), Math.max(...shown.map((x) => x.variantMs))] : null,
          neverShown: xs.length - shown.length,
          shownThenReplaced: xs.filter((x) => x.shownThenReplaced).length,
          variantInFirstPaint: xs.filter((x) => x.variantInFirstPaint).length,
          firstPaintMs: median(xs.map((x) => x.firstPaintMs ?? Infinity)),
          bytes: median(xs.map((x) => x.bytes)),
          requests: median(xs.map((x) => x.requests)),
          errors: [...new Set(xs.flatMap((x) => x.errors))].slice(0, 5),
        };
      }
      out.results.push(summary);
      log(`N=${n} ${profileName}: ` + SDKS.map((s) => {
        const x = summary.sdks[s];
        return `${s} ${x.variantMs.toFixed(0)} ms (flicker ${x.shownThenReplaced}/${x.loads}, first paint ${x.variantInFirstPaint}/${x.loads}, ${x.bytes} B)`;
      }).join("; "));
      for (const s of SDKS) if (summary.sdks[s].errors.length) log(`N=${n} ${profileName} ${s}: page messages: ${summary.sdks[s].errors.join(" | ")}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
if (args.out) writeFileSync(args.out, JSON.stringify(out, null, 1) + "\n");
else console.log(JSON.stringify(out, null, 1));
