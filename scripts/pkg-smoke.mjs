// Smoke test of the built npm package (after wasm-opt), in Node: the page module and the headless
// engine's module (`pathwise/engine`) each instantiate without the other's exports, their version
// matches package.json, and errors arrive as JS Error objects; pathwise/sync loads without a
// fetch; with DEV_DIR, the test-only devtools build (make pkg-dev) explains a scenario.
// Usage: node scripts/pkg-smoke.mjs [PKG_DIR] [DEV_DIR]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2] ?? "pkg");
const devDir = process.argv[3] && resolve(process.argv[3]);
const manifest = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
const main = manifest.exports["."];
const pw = await import(pathToFileURL(`${dir}/${typeof main === "string" ? main : main.default}`).href);
const exports = pw.initSync({ module: readFileSync(`${dir}/pathwise_bg.wasm`) });

function check(ok, what) {
  if (!ok) {
    console.error(`pkg-smoke: FAIL: ${what}`);
    process.exit(1);
  }
}

check(pw.version() === manifest.version,
  `wasm reports version ${pw.version()}, package.json says ${manifest.version}`);

pw.validateBundle(JSON.stringify({
  schema: 1, site: "example.com", version: 1, expires_at: "2030-01-01T00:00:00Z",
  slots: [{ id: "hero", kind: "block" }],
  rules: [{ id: "r1", slot: "hero", objective: "activation", variants: [{ id: "v1" }] }],
}));

let thrown;
try {
  pw.validateBundle('{"schema": 1, "site": ');
} catch (e) {
  thrown = e;
}
check(thrown instanceof Error, `a broken bundle throws an Error (got ${thrown})`);
check(/not valid JSON/.test(thrown.message), `error message: ${thrown.message}`);
check(thrown.code === "bundle_not_json", `error code: ${thrown.code}`);

check(typeof pw.Pathwise === "function" && typeof pw.Pathwise.init === "function",
  "the entry exports the Pathwise class with a static init");
check(pw.explainScenario === undefined,
  "the shipped package has no test-only exports (explainScenario is in the devtools build)");
check(pw.PathwiseEngine === undefined && exports.pathwiseengine_fromEnvelope === undefined,
  "the page module has no headless engine (it is the `pathwise/engine` entry's module)");

// The headless entry, `pathwise/engine`: its own module, without the page runtime.
const engineEntry = manifest.exports["./engine"];
const eng = await import(pathToFileURL(`${dir}/${typeof engineEntry === "string" ? engineEntry : engineEntry.default}`).href);
const engineExports = eng.initSync({ module: readFileSync(`${dir}/pathwise_engine_bg.wasm`) });
check(eng.version() === manifest.version,
  `the engine module reports version ${eng.version()}, package.json says ${manifest.version}`);
check(typeof eng.PathwiseEngine === "function" && typeof eng.PathwiseEngine.fromEnvelope === "function",
  "pathwise/engine exports the PathwiseEngine class with a static fromEnvelope");
check(eng.Pathwise === undefined && engineExports.pathwise_init === undefined,
  "the engine module has no page runtime (no Pathwise class)");
let engineThrown;
try {
  eng.PathwiseEngine.fromEnvelope('{"payloadType": ', "example.com", [], Date.UTC(2029, 0, 1));
} catch (e) {
  engineThrown = e;
}
check(engineThrown instanceof Error && typeof engineThrown.code === "string" && engineThrown.code !== "",
  `a broken envelope throws an Error with a code from the engine module (got ${engineThrown})`);

// pathwise/sync instantiates the inlined module by itself when imported (in a fresh process, so
// the initSync above does not count), with no fetch and no wasm file.
const syncEntry = manifest.exports["./sync"];
const syncOut = execFileSync(process.execPath, ["--input-type=module", "-e",
  `const m = await import(${JSON.stringify(pathToFileURL(`${dir}/${syncEntry.default}`).href)});` +
  "console.log(m.version(), typeof m.Pathwise.init);"], { encoding: "utf8" }).trim();
check(syncOut === `${manifest.version} function`, `pathwise/sync loads by itself (got ${JSON.stringify(syncOut)})`);

if (devDir) {
  // The test-only build: the same module plus `explainScenario`.
  const dev = await import(pathToFileURL(`${devDir}/pathwise.js`).href);
  dev.initSync({ module: readFileSync(`${devDir}/pathwise_bg.wasm`) });
  const explained = JSON.parse(dev.explainScenario(JSON.stringify({
    schema: 1, site: "example.com", version: 1, expires_at: "2030-01-01T00:00:00Z",
    slots: [{ id: "hero", kind: "block" }],
    rules: [{ id: "r1", slot: "hero", objective: "activation", variants: [{ id: "v1" }] }],
  }), JSON.stringify({ unit: "u", now: "2029-01-01T00:00:00Z" })));
  check(explained.hero && explained.hero.decision.variant === "v1",
    `explainScenario decides through the devtools wasm build: ${JSON.stringify(explained)}`);
}

// The module's own allocator (src/heap.rs) under load: the same bundles, valid and broken, parsed
// and validated again and again give the same answers, and freed memory is reused rather than
// the heap growing with every call.
const golden = readFileSync(new URL("../tests/golden/bundles/saas.json", import.meta.url), "utf8");
const broken = golden.replace('"weight"', '"wieght"');
const answers = () => {
  const out = [];
  for (const text of [golden, broken, golden.slice(0, 500), "[".repeat(100)]) {
    try {
      pw.validateBundle(text);
      out.push("ok");
    } catch (e) {
      out.push(`${e.code}: ${e.message}`);
    }
  }
  return JSON.stringify(out);
};
const first = answers();
const memoryAfterFirst = exports.memory.buffer.byteLength;
for (let i = 0; i < 300; i++) {
  check(answers() === first, `answers changed on round ${i}`);
}
check(exports.memory.buffer.byteLength <= memoryAfterFirst * 2,
  `the heap grew from ${memoryAfterFirst} to ${exports.memory.buffer.byteLength} bytes over 300 rounds`);

const schema = JSON.parse(readFileSync(`${dir}/bundle.schema.json`, "utf8"));
check(schema.properties && schema.properties.rules, "bundle.schema.json describes rules");

console.log(`pkg-smoke: ok (pathwise ${pw.version()} from ${dir}${devDir ? ` and ${devDir}` : ""})`);
