// Smoke test of the built npm package, in Node, before the browser tests: every entry of
// package.json's exports map resolves to a file that imports; each module reports the package's
// version; each module exports the calls of its own entry and not those of the others (the page
// module has no headless engine, no in-module verifier and no debug calls); errors arrive as JS
// Error objects with a code; pathwise/sync instantiates by itself, with no fetch.
// Usage: node scripts/pkg-smoke.mjs [PKG_DIR]
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2] ?? "pkg");
const manifest = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
let failures = 0;

function check(ok, what) {
  if (!ok) {
    console.error(`pkg-smoke: FAIL: ${what}`);
    failures++;
  }
}

/** The file an export of package.json points at (its `default` condition, or the string). */
const fileOf = (entry) => {
  const target = manifest.exports[entry];
  return typeof target === "string" ? target : target.default ?? target.types;
};
const load = (entry) => import(pathToFileURL(resolve(dir, fileOf(entry))).href);

for (const entry of Object.keys(manifest.exports)) {
  const target = manifest.exports[entry];
  for (const file of typeof target === "string" ? [target] : Object.values(target)) {
    check(existsSync(resolve(dir, file)), `exports[${JSON.stringify(entry)}] names ${file}, which the package does not hold`);
  }
}

/** What `fn()` threw (or undefined); awaits a promise. */
async function thrown(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
const coded = (e, code) => e instanceof Error && (code ? e.code === code : typeof e.code === "string" && e.code !== "");

// The main entry: the page runtime's module, and nothing else.
const page = await load(".");
check(page.version() === manifest.version, `pathwise reports version ${page.version()}, package.json says ${manifest.version}`);
const pageExports = Object.keys(page.initSync());
check(pageExports.includes("pw_page") && pageExports.includes("pw_program"), `the page module has the page runtime (${pageExports})`);
for (const absent of ["pw_engine", "pw_open"]) {
  check(!pageExports.includes(absent), `the page module has no ${absent}: it belongs to another entry's module`);
}
const notBrowser = await thrown(() => page.Pathwise.init({ site: "example.com", keys: [] }));
check(coded(notBrowser, "no_browser"), `Pathwise.init outside a page rejects with an Error coded no_browser (got ${notBrowser?.code ?? notBrowser})`);

// The in-page verifier the main entry fetches where WebCrypto has no Ed25519.
const { verified } = await import(pathToFileURL(resolve(dir, "verifier.js")).href);
check(typeof verified === "function", "verifier.js exports verified()");
check((await verified(new Uint8Array(8), [new Uint8Array(32)], [new Uint8Array(64)])) === 0,
  "verifier.js verifies nothing with a zero key and signature");

// pathwise/sync: everything inside its module, which it instantiates when imported (in a fresh
// process, so the initSync above does not count), with no fetch and no wasm file.
const sync = await load("./sync");
check(Object.keys(sync.initSync()).includes("pw_open"), "pathwise/sync's module verifies and inflates (pw_open)");
const syncOut = execFileSync(process.execPath, ["--input-type=module", "-e",
  `const m = await import(${JSON.stringify(pathToFileURL(resolve(dir, fileOf("./sync"))).href)});` +
  "console.log(m.version(), typeof m.Pathwise.init);"], { encoding: "utf8" }).trim();
check(syncOut === `${manifest.version} function`, `pathwise/sync loads by itself (got ${JSON.stringify(syncOut)})`);

// pathwise/engine: its own module, without the page runtime.
const eng = await load("./engine");
check(eng.version() === manifest.version, `pathwise/engine reports version ${eng.version()}, package.json says ${manifest.version}`);
const engineExports = Object.keys(eng.initSync());
check(engineExports.includes("pw_engine") && !engineExports.includes("pw_page"), `the engine module has the engine and no page runtime (${engineExports})`);
const broken = await thrown(() => eng.PathwiseEngine.fromEnvelope('{"payloadType": ', "example.com", [], Date.UTC(2029, 0, 1)));
check(coded(broken), `a broken envelope throws an Error with a code (got ${broken})`);

// pathwise/debug: explain and signals, on an instance's inputs.
const debug = await load("./debug");
check(typeof debug.explain === "function" && typeof debug.signals === "function", "pathwise/debug exports explain() and signals()");
check(debug.version() === manifest.version, `pathwise/debug reports version ${debug.version()}`);

// The app entries import without their peers installed (React is only needed when called).
for (const entry of ["./analytics"]) {
  check(Object.keys(await load(entry)).length > 0, `${entry} imports and exports something`);
}

if (failures) process.exit(1);
console.log(`pkg-smoke: ok (${Object.keys(manifest.exports).length} exports of pathwise ${manifest.version})`);
