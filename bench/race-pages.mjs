// The pages of the browser race: one small landing page whose hero is personalized, set up the
// way each SDK documents it; the HTML is otherwise the same (race-probe.js first in <head>).
//
// - Pathwise (pkg/README.md, "No build step"): pathwise.css linked in <head> (the anti-flicker
//   rule: undecided blocks hidden, revealed with their default after one second), the drop-in
//   `auto.js` as a module script in <head>, the signed bundle inline
//   (<script type="application/vnd.pathwise+json" id="pw-bundle">); the hero is a
//   data-pw-block with its variant in a <template>.
// - pathwise/sync (pkg/README.md, "Personalized in the very first paint"): the same page with
//   `auto-sync.js` as a render-blocking module script (blocking="render").
// - GrowthBook (docs.growthbook.io, "HTML Script Tag" and the script tag's anti-flicker): the
//   script tag `auto.min.js` with `async` at the top of <head>; the payload inline in
//   `window.growthbook_config` (with `antiFlicker: true`, and `backgroundSync: false` since there
//   is no GrowthBook server to stream from); the anti-flicker class `gb-anti-flicker`
//   (opacity 0) on <html> from the start with its <style>, and the documented 3 s safety timeout.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PROBE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "race-probe.js"), "utf8");

export const HERO_DEFAULT = `<h1 data-hero="default">Close your books in days, not weeks</h1>
  <p>Reconciliations, accruals and reports in one place, checked as you go.</p>
  <a class="cta" href="/signup">Start a free trial</a>`;
export const HERO_VARIANT = `<h1 data-hero="variant">Welcome, newsletter reader</h1>
  <p>Your extended 60-day trial is ready: everything in the newsletter, on your own books.</p>
  <a class="cta" href="/signup?plan=newsletter">Claim your 60-day trial</a>`;

const STYLE = `<style>
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1d2330; }
header, main, footer { max-width: 960px; margin: 0 auto; padding: 0 24px; }
header { display: flex; justify-content: space-between; align-items: center; height: 64px; }
nav a { margin-left: 20px; color: inherit; }
.hero { padding: 72px 0 56px; min-height: 220px; }
.hero h1 { font-size: 44px; line-height: 1.15; margin: 0 0 16px; }
.cta { display: inline-block; margin-top: 16px; padding: 12px 22px; border-radius: 6px; background: #2456d8; color: #fff; text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 24px; }
.card { border: 1px solid #dde2ec; border-radius: 8px; padding: 20px; }
footer { margin-top: 48px; padding: 24px; color: #6a7282; }
</style>`;

/** Text safe inside a <script> element. */
const scriptSafe = (text) => {
  if (/<\/script|<!--/i.test(text)) throw new Error("race pages: text would end its <script> early");
  return text;
};
/** JSON for a classic inline script (`<` escaped, so no HTML in it can end the script). */
const inlineJson = (value) => JSON.stringify(value).replace(/</g, "\\u003c");

function page({ htmlClass, head, heroAttributes = "", afterHero = "", bodyEnd = "" }) {
  return `<!doctype html>
<html lang="en"${htmlClass ? ` class="${htmlClass}"` : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ledgerly — close your books faster</title>
<link rel="icon" href="data:,">
<script>${PROBE}</script>
${head}
${STYLE}
</head>
<body>
<header><strong>Ledgerly</strong><nav><a href="/pricing">Pricing</a><a href="/docs">Docs</a><a href="/login">Log in</a></nav></header>
<main>
<section id="hero" class="hero"${heroAttributes}>
  ${HERO_DEFAULT}
</section>
${afterHero ? `${afterHero}\n` : ""}<section class="cards">
  <div class="card"><h3>Bank feeds</h3><p>Transactions arrive every morning, matched to invoices by amount, date and payee.</p></div>
  <div class="card"><h3>Close checklist</h3><p>Every task of the month-end close, assigned, with its evidence attached.</p></div>
  <div class="card"><h3>Audit trail</h3><p>Who changed what and when, for every entry, exported in one click.</p></div>
</section>
</main>
<footer>© Ledgerly. A page of the Pathwise benchmark.</footer>
${bodyEnd ? `${bodyEnd}\n` : ""}</body>
</html>
`;
}

/** The Pathwise page; `sync` for the pathwise/sync variant (render-blocking). */
export function pathwisePage({ envelope, publicKey, site, sync = false }) {
  const script = sync
    ? `<script type="module" blocking="render" src="/pkg/auto-sync.js"`
    : `<script type="module" src="/pkg/auto.js"`;
  return page({
    head: `<link rel="stylesheet" href="/pkg/pathwise.css">
${script} data-site="${site}" data-keys="${publicKey}" data-bundle="#pw-bundle"></script>`,
    heroAttributes: ` data-pw-block="hero"`,
    afterHero: `<template data-pw-variant="hero:newsletter">${HERO_VARIANT}</template>`,
    bodyEnd: `<script type="application/vnd.pathwise+json" id="pw-bundle">${scriptSafe(envelope)}</script>`,
  });
}

/** The GrowthBook page. */
export function growthBookPage({ payload }) {
  return page({
    htmlClass: "gb-anti-flicker",
    head: `<style id="gb-anti-flicker-style">.gb-anti-flicker { opacity: 0 !important; pointer-events: none; }</style>
<script>window.setTimeout(function () { document.documentElement.classList.remove("gb-anti-flicker"); }, 3000);</script>
<script>window.growthbook_config = { payload: ${inlineJson(payload)}, antiFlicker: true, backgroundSync: false };</script>
<script async src="/gb/auto.min.js"></script>`,
  });
}
