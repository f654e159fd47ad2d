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
// missing or became `any`, those would stop being errors and tsc would fail on them. And the
// declarations describe what the installed modules really export: each entry's exports and each
// class's methods, read from the modules in Node, must be exactly the declared ones.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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

/** The string keys of `o` (own properties), without the ones every function or class has. */
const members = (o) => Object.getOwnPropertyNames(o).filter((k) => !["constructor", "length", "name", "prototype"].includes(k)).sort();
const union = (names) => names.map((n) => JSON.stringify(n)).join(" | ");

test("the declarations name exactly what the installed entries export, and each class's methods", async () => {
  const load = (entry) => import(pathToFileURL(join(project.installed, entry)).href);
  const [page, sync, engine] = [await load("index.js"), await load("sync.js"), await load("engine.js")];
  const runtime = {
    page: Object.keys(page).sort(),
    sync: Object.keys(sync).sort(),
    engine: Object.keys(engine).sort(),
    pathwise: members(page.Pathwise.prototype),
    pathwiseStatic: members(page.Pathwise),
    engineClass: members(engine.PathwiseEngine.prototype),
    engineStatic: members(engine.PathwiseEngine),
  };
  // Sanity: the modules are the real ones (the test would pass vacuously on empty lists).
  assert.ok(runtime.pathwise.includes("decide") && runtime.engineClass.includes("decideAll"), JSON.stringify(runtime));
  // One check per list, in both directions: `Same` is `true` only when the declared keys are
  // exactly the runtime's.
  writeFileSync(join(project.dir, "runtime.ts"), `
    import type * as Page from "pathwise";
    import type * as Sync from "pathwise/sync";
    import type * as Engine from "pathwise/engine";
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    type Keys<T> = Extract<keyof T, string>;
    type Statics<T> = Exclude<Keys<T>, "prototype">;
    export const page: Same<Keys<typeof Page>, ${union(runtime.page)}> = true;
    export const sync: Same<Keys<typeof Sync>, ${union(runtime.sync)}> = true;
    export const engine: Same<Keys<typeof Engine>, ${union(runtime.engine)}> = true;
    export const pathwise: Same<Keys<Page.Pathwise>, ${union(runtime.pathwise)}> = true;
    export const pathwiseStatic: Same<Statics<typeof Page.Pathwise>, ${union(runtime.pathwiseStatic)}> = true;
    export const engineClass: Same<Keys<Engine.PathwiseEngine>, ${union(runtime.engineClass)}> = true;
    export const engineStatic: Same<Statics<typeof Engine.PathwiseEngine>, ${union(runtime.engineStatic)}> = true;
  `);
  writeFileSync(join(project.dir, "tsconfig.runtime.json"), JSON.stringify({
    extends: "./tsconfig.browser.json",
    files: ["runtime.ts"],
  }));
  const r = tsc("tsconfig.runtime.json");
  assert.equal(r.status, 0, `the declarations differ from the modules (${JSON.stringify(runtime)}):\n${r.output}`);
});
