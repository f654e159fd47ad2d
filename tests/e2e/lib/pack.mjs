// The package as a user gets it: `npm pack` of the built package folder, installed offline (it has
// no dependencies) into a fresh project of a site. Used by pack.test.mjs and types.test.mjs.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PKG, tempDir } from "./tools.mjs";

export function npm(args, cwd) {
  try {
    return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"],
      { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`npm ${args.join(" ")} in ${cwd} exited ${e.status}: ${e.stderr || e.message}`);
  }
}

/**
 * Packs `pkgDir` (default: pkg/ exactly as `make pkg` left it) into a new temporary project whose
 * package.json is `manifest` (plus a name and version), and installs the tarball there. Returns
 * the project folder (`dir`, `cleanup()`), `packed` (npm's report: `filename`, `files`, …) and
 * `installed`, the package's folder under node_modules.
 */
export function packAndInstall({ pkgDir = PKG, prefix = "pathwise-pack-", manifest = {} } = {}) {
  const project = tempDir(prefix);
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", project.dir], pkgDir));
  writeFileSync(join(project.dir, "package.json"),
    JSON.stringify({ name: "some-site", version: "1.0.0", private: true, ...manifest }, null, 2));
  npm(["install", "--offline", "--ignore-scripts", join(project.dir, packed.filename)], project.dir);
  return { ...project, packed, installed: join(project.dir, "node_modules", "pathwise") };
}
