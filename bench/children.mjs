// Fresh-process samples (cold.mjs, memory.mjs) for one prepared workload, the two SDKs
// alternating (and which goes first alternating too), so that a slow moment of the machine hits
// both. Each child reads its input from a file written here, before its clock starts.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GB_ENTRY, GB_PKG, NOW_MS, PKG } from "./lib.mjs";
import { SITE } from "./translate.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

/** What a child needs of `p` (lib.mjs `prepare`): the texts, the key, the first user. */
function inputs(p) {
  const common = { user: p.users[0] };
  return {
    pathwise: {
      ...common, engineEntry: join(PKG, "engine.js"), envelope: p.envelope, site: SITE, key: p.publicKey,
      nowMs: NOW_MS, attributes: p.pwUsers[0],
    },
    growthbook: { ...common, gbEntry: join(GB_PKG, GB_ENTRY), payload: p.gbPayloadText, keys: p.featureKeys },
  };
}

/**
 * Runs `node [nodeArgs] bench/<script> --sdk S --input FILE [args]` `samples` times per SDK,
 * alternating; returns `{ pathwise: [...], growthbook: [...] }`, each the children's JSON lines.
 */
export function alternate(p, script, samples, { nodeArgs = [], args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "pathwise-bench-child-"));
  try {
    const files = {};
    for (const [sdk, input] of Object.entries(inputs(p))) {
      files[sdk] = join(dir, `${sdk}.json`);
      writeFileSync(files[sdk], JSON.stringify(input));
    }
    const out = { pathwise: [], growthbook: [] };
    for (let i = 0; i < samples; i++) {
      for (const sdk of i % 2 === 0 ? ["pathwise", "growthbook"] : ["growthbook", "pathwise"]) {
        const line = execFileSync(process.execPath, [...nodeArgs, join(HERE, script), "--sdk", sdk, "--input", files[sdk], ...args],
          { encoding: "utf8" }).trim().split("\n").pop();
        out[sdk].push(JSON.parse(line));
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
