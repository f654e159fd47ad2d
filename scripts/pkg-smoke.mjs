// Smoke test of the built npm package (after wasm-opt), in Node: the shipped module instantiates,
// its version matches package.json, and errors arrive as JS Error objects.
// Usage: node scripts/pkg-smoke.mjs [PKG_DIR]
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2] ?? "pkg");
const manifest = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
const main = manifest.exports["."];
const pw = await import(pathToFileURL(`${dir}/${typeof main === "string" ? main : main.default}`).href);
pw.initSync({ module: readFileSync(`${dir}/pathwise_bg.wasm`) });

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
const explained = JSON.parse(pw.explainScenario(JSON.stringify({
  schema: 1, site: "example.com", version: 1, expires_at: "2030-01-01T00:00:00Z",
  slots: [{ id: "hero", kind: "block" }],
  rules: [{ id: "r1", slot: "hero", objective: "activation", variants: [{ id: "v1" }] }],
}), JSON.stringify({ unit: "u", now: "2029-01-01T00:00:00Z" })));
check(explained.hero && explained.hero.decision.variant === "v1",
  `explainScenario decides through the wasm build: ${JSON.stringify(explained)}`);

const schema = JSON.parse(readFileSync(`${dir}/bundle.schema.json`, "utf8"));
check(schema.properties && schema.properties.rules, "bundle.schema.json describes rules");

console.log(`pkg-smoke: ok (pathwise ${pw.version()} from ${dir})`);
