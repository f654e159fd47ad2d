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
import { packageEntry } from "./server.mjs";
import { PKG, SITE, tempDir } from "./lib/tools.mjs";

function npm(args, cwd) {
  try {
    return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"],
      { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`npm ${args.join(" ")} in ${cwd} exited ${e.status}: ${e.stderr || e.message}`);
  }
}

let project;
let installed;
let packed;
let h;

before(async () => {
  project = tempDir("pathwise-pack-");
  // `npm pack` the package folder exactly as `make pkg` left it.
  [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", project.dir], PKG));
  const tarball = join(project.dir, packed.filename);
  // A site's own project installs it, offline: the package has no dependencies.
  writeFileSync(join(project.dir, "package.json"),
    JSON.stringify({ name: "some-site", version: "1.0.0", private: true }, null, 2));
  npm(["install", "--offline", "--ignore-scripts", tarball], project.dir);
  installed = join(project.dir, "node_modules", "pathwise");
  h = await setup({ pkgDir: installed });
  h.server.vars.entry = packageEntry(installed);
  h.server.vars.bundleUrl = "/bundle.json";
  h.server.serve("/bundle.json", h.signed(1));
});
after(async () => {
  await h?.teardown();
  project?.cleanup();
});

test("npm pack yields an installable tarball holding the entry, the wasm, the CSS, the drop-ins, the synchronous entry and the types", () => {
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  assert.equal(manifest.name, "pathwise");
  const files = packed.files.map((f) => f.path);
  const entry = packageEntry(installed);
  for (const file of [entry, "pathwise_bg.wasm", "pathwise.css", "auto.js", "sync.js", "auto-sync.js", "pathwise_bg.inline.js", manifest.types.replace(/^\.\//, "")]) {
    assert.ok(files.includes(file), `the tarball holds ${file} (it holds ${files.join(", ")})`);
    assert.ok(existsSync(join(installed, file)), `${file} is installed`);
  }
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
    import { initSync, PathwiseEngine } from "pathwise/engine";
    initSync({ module: readFileSync(new URL(import.meta.resolve("pathwise/pathwise_engine_bg.wasm"))) });
    const engine = PathwiseEngine.fromEnvelope(readFileSync("envelope.json", "utf8"), ${JSON.stringify(SITE)},
      ${JSON.stringify([h.key.publicKey])}, Date.now());
    engine.setUnit("visitor-1");
    engine.setAttributes({});
    const picked = engine.decideAll();
    const choices = engine.choices();
    const decided = Object.fromEntries(engine.slots().map((slot, i) => [slot, choices[i][picked[i]]]));
    console.log(JSON.stringify({ decided, pageHasEngine: "PathwiseEngine" in page }));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ["ssr.mjs"], { cwd: project.dir, encoding: "utf8" }));
  assert.deepEqual(out.decided.headline, ["personal", "headline-everyone", false],
    `the headline slot is decided by its everyone-rule: ${JSON.stringify(out.decided)}`);
  assert.equal(out.pageHasEngine, false, "the page entry does not carry the headless engine");
});
