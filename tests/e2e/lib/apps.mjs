// Real apps built from the packed tarball: a project made of the dependency set pinned in
// fixtures/apps/react18 or react19 (package.json + package-lock.json: React, Vite, the OpenFeature
// SDKs; `make setup` runs `npm ci` there, which fills the npm cache), installed offline with the
// `npm pack` of pkg/, holding the harness of fixtures/apps/site (Vite config, HTML pages) and the
// source files the docs show. Used by react.test.mjs and openfeature.test.mjs.

import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { npm } from "./pack.mjs";
import { E2E, PKG, REPO, tempDir } from "./tools.mjs";

export const APPS = join(E2E, "fixtures", "apps");

/**
 * The files a doc shows: each fenced block whose info string names a file,
 * ```jsx title="src/App.jsx"``` → { "src/App.jsx": "…" }.
 */
export function docFiles(doc) {
  const text = readFileSync(join(REPO, "docs", doc), "utf8");
  const files = {};
  for (const [, path, body] of text.matchAll(/^```[\w-]* title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    if (path in files) throw new Error(`docs/${doc} shows ${path} twice`);
    files[path] = body;
  }
  return files;
}

/**
 * A project for `react` ("18" or "19") with the tarball installed offline and `files` (path →
 * text) written into it. Returns the project (`dir`, `cleanup()`), the tarball name, and helpers
 * to run its tools.
 */
export function appProject(react, files = {}) {
  const deps = join(APPS, `react${react}`);
  if (!existsSync(join(deps, "node_modules", ".package-lock.json"))) {
    throw new Error(`${deps} is not installed, so its packages are not in the npm cache: run 'make setup'`);
  }
  const project = tempDir(`pathwise-app-react${react}-`);
  for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(deps, file), join(project.dir, file));
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", project.dir], PKG));
  // Offline: the pinned dependencies come from the npm cache that `make setup` filled (its
  // `npm ci` in the fixture folder made the same requests), the package from its tarball (it
  // has no dependencies of its own; its peers are already there).
  npm(["ci", "--offline", "--ignore-scripts"], project.dir);
  npm(["install", "--offline", "--ignore-scripts", "--no-save", `./${packed.filename}`], project.dir);
  cpSync(join(APPS, "site"), project.dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project.dir, path)), { recursive: true });
    writeFileSync(join(project.dir, path), text);
  }
  const bin = (name) => join(project.dir, "node_modules", ".bin", name);
  return {
    ...project,
    packed,
    /** `vite build` (and `--ssr ENTRY` into dist-ssr/), with `env` added to the environment. */
    vite(args, env = {}) {
      try {
        return execFileSync(bin("vite"), ["build", "--logLevel", "warn", ...args], {
          cwd: project.dir,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, ...env },
        });
      } catch (e) {
        throw new Error(`vite build ${args.join(" ")} exited ${e.status}:\n${e.stdout}\n${e.stderr}`);
      }
    },
    /** Runs `script` (an ES module's text) with Node in the project; returns its stdout. */
    node(script) {
      const file = join(project.dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
      writeFileSync(file, script);
      try {
        return execFileSync(process.execPath, [file], { cwd: project.dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        throw new Error(`node ${file} exited ${e.status}:\n${e.stdout}\n${e.stderr}`);
      }
    },
  };
}
