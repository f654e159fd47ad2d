// The package's TypeScript declarations work where users put them: the `npm pack` tarball,
// installed offline into a project, is type-checked by `tsc --noEmit` (TypeScript pinned in this
// folder's package.json) with `strict` and `skipLibCheck: false`, so an error inside one of the
// package's .d.ts files fails the check as it would fail the user's build:
//
//   - a Node project ("type": "module", `moduleResolution: nodenext`, `lib: ["ES2022"]` and no
//     DOM) that decides with `pathwise/engine` (fixtures/types/node.ts);
//   - a browser project (`lib: ["ES2022", "DOM"]`, `moduleResolution: bundler`,
//     `noUncheckedSideEffectImports`) that imports "pathwise/pathwise.css" and calls
//     `Pathwise.init` (fixtures/types/browser.ts).
//
// Both files also misuse the API on lines marked `@ts-expect-error`: if the declarations went
// missing or became `any`, those would stop being errors and tsc would fail on them.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packAndInstall } from "./lib/pack.mjs";
import { E2E } from "./lib/tools.mjs";

const TSC = join(E2E, "node_modules", ".bin", "tsc");
const FIXTURES = join(E2E, "fixtures", "types");

let project;

before(() => {
  project = packAndInstall({ prefix: "pathwise-types-", manifest: { type: "module" } });
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(project.dir, file));
});
after(() => project?.cleanup());

/** `tsc -p CONFIG` in the project: its exit status and what it printed. */
function tsc(config) {
  const r = spawnSync(TSC, ["-p", config, "--pretty", "false"], { cwd: project.dir, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

test("the pinned TypeScript is the one checking", () => {
  const r = spawnSync(TSC, ["--version"], { encoding: "utf8" });
  const pinned = JSON.parse(readFileSync(join(E2E, "package.json"), "utf8")).devDependencies.typescript;
  assert.equal(r.stdout.trim(), `Version ${pinned}`);
});

test("a Node project without the DOM library compiles against `pathwise/engine` (strict, skipLibCheck false)", () => {
  const r = tsc("tsconfig.node.json");
  assert.equal(r.status, 0, `tsc reported:\n${r.output}`);
});

test("a bundled browser project compiles its `import \"pathwise/pathwise.css\"` and `Pathwise.init` (noUncheckedSideEffectImports)", () => {
  const r = tsc("tsconfig.browser.json");
  assert.equal(r.status, 0, `tsc reported:\n${r.output}`);
});
