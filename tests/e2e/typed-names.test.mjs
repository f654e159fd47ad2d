// Typed names (docs/types.md): `pathwise types www/bundle.json` (the demo bundle) writes the
// declarations, and the pinned TypeScript (tests/e2e/package.json) type-checks a project that
// installed the packed tarball, React's types and the OpenFeature SDK (fixtures/apps/react19),
// with `strict` and `skipLibCheck: false` (fixtures/typed-names/):
//
//   - with the generated file, a misspelt slot, variant, step, event or attribute, or a value of
//     the wrong kind, is an error in pathwise/names, pathwise/react and the proposed wiring of the
//     `Pathwise` class (every `@ts-expect-error` line must be one); without it, the same lines
//     are not errors (the file is what makes them so);
//   - without generated names every name is a `string`;
//   - the real `Pathwise` class once pkg/index.d.ts derives its parameter types from
//     pathwise/names (skipped, saying so, until it does).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appProject } from "./lib/apps.mjs";
import { E2E, PKG, REPO, pathwise, pathwiseBin, tempDir } from "./lib/tools.mjs";

const TSC = join(E2E, "node_modules", ".bin", "tsc");
const FIXTURES = join(E2E, "fixtures", "typed-names");
const DEMO = join(REPO, "www", "bundle.json");
const wired = /from\s+["']\.\/names(\.js)?["']/.test(readFileSync(join(PKG, "index.d.ts"), "utf8"));

let project;
before(() => {
  project = appProject("19");
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(project.dir, file));
  pathwise(["types", DEMO, "--out", join(project.dir, "pathwise-bundle.d.ts")]);
});
after(() => project?.cleanup());

/** `tsc -p CONFIG` in the project: its exit status and what it printed. */
function tsc(config) {
  const r = spawnSync(TSC, ["-p", config, "--pretty", "false"], { cwd: project.dir, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

test("pathwise types declares the demo bundle's slots, variants, steps, rules, attributes and events", () => {
  const text = readFileSync(join(project.dir, "pathwise-bundle.d.ts"), "utf8");
  assert.match(text, /^declare module "pathwise\/names" \{\n  interface PathwiseNames \{$/m);
  assert.match(text, /"hero": \{ kind: "block"; variants: "default" \| "welcome-back" \| "outcome-headline" \| "social-proof"; steps: never \};/);
  assert.match(text, /"onboarding": \{ kind: "path"; variants: "default" \| "role-first" \| "admin-path" \| "operator-path" \| "champion-path"; steps: "welcome" \| "role" \| /);
  assert.match(text, /attributes: \{\n      "role": string;\n    \};/);
  assert.match(text, /events: "role_answered" \| "signed_up" \| "pricing_viewed" \|/);
  assert.match(text, /rules: "onboarding-ask-role" \| /);
  // Written to stdout without --out, the same.
  assert.equal(pathwise(["types", DEMO]), text);
});

test("pathwise types refuses a signed envelope (exit 2) and an invalid bundle (exit 1, every problem)", () => {
  const tmp = tempDir();
  try {
    const envelope = join(tmp.dir, "envelope.json");
    writeFileSync(envelope, JSON.stringify({ payloadType: "application/vnd.pathwise.program.v1", payload: "", signatures: [] }));
    const invalid = join(tmp.dir, "invalid.json");
    const bundle = JSON.parse(readFileSync(DEMO, "utf8"));
    bundle.rules[0].slot = "onbording";
    writeFileSync(invalid, JSON.stringify(bundle));
    const run = (file) => spawnSync(pathwiseBin(), ["types", file], { encoding: "utf8" });
    const a = run(envelope);
    assert.equal(a.status, 2, a.stderr);
    assert.match(a.stderr, /signed envelope/);
    const b = run(invalid);
    assert.equal(b.status, 1, b.stderr);
    assert.match(b.stderr, /rules\[0\]\.slot/);
    assert.equal(b.stdout, "");
  } finally {
    tmp.cleanup();
  }
});

test("with the generated file, every misuse in pathwise/names, pathwise/react, the OpenFeature provider and the proposed Pathwise signatures is a type error (pinned tsc, strict)", () => {
  const version = spawnSync(TSC, ["--version"], { encoding: "utf8" }).stdout.trim();
  const pinned = JSON.parse(readFileSync(join(E2E, "package.json"), "utf8")).devDependencies.typescript;
  assert.equal(version, `Version ${pinned}`);
  const r = tsc("tsconfig.json");
  assert.equal(r.status, 0, `tsc reported:\n${r.output}`);
});

test("without the generated file the same misuses are not errors: the file is what makes them so", () => {
  const file = join(project.dir, "pathwise-bundle.d.ts");
  const kept = readFileSync(file, "utf8");
  writeFileSync(file, "export {};\n");
  try {
    const r = tsc("tsconfig.json");
    assert.notEqual(r.status, 0);
    const unused = r.output.split("\n").filter((line) => line.includes("TS2578"));
    assert.ok(unused.length >= 20, `each @ts-expect-error is unused (${unused.length}):\n${r.output}`);
  } finally {
    writeFileSync(file, kept);
  }
});

test("without generated names every name is a string and every value any kind set() takes", () => {
  const r = tsc("tsconfig.plain.json");
  assert.equal(r.status, 0, `tsc reported:\n${r.output}`);
});

test("the Pathwise class itself takes the bundle's names", { skip: !wired && "pkg/index.d.ts does not derive its parameter types from pathwise/names yet (docs/types.md, \"The Pathwise class\")" }, () => {
  const r = tsc("tsconfig.wired.json");
  assert.equal(r.status, 0, `tsc reported:\n${r.output}`);
});
