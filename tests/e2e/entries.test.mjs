// The app entries as shipped (issue 14's packaging): `pathwise/react`, `pathwise/openfeature`,
// `pathwise/analytics` and the types-only `pathwise/names` are in the `npm pack` tarball with
// their declarations, resolve through `exports` (a `types` condition each), import the package
// by its own name and nothing of the core (no module inside), stay within their budgets, and add
// nothing to the main entry's page weight; React and the OpenFeature SDK are optional peers.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { packAndInstall } from "./lib/pack.mjs";
import { PKG, REPO } from "./lib/tools.mjs";

const ENTRIES = {
  "./react": { file: "react.js", types: "react.d.ts", budget: 2048, imports: ["pathwise", "react"] },
  "./openfeature": { file: "openfeature.js", types: "openfeature.d.ts", budget: 2048, imports: ["pathwise", "@openfeature/web-sdk"] },
  "./analytics": { file: "analytics.js", types: "analytics.d.ts", budget: 1024, imports: [] },
};

let project;
let manifest;
before(() => {
  project = packAndInstall({ prefix: "pathwise-entries-", manifest: { type: "module" } });
  manifest = JSON.parse(readFileSync(join(project.installed, "package.json"), "utf8"));
});
after(() => project?.cleanup());

test("the tarball ships each app entry and pathwise/names with its declarations, through exports with a types condition", () => {
  const files = project.packed.files.map((f) => f.path);
  for (const [subpath, { file, types }] of Object.entries(ENTRIES)) {
    assert.deepEqual(manifest.exports[subpath], { types: `./${types}`, default: `./${file}` });
    assert.ok(files.includes(file) && files.includes(types), `${file} and ${types} are packed`);
  }
  assert.deepEqual(manifest.exports["./names"], { types: "./names.d.ts" });
  assert.ok(files.includes("names.d.ts"));
  assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ["@openfeature/web-sdk", "react"]);
  for (const peer of Object.keys(manifest.peerDependencies)) assert.equal(manifest.peerDependenciesMeta[peer].optional, true);
  assert.equal(manifest.dependencies, undefined, "still no dependency of its own");
});

test("each entry imports the package by its name (and its framework), carries no module, and stays within budget", () => {
  for (const { file, budget, imports } of Object.values(ENTRIES)) {
    const text = readFileSync(join(project.installed, file), "utf8");
    const specifiers = [...text.matchAll(/(?:import|from)\s*["']([^"']+)["']/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(specifiers)].sort(), [...imports].sort(), `${file} imports`);
    assert.ok(!/WebAssembly|DecompressionStream/.test(text), `${file} holds nothing of the core`);
    const gz = gzipSync(Buffer.from(text), { level: 9 }).length;
    assert.ok(gz <= budget, `${file}: ${gz} bytes gzip -9, budget ${budget}`);
  }
});

test("the main entry's page weight does not include them", () => {
  const out = execFileSync(process.execPath, [join(REPO, "scripts", "page-weight.mjs"), PKG], { encoding: "utf8" });
  // index.js, and the fallback verifier it imports where the browser has no Ed25519.
  assert.match(out, /\(2 file\(s\) from \.\/index\.js\)/);
  assert.doesNotMatch(out, /react|openfeature|analytics/);
  const index = readFileSync(join(PKG, "index.js"), "utf8");
  assert.doesNotMatch(index, /pathwise\/(react|openfeature|analytics)|useSyncExternalStore|OpenFeatureEventEmitter/);
});

test("in Node, pathwise/analytics resolves through exports without React or the SDK; pathwise/react names its missing peer", () => {
  writeFileSync(join(project.dir, "check.mjs"), [
    'import { forward, toGA4 } from "pathwise/analytics";',
    'const handlers = [];',
    'const pw = { on: (event, handler) => (handlers.push([event, handler]), () => handlers.splice(handlers.findIndex((h) => h[1] === handler), 1)) };',
    'const seen = [];',
    'const stop = forward(pw, (e) => seen.push(e.type));',
    'for (const [, handler] of [...handlers]) handler({ type: "exposure" });',
    'stop();',
    'console.log(JSON.stringify({ events: handlers.length, seen, ga4: typeof toGA4 }));',
  ].join("\n"));
  const out = JSON.parse(execFileSync(process.execPath, ["check.mjs"], { cwd: project.dir, encoding: "utf8" }));
  assert.deepEqual(out, { events: 0, seen: ["exposure", "exposure"], ga4: "function" });
  // pathwise/react needs React, an optional peer: without it, the import fails naming it.
  writeFileSync(join(project.dir, "react.mjs"), 'await import("pathwise/react");\n');
  assert.throws(() => execFileSync(process.execPath, ["react.mjs"], { cwd: project.dir, stdio: "pipe" }), /react/);
});
