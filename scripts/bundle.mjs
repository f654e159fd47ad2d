// Builds the package's JavaScript: each entry of js/entries/ bundled into one self-contained,
// minified ES module in the package folder, with its WebAssembly module inside it as base64.
//
//   node scripts/bundle.mjs OUT_DIR MODULES_DIR VERSION
//
// MODULES_DIR holds the optimized modules `make pkg` builds (Cargo.toml lists their features):
//
// | entry | module | verifies an envelope with |
// |---|---|---|
// | index.js, auto.js | page.wasm | the browser's Ed25519 (js/open.js), else verifier.js |
// | verifier.js | none | Ed25519 in JavaScript: the fallback the two above import only when needed |
// | sync.js, auto-sync.js | page-sync.wasm | its own module, within one task (js/open-sync.js) |
// | engine.js | engine.wasm | its own module |
// | debug.js | debug.wasm | its own module (pathwise/debug: `explain`) |
//
// The app entries (react.js, openfeature.js, analytics.js) carry no module (below). One file per
// entry means an `import` makes one request with nothing to resolve or copy: no glue
// file, no .wasm asset for a bundler or a dev server to get wrong.
//
// The module is deflated before it is written in base64, except in the synchronous entries:
// gzip cannot see through base64 (its alphabet hides the byte boundaries), so plain base64 costs
// about a quarter more than the module's own gzip size, while base64 of the deflated module
// costs the same as the module served on its own (docs/performance.md). The asynchronous start
// inflates it with the platform's DecompressionStream; sync.js, which must compile within the
// task that evaluates it, carries plain base64.

import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [out, modules, version] = process.argv.slice(2);
if (!version) {
  console.error("usage: node scripts/bundle.mjs OUT_DIR MODULES_DIR VERSION");
  process.exit(2);
}
const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const esbuild = await import(join(root, "tools/node_modules/esbuild/lib/main.js"));
const { minify } = await import(join(root, "tools/node_modules/terser/main.js"));

/**
 * Builds `options` with esbuild (bundled, already minified) and writes it minified again by
 * Terser: several compression passes and top-level names mangled (the entry's exports keep
 * theirs), about 3 % less gzip on the main entry's code than esbuild alone.
 */
async function build(options) {
  const result = await esbuild.build({ ...options, write: false });
  const code = result.outputFiles[0].text;
  const minified = await minify(code, { module: true, toplevel: true, compress: { passes: 2 }, mangle: { toplevel: true } });
  writeFileSync(options.outfile, minified.code);
}
// Zopfli: the same raw DEFLATE stream format as zlib's (so DecompressionStream("deflate-raw")
// reads it), found by a much longer search: about 5 % fewer bytes than zlib at level 9, paid once
// here for every page view.
const { default: zopfli } = await import(join(root, "tools/node_modules/@gfx/zopfli/dist/index.js"));

const deflatedFiles = new Map();

/** The file's bytes deflated (raw DEFLATE) by Zopfli, once per file. */
function deflate(file) {
  if (!deflatedFiles.has(file)) {
    deflatedFiles.set(file, zopfli.deflateAsync(readFileSync(file), { numiterations: 15 }).then((out) => Buffer.from(out)));
  }
  return deflatedFiles.get(file);
}

/**
 * Resolves `import { WASM, DEFLATED } from "pathwise:wasm"` to the base64 of `file`, deflated
 * when `deflate`.
 */
function wasm(file, deflated) {
  return {
    name: "pathwise-wasm",
    setup(build) {
      build.onResolve({ filter: /^pathwise:wasm$/ }, () => ({ path: file, namespace: "pathwise-wasm" }));
      build.onLoad({ filter: /.*/, namespace: "pathwise-wasm" }, async ({ path }) => {
        const carried = deflated ? await deflate(path) : readFileSync(path);
        return {
          contents: `export const WASM = ${JSON.stringify(carried.toString("base64"))}; export const DEFLATED = ${deflated};`,
          loader: "js",
        };
      });
    },
  };
}

/** Resolves `import { openProgram } from "pathwise:open"` to the entry's way of opening an envelope. */
function opener(file) {
  return {
    name: "pathwise-open",
    setup(build) {
      build.onResolve({ filter: /^pathwise:open$/ }, () => ({ path: join(root, "js", file) }));
    },
  };
}

// entry, module, deflated, how it opens an envelope
const entries = [
  ["index.js", "page", true, "open.js"],
  ["auto.js", "page", true, "open.js"],
  ["verifier.js", null, false, null],
  ["sync.js", "page-sync", false, "open-sync.js"],
  ["auto-sync.js", "page-sync", false, "open-sync.js"],
  ["engine.js", "engine", true, null],
  ["debug.js", "debug", true, null],
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
for (const [name, module, deflated, open] of entries) {
  await build({
    ...common,
    entryPoints: [join(root, "js/entries", name)],
    outfile: join(out, name),
    // The fallback verifier stays a file of its own, fetched only where it is needed.
    external: ["./verifier.js"],
    plugins: [...(module ? [wasm(join(modules, `${module}.wasm`), deflated)] : []), ...(open ? [opener(open)] : [])],
  });
}

// The app entries (docs/react.md, docs/openfeature.md, docs/analytics.md) are built on the public
// API and carry no module: they import the package by its own name, left external with the
// frameworks they adapt to, so an app's bundler dedupes "pathwise" with the main entry (and in
// Node the package's self-reference resolves it). A page that does not import them pays nothing.
for (const name of ["react.js", "openfeature.js", "analytics.js"]) {
  await build({
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
