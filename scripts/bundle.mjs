// Builds the package's JavaScript: each entry of js/entries/ bundled into one self-contained,
// minified ES module in the package folder, with its WebAssembly module inside it as base64.
//
//   node scripts/bundle.mjs OUT_DIR PAGE_WASM ENGINE_WASM VERSION
//
// The page entries (index.js, sync.js, auto.js, auto-sync.js) carry the page module, engine.js
// the engine module; the app entries (react.js, openfeature.js, analytics.js) none (below). One file per entry means an `import` makes one request with nothing to
// resolve or copy: no glue file, no .wasm asset for a bundler or a dev server to get wrong.
//
// The module is deflated before it is written in base64, except in the synchronous entries:
// gzip cannot see through base64 (its alphabet hides the byte boundaries), so plain base64 costs
// about a quarter more than the module's own gzip size, while base64 of the deflated module
// costs the same as the module served on its own (docs/performance.md). The asynchronous start
// inflates it with the platform's DecompressionStream; sync.js, which must compile within the
// task that evaluates it, carries plain base64.

import { readFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [out, pageWasm, engineWasm, version] = process.argv.slice(2);
if (!version) {
  console.error("usage: node scripts/bundle.mjs OUT_DIR PAGE_WASM ENGINE_WASM VERSION");
  process.exit(2);
}
const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const esbuild = await import(join(root, "tools/node_modules/esbuild/lib/main.js"));

/**
 * Resolves `import { WASM, DEFLATED } from "pathwise:wasm"` to the base64 of `file`, deflated
 * when `deflate`.
 */
function wasm(file, deflate) {
  return {
    name: "pathwise-wasm",
    setup(build) {
      build.onResolve({ filter: /^pathwise:wasm$/ }, () => ({ path: file, namespace: "pathwise-wasm" }));
      build.onLoad({ filter: /.*/, namespace: "pathwise-wasm" }, ({ path }) => {
        const bytes = readFileSync(path);
        const carried = deflate ? deflateRawSync(bytes, { level: 9 }) : bytes;
        return {
          contents: `export const WASM = ${JSON.stringify(carried.toString("base64"))}; export const DEFLATED = ${deflate};`,
          loader: "js",
        };
      });
    },
  };
}

const entries = [
  ["index.js", pageWasm, true],
  ["sync.js", pageWasm, false],
  ["auto.js", pageWasm, true],
  ["auto-sync.js", pageWasm, false],
  ["engine.js", engineWasm, true],
];
const common = {
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
  define: { PATHWISE_VERSION: JSON.stringify(version) },
};
for (const [name, module, deflate] of entries) {
  await esbuild.build({
    ...common,
    entryPoints: [join(root, "js/entries", name)],
    outfile: join(out, name),
    plugins: [wasm(module, deflate)],
  });
}

// The app entries (docs/react.md, docs/openfeature.md, docs/analytics.md) are built on the public
// API and carry no module: they import the package by its own name, left external with the
// frameworks they adapt to, so an app's bundler dedupes "pathwise" with the main entry (and in
// Node the package's self-reference resolves it). A page that does not import them pays nothing.
for (const name of ["react.js", "openfeature.js", "analytics.js"]) {
  await esbuild.build({
    ...common,
    entryPoints: [join(root, "js/entries", name)],
    outfile: join(out, name),
    external: ["pathwise", "react", "@openfeature/web-sdk"],
    plugins: [
      {
        // Only the package's public entry may be reached: never the shell or the module.
        name: "pathwise-public-api-only",
        setup(build) {
          build.onResolve({ filter: /^\.|^pathwise:/ }, ({ path, importer }) => ({
            errors: [{ text: `${name} must import the package by its name ("pathwise"), not ${path} (from ${importer})` }],
          }));
        },
      },
    ],
  });
}
