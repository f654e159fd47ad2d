// The packed tarball under the bundlers people use, each driven to a page in headless Chromium
// that must personalize its block (fixtures/bundlers: the exact versions, `make setup` runs
// `npm ci` there so the test installs offline from the npm cache):
//
//   - Vite 7's dev server (before Vite 8, its dependency pre-bundling served index.html in place
//     of a .wasm file a package loaded beside itself, unless `optimizeDeps.exclude` listed the
//     package): the config is Vite's default, no `optimizeDeps` at all;
//   - a webpack 5 production build (no loader, no `experiments`), with the anti-flicker rule
//     as a plain <link> to the copied pathwise.css, one of the alternatives docs/js-api.md gives
//     for a project without a CSS loader.
//
// Each also runs where the browser has no Ed25519 in WebCrypto, so the fallback verifier
// (verifier.js, a dynamic import of the main entry) must be found where the bundler put it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { openPage, visibleSteps } from "./lib/browser.mjs";
import { setup } from "./lib/harness.mjs";
import { npm } from "./lib/pack.mjs";
import { E2E, PKG, SITE, tempDir } from "./lib/tools.mjs";

const DEPS = join(E2E, "fixtures", "bundlers");

let h;
let project;

before(async () => {
  if (!existsSync(join(DEPS, "node_modules", ".package-lock.json"))) {
    throw new Error(`${DEPS} is not installed, so its packages are not in the npm cache: run 'make setup'`);
  }
  h = await setup();
  project = tempDir("pathwise-bundlers-");
  for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(DEPS, file), join(project.dir, file));
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", project.dir], PKG));
  npm(["ci", "--offline", "--ignore-scripts"], project.dir);
  npm(["install", "--offline", "--ignore-scripts", "--no-save", `./${packed.filename}`], project.dir);
  // The site's own code: the bare name, as in the README's quick start.
  mkdirSync(join(project.dir, "src"));
  writeFileSync(join(project.dir, "src", "config.js"),
    `export const SITE = ${JSON.stringify(SITE)};\nexport const KEYS = ${JSON.stringify([h.key.publicKey])};\n` +
    `export const ENVELOPE = ${JSON.stringify(h.signed(1))};\n`);
  writeFileSync(join(project.dir, "src", "main.js"), `
import { Pathwise } from "pathwise";
import { ENVELOPE, KEYS, SITE } from "./config.js";

Pathwise.init({ site: SITE, keys: KEYS, bundle: ENVELOPE }).then((pw) => {
  const errors = [];
  pw.on("error", (e) => errors.push(e.code));
  window.__result = { version: pw.bundleVersion, errors };
}, (e) => {
  window.__result = { failed: String(e && e.code) };
});
`);
});

after(async () => {
  await h?.teardown();
  project?.cleanup();
});

/** The page both bundlers serve, with `head` (the stylesheet) and the entry `script`. */
function page(head, script) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pathwise under a bundler</title>
<link rel="icon" href="data:,">
${head}
</head>
<body>
<section data-pw-block="hero" id="hero"><h1>Default hero</h1></section>
<template data-pw-variant="hero:welcome"><h1>Welcome, friend</h1></template>
<ol data-pw-path="onboarding" id="steps">
  <li data-pw-step="welcome">Welcome</li>
  <li data-pw-step="role">Your role</li>
  <li data-pw-step="connect">Connect your data</li>
  <li data-pw-step="invite">Invite your team</li>
  <li data-pw-step="sso">Set up single sign-on</li>
  <li data-pw-step="done">Done</li>
</ol>
${script}
</body>
</html>
`;
}

/** A browser without Ed25519 in WebCrypto: importing an Ed25519 key fails, as there. */
function withoutEd25519() {
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (format, key, algorithm, ...rest) =>
    (algorithm && (algorithm === "Ed25519" || algorithm.name === "Ed25519"))
      ? Promise.reject(new DOMException("Algorithm: Unrecognized name", "NotSupportedError"))
      : importKey(format, key, algorithm, ...rest);
}

/**
 * Opens `url` (with or without Ed25519) and checks the block and path were personalized.
 * Returns the paths of the scripts the page requested.
 */
async function personalized(url, { ed25519 = true } = {}) {
  const { context, page } = await openPage(h.browser);
  const requests = [];
  page.on("request", (r) => r.resourceType() == "script" && requests.push(new URL(r.url()).pathname));
  try {
    if (!ed25519) await page.addInitScript(withoutEd25519);
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
    const result = await page.evaluate(() => window.__result);
    assert.deepEqual(result, { version: 1, errors: [] }, `init: ${JSON.stringify(result)}`);
    await page.waitForSelector('#hero[data-pw-state="applied"]', { timeout: 5000 });
    assert.equal(await page.textContent("#hero h1"), "Welcome, friend");
    assert.deepEqual(await visibleSteps(page), ["welcome", "connect", "role", "done"]);
    assert.deepEqual(page.problems(), []);
    return requests;
  } finally {
    await context.close();
  }
}

/** Both runs of `url`: the one without Ed25519 fetches one more script, the fallback verifier. */
async function bothWays(url) {
  const withWebCrypto = await personalized(url);
  const withFallback = await personalized(url, { ed25519: false });
  const extra = withFallback.filter((p) => !withWebCrypto.includes(p));
  assert.equal(extra.length, 1, `one more script without Ed25519 (the fallback verifier): ${JSON.stringify({ withWebCrypto, withFallback })}`);
}

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

test("Vite 7's dev server, default config (no optimizeDeps.exclude): the page is personalized, with and without Ed25519 in WebCrypto", async () => {
  const dir = join(project.dir, "vite");
  mkdirSync(dir);
  copyFileSync(join(project.dir, "src", "main.js"), join(dir, "main.js"));
  copyFileSync(join(project.dir, "src", "config.js"), join(dir, "config.js"));
  // The stylesheet through the package's `exports`, as a Vite project imports it.
  writeFileSync(join(dir, "style.js"), 'import "pathwise/pathwise.css";\n');
  writeFileSync(join(dir, "index.html"), page(
    '<script type="module" src="/style.js"></script>',
    '<script type="module" src="/main.js"></script>',
  ));
  const port = await freePort();
  const vite = spawn(join(project.dir, "node_modules", ".bin", "vite"), ["--host", "127.0.0.1", "--port", String(port), "--strictPort", "--clearScreen", "false"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    // Plain text: where the environment asks for colour, Vite styles the port in its URL.
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  let output = "";
  // Colour codes are dropped anyway, whatever the environment forces.
  const plain = () => output.replace(/\x1b\[[0-9;]*m/g, "");
  vite.stdout.on("data", (c) => (output += c));
  vite.stderr.on("data", (c) => (output += c));
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vite did not start:\n${output}`)), 30000);
      const check = () => {
        if (plain().includes(`127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      vite.stdout.on("data", check);
      vite.on("exit", (code) => reject(new Error(`vite exited ${code}:\n${output}`)));
      check();
    });
    await bothWays(`http://127.0.0.1:${port}/`);
    assert.doesNotMatch(plain(), /error/i, `the dev server reported:\n${plain()}`);
  } finally {
    vite.kill("SIGTERM");
    await new Promise((resolve) => (vite.exitCode !== null ? resolve() : vite.on("exit", resolve)));
  }
});

test("a webpack 5 production build (no loader, no experiments) with a <link> to pathwise.css: the page is personalized, with and without Ed25519 in WebCrypto", async () => {
  const dist = join(project.dir, "dist");
  writeFileSync(join(project.dir, "build.cjs"), `
const webpack = require("webpack");
webpack({
  mode: "production",
  context: __dirname,
  entry: "./src/main.js",
  output: { path: __dirname + "/dist", filename: "main.js", clean: true },
}, (err, stats) => {
  if (err) { console.error(err); process.exit(1); }
  const info = stats.toJson({ all: false, errors: true, warnings: true, assets: true });
  console.log(JSON.stringify({ errors: info.errors.map((e) => e.message), warnings: info.warnings.map((w) => w.message), assets: info.assets.map((a) => a.name) }));
  process.exit(stats.hasErrors() ? 1 : 0);
});
`);
  let built;
  try {
    built = JSON.parse(execFileSync(process.execPath, ["build.cjs"], { cwd: project.dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch (e) {
    throw new Error(`webpack exited ${e.status}:\n${e.stdout}\n${e.stderr}`);
  }
  assert.deepEqual(built.errors, []);
  // The anti-flicker rule without a CSS loader: the package's file, copied and linked.
  copyFileSync(join(project.dir, "node_modules", "pathwise", "pathwise.css"), join(dist, "pathwise.css"));
  writeFileSync(join(dist, "index.html"), page(
    '<link rel="stylesheet" href="/pathwise.css">',
    '<script src="/main.js"></script>',
  ));
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dist, path === "/" ? "index.html" : path);
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
    res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    await bothWays(url);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
