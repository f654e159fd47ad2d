// The core's golden corpus through the shipped wasm (pkg/, after wasm-opt), from Node: for every
// tests/golden/cases/*.json the wasm export `explainScenario(bundleJson, scenarioJson, slots)`
// must return exactly what the native reference `pathwise explain --json` prints for the same
// bundle, scenario and slots. A difference means a device would decide otherwise than the CLI,
// the debug panel or the report claim.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { GOLDEN, PKG, pathwise, tempDir } from "./lib/tools.mjs";

const glue = await import(pathToFileURL(join(PKG, "pathwise.js")).href);
glue.initSync({ module: readFileSync(join(PKG, "pathwise_bg.wasm")) });

const casesDir = join(GOLDEN, "cases");
const files = readdirSync(casesDir).filter((f) => f.endsWith(".json")).sort();
const { dir, cleanup } = tempDir("pathwise-golden-");
process.on("exit", cleanup);

test("the golden corpus is there", () => {
  assert.ok(files.length >= 40, `expected at least 40 golden cases, found ${files.length}`);
});

test("the wasm build exports explainScenario", () => {
  assert.equal(typeof glue.explainScenario, "function",
    "pkg/pathwise.js has no explainScenario export (docs/js-api.md; the web runtime adds it)");
});

for (const file of files) {
  test(`golden ${file}: wasm explains exactly as the native CLI`, () => {
    const golden = JSON.parse(readFileSync(join(casesDir, file), "utf8"));
    const slots = Object.keys(golden.expect);
    assert.ok(slots.length > 0, `${file} expects no slot`);

    let bundleFile;
    if (typeof golden.bundle === "string") {
      bundleFile = join(GOLDEN, golden.bundle);
    } else {
      bundleFile = join(dir, `${file}.bundle.json`);
      writeFileSync(bundleFile, JSON.stringify(golden.bundle));
    }
    const bundleJson = readFileSync(bundleFile, "utf8");
    const scenarioJson = JSON.stringify(golden.scenario);
    const scenarioFile = join(dir, `${file}.scenario.json`);
    writeFileSync(scenarioFile, scenarioJson);

    const native = JSON.parse(pathwise([
      "explain", bundleFile, "--scenario", scenarioFile, "--json",
      ...slots.flatMap((slot) => ["--slot", slot]),
    ]));
    assert.deepEqual(Object.keys(native).sort(), [...slots].sort(),
      "the native CLI explains exactly the slots asked for");

    assert.equal(typeof glue.explainScenario, "function", "no explainScenario export in pkg/pathwise.js");
    const wasm = JSON.parse(glue.explainScenario(bundleJson, scenarioJson, slots));
    assert.deepStrictEqual(wasm, native);
  });
}
