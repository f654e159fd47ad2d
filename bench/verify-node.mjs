// `make bench`: the Ed25519 verification of a typical envelope (N = 10, 100) in Node, three ways
// (verify-cases.mjs): Node's WebCrypto, the engine module's verify_strict (pathwise/engine), and
// pkg/verifier.js's JavaScript fallback. Informational: no target. Writes JSON for table.mjs.
//
//   node bench/verify-node.mjs [--samples 21] [--out FILE]

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { flags, loadPathwise, NOW_MS, PKG, requireFile } from "./lib.mjs";
import { checkWasm, fromBase64, measure, verifiers } from "./verify-cases.mjs";
import { verifyInputs } from "./verify-input.mjs";

const args = flags();
const { wasm: exports } = await loadPathwise();
const { verified } = await import(pathToFileURL(requireFile(join(PKG, "verifier.js"), "run `make pkg`")).href);
const nowSec = Math.floor(NOW_MS / 1000);
const now = () => Number(process.hrtime.bigint()) / 1e6;

const cases = [];
for (const input of verifyInputs()) {
  const c = { site: input.site };
  for (const k of ["payload", "sig", "key", "otherKey"]) c[k] = fromBase64(input[k]);
  checkWasm(exports, c, nowSec);
  const fns = verifiers(c, { exports, verified, subtle: globalThis.crypto.subtle, nowSec });
  const results = await measure(fns, { samples: Number(args.samples ?? 21), now });
  cases.push({ n: input.n, payloadBytes: input.payloadBytes, results });
  process.stderr.write(`bench verify (node): N=${input.n}: ${JSON.stringify(results)}\n`);
}
const out = { where: `Node ${process.version}`, cases };
if (args.out) writeFileSync(args.out, JSON.stringify(out, null, 1) + "\n");
else console.log(JSON.stringify(out, null, 1));
