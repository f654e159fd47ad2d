// Issue 4's "Done when": the package from `npm pack`, installed like any npm dependency, serves a
// page that personalizes its blocks and path from a signed bundle in headless Chromium. The page
// imports the bare name "pathwise" through an import map, as a site without a bundler does.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { linkTarget, openPage, visibleSteps } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";
import { packAndInstall } from "./lib/pack.mjs";
import { packageEntry } from "./server.mjs";
import { SITE } from "./lib/tools.mjs";

let project;
let installed;
let packed;
let h;

before(async () => {
  // `npm pack` of pkg/ as `make pkg` left it, installed offline into a site's own project.
  project = packAndInstall();
  ({ packed, installed } = project);
  h = await setup({ pkgDir: installed });
  h.server.vars.entry = packageEntry(installed);
  h.server.vars.bundleUrl = "/bundle.json";
  h.server.serve("/bundle.json", h.signed(1));
});
after(async () => {
  await h?.teardown();
  project?.cleanup();
});

// What `npm pack` must ship, and nothing else: each entry is one self-contained ES module with its
// WebAssembly inside (no .wasm or glue file beside it), the fallback verifier the page entries
// import where the browser has no Ed25519, plus declarations, stylesheet and schemas.
const SHIPPED = [
  "index.js", "sync.js", "auto.js", "auto-sync.js", "engine.js", "verifier.js",
  "react.js", "openfeature.js", "analytics.js", "debug.js",
  "index.d.ts", "engine.d.ts", "debug.d.ts", "react.d.ts", "openfeature.d.ts", "analytics.d.ts", "names.d.ts",
  "pathwise.css", "pathwise.css.d.ts",
  "bundle.schema.json", "beacon.schema.json", "README.md", "package.json",
];

test("npm pack yields an installable tarball holding exactly the entries, the types, the stylesheet, the schemas and the README", () => {
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  assert.equal(manifest.name, "pathwise");
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [...SHIPPED].sort(), "the tarball's files");
  for (const file of SHIPPED) assert.ok(existsSync(join(installed, file)), `${file} is installed`);
  assert.equal(packageEntry(installed), "index.js", "the package's \".\" export is the page entry");
  assert.equal(manifest.types, "./index.d.ts");
  // Every file `exports` names is in the tarball (a missing one fails only in the user's build).
  const targets = [];
  const walk = (v) => (typeof v === "string" ? targets.push(v.replace(/^\.\//, "")) : Object.values(v).forEach(walk));
  walk(manifest.exports);
  assert.ok(targets.length >= SHIPPED.length - 2, `exports: ${targets.join(", ")}`);
  for (const target of targets) assert.ok(files.includes(target), `exports names ${target}, which the tarball holds`);
});

test("a page importing the installed package personalizes its blocks and path from a signed bundle", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/pack.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
    await page.waitForSelector('#headline[data-pw-state="applied"]');
    assert.equal(await page.textContent("#headline h2"), "Headline from v1");
    await page.waitForSelector('#steps[data-pw-state="applied"]');
    assert.deepEqual(await visibleSteps(page), ["welcome", "connect", "role", "done"]);
    assert.equal(await linkTarget(page, "#next-welcome"), "/onboarding/connect");
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});

test("the installed package's drop-in auto.js applies a page by itself", async () => {
  const { context, page } = await openPage(h.browser);
  try {
    await page.goto(`${h.server.url}/auto.html`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
    await page.waitForSelector('#steps[data-pw-state="applied"]');
    assert.deepEqual(await visibleSteps(page), ["welcome", "connect", "role", "done"]);
    assert.deepEqual(page.problems(), []);
  } finally {
    await context.close();
  }
});

test("the installed package's `pathwise/engine` entry decides in Node, in a module of its own", () => {
  // A server-side script of the site's project, importing the bare specifiers as it would.
  writeFileSync(join(project.dir, "envelope.json"), h.signed(1));
  writeFileSync(join(project.dir, "ssr.mjs"), `
    import { readFileSync } from "node:fs";
    import * as page from "pathwise";
    import { initSync, PathwiseEngine, version } from "pathwise/engine";
    initSync(); // the module rides inside engine.js: nothing to read or locate
    const engine = PathwiseEngine.fromEnvelope(readFileSync("envelope.json", "utf8"), ${JSON.stringify(SITE)},
      ${JSON.stringify([h.key.publicKey])}, Date.now());
    engine.setUnit("visitor-1");
    engine.setAttributes({});
    const picked = engine.decideAll();
    const choices = engine.choices();
    const decided = Object.fromEntries(engine.slots().map((slot, i) => [slot, choices[i][picked[i]]]));
    console.log(JSON.stringify({ decided, pageHasEngine: "PathwiseEngine" in page, version: version() }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ["ssr.mjs"], { cwd: project.dir, encoding: "utf8" }));
  assert.deepEqual(out.decided.headline, ["personal", "headline-everyone", false],
    `the headline slot is decided by its everyone-rule: ${JSON.stringify(out.decided)}`);
  assert.equal(out.pageHasEngine, false, "the page entry does not carry the headless engine");
  assert.equal(out.version, JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version);
});

test("the installed package's subpaths resolve as documented: the stylesheet, and both JSON Schemas (importable)", () => {
  // A script of the site's project asks Node to resolve them through the package's `exports`, as
  // a bundler or a collector's validation code would, and imports the beacon schema as JSON.
  writeFileSync(join(project.dir, "resolve.mjs"), `
    import { fileURLToPath } from "node:url";
    import beacon from "pathwise/beacon.schema.json" with { type: "json" };
    const at = (specifier) => fileURLToPath(import.meta.resolve(specifier));
    console.log(JSON.stringify({
      css: at("pathwise/pathwise.css"),
      bundleSchema: at("pathwise/bundle.schema.json"),
      beaconSchema: at("pathwise/beacon.schema.json"),
      beaconRequired: beacon.required,
    }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ["--no-warnings", "resolve.mjs"], { cwd: project.dir, encoding: "utf8" }));
  const inPackage = (file) => join(installed, file);
  assert.equal(out.css, inPackage("pathwise.css"), "a bundler importing the stylesheet gets the CSS, not its declaration");
  assert.equal(out.bundleSchema, inPackage("bundle.schema.json"));
  assert.equal(out.beaconSchema, inPackage("beacon.schema.json"));
  assert.deepEqual(out.beaconRequired, ["schema", "site", "bundle", "batch", "events"]);
});
