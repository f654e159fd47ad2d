// The browser race's pieces that need no browser: the rules (N in all, cut alike for both SDKs,
// the hero rule first and accepted by the signer), the pages (each SDK's documented setup, the
// same HTML otherwise, the probe first in <head>) and the reading of the probe's frames. Part of
// `make test-bench`; needs the CLI.

import { test } from "node:test";
import assert from "node:assert/strict";
import { growthBookPage, HERO_VARIANT, pathwisePage } from "./race-pages.mjs";
import { analyse } from "./race-load.mjs";
import { raceRules } from "./race-rules.mjs";
import { keyPair, signBundle } from "./sign.mjs";
import { SITE } from "./translate.mjs";

const gbRuleCount = (payload) => payload.experiments.length
  + Object.values(payload.features).reduce((n, f) => n + f.rules.length, 0);

test("N rules in all for both SDKs, the hero rule first, the workload's rules cut alike", () => {
  for (const n of [1, 2, 10, 100]) {
    const r = raceRules(n, { pagePath: "/growthbook/x/", variantHtml: HERO_VARIANT });
    assert.equal(r.bundle.rules.length, n);
    assert.equal(gbRuleCount(r.gbPayload), n);
    assert.equal(r.bundle.rules[0].id, "hero-newsletter");
    assert.deepEqual(r.bundle.rules.slice(1).map((x) => x.id),
      Object.values(r.gbPayload.features).flatMap((f) => f.rules.map((x) => x.id)));
    const [exp] = r.gbPayload.experiments;
    assert.deepEqual(exp.condition, { utmSource: "newsletter" });
    assert.deepEqual(exp.weights, [0, 1]);
    assert.equal(exp.variations[1].domMutations[0].value, HERO_VARIANT);
  }
});

test("the signer accepts the race bundle", () => {
  const r = raceRules(10, { pagePath: "/growthbook/10/", variantHtml: HERO_VARIANT });
  const envelope = JSON.parse(signBundle(r.bundle, keyPair()));
  assert.equal(envelope.payloadType, "application/vnd.pathwise.program.v1");
});

test("each page has its SDK's documented setup and the same HTML otherwise", () => {
  const r = raceRules(1, { pagePath: "/growthbook/1/", variantHtml: HERO_VARIANT });
  const pw = pathwisePage({ envelope: '{"payloadType":"x"}', publicKey: "ed25519:K", site: SITE });
  const sync = pathwisePage({ envelope: '{"payloadType":"x"}', publicKey: "ed25519:K", site: SITE, sync: true });
  const gb = growthBookPage({ payload: r.gbPayload });
  assert.match(pw, /<link rel="stylesheet" href="\/pkg\/pathwise.css">\n<script type="module" src="\/pkg\/auto.js" data-site=/);
  assert.match(sync, /<script type="module" blocking="render" src="\/pkg\/auto-sync.js"/);
  assert.match(pw, /<script type="application\/vnd.pathwise\+json" id="pw-bundle">\{"payloadType":"x"\}<\/script>/);
  assert.match(gb, /<html lang="en" class="gb-anti-flicker">/);
  assert.match(gb, /\.gb-anti-flicker \{ opacity: 0 !important; pointer-events: none; \}/);
  assert.match(gb, /<script async src="\/gb\/auto.min.js"><\/script>/);
  assert.match(gb, /antiFlicker: true/);
  assert.ok(!/<\/h1>/.test(gb.slice(gb.indexOf("growthbook_config"), gb.indexOf("auto.min.js"))), "the payload's HTML is escaped");
  for (const page of [pw, sync, gb]) {
    // The probe is the first script, style or stylesheet of <head>.
    const first = page.match(/<script[^>]*>|<style[^>]*>|<link rel="stylesheet"[^>]*>/);
    assert.equal(first[0], "<script>");
    assert.match(page.slice(first.index, page.indexOf("</script>", first.index)), /window\.__race = race/);
  }
  // The body, without Pathwise's block attribute and template, is the same.
  const body = (page) => page.slice(page.indexOf("<body>"), page.indexOf("<footer>"))
    .replace(' data-pw-block="hero"', "").replace(/<template data-pw-variant="hero:newsletter">[\s\S]*?<\/template>\n/, "");
  assert.equal(body(pw), body(gb));
  assert.equal(body(sync), body(gb));
});

test("the frames read: variant time, default shown then replaced, first paint", () => {
  // 0 no hero, 1 default hidden, 2 default visible, 3 variant hidden, 4 variant visible.
  assert.deepEqual(analyse([[10, 1], [27, 1], [44, 4], [60, 4]]),
    { variantMs: 44, shownThenReplaced: false, variantInFirstPaint: false });
  assert.deepEqual(analyse([[10, 1], [410, 2], [427, 2], [444, 4]]),
    { variantMs: 444, shownThenReplaced: true, variantInFirstPaint: false });
  assert.deepEqual(analyse([[80, 4], [97, 4]]), { variantMs: 80, shownThenReplaced: false, variantInFirstPaint: true });
  assert.deepEqual(analyse([[10, 0], [30, 3], [50, 2]]), { variantMs: null, shownThenReplaced: false, variantInFirstPaint: false });
});
