// pathwise/engine in Node inflates a verified envelope's payload with node:zlib (js/native.js);
// elsewhere its module inflates it. Both ways must decide the same and refuse the same: each
// envelope below is opened once as Node runs the engine and once with Node's built-in modules
// hidden from it (`process.getBuiltinModule` removed), and the outcomes compared. The payloads
// that do not inflate to a program are signed here, with the key `pathwise keygen` wrote.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, sign as edSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { PKG, SITE, keygen, sign, siteBundle, tempDir } from "./lib/tools.mjs";

const { PathwiseEngine } = await import(pathToFileURL(join(PKG, "engine.js")).href);
const tmp = tempDir();
const key = keygen(tmp.dir);
const signed = JSON.parse(sign(tmp.dir, siteBundle(), key.keyFile));
const program = inflateRawSync(Buffer.from(signed.payload, "base64"));

const PAYLOAD_TYPE = "application/vnd.pathwise.program.v1";
const seed = Buffer.from(readFileSync(key.keyFile, "utf8").trim().replace(/^ed25519-secret:/, ""), "base64");
const secret = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });

/** An envelope of `payload` (bytes) signed with the test key, as `pathwise sign` would sign it. */
function envelopeOf(payload) {
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${payload.length} `), payload]);
  const sig = edSign(null, pae, secret).toString("base64");
  return JSON.stringify({ payloadType: PAYLOAD_TYPE, payload: Buffer.from(payload).toString("base64"), signatures: [{ keyid: "k", sig }] });
}

/** What opening `text` gives: the decisions for a few units, or the refusal's code, message and facts. */
function outcome(text, site = SITE, options = {}) {
  try {
    const engine = PathwiseEngine.fromEnvelope(text, site, [key.publicKey], Date.now(), options);
    const decided = ["u1", "u2", "u3", "u4"].map((unit) => {
      engine.setUnit(unit);
      engine.setAttributes({});
      return Array.from(engine.decideAll());
    });
    const out = { slots: engine.slots(), choices: engine.choices(), decided };
    engine.free();
    return out;
  } catch (e) {
    assert.ok(e instanceof Error, "a refusal is an Error");
    return { code: e.code, message: e.message, reason: e.reason, offset: e.offset, verified: e.verified, required: e.required };
  }
}

/** `outcome` as Node runs the engine (and whether it asked for node:zlib), and with Node's modules hidden. */
function bothWays(...args) {
  const get = process.getBuiltinModule;
  let asked = 0;
  process.getBuiltinModule = (name) => {
    if (name === "zlib" || name === "node:zlib") asked++;
    return get.call(process, name);
  };
  let node;
  try {
    node = outcome(...args);
  } finally {
    process.getBuiltinModule = get;
  }
  process.getBuiltinModule = undefined;
  let module;
  try {
    module = outcome(...args);
  } finally {
    process.getBuiltinModule = get;
  }
  return { node, module, asked };
}

test("a signed bundle decides the same whether node:zlib or the module inflates it", () => {
  const { node, module, asked } = bothWays(JSON.stringify(signed));
  assert.ok(asked > 0, "in Node the engine inflates with node:zlib");
  assert.equal(node.code, undefined, `opened: ${node.message}`);
  assert.ok(node.slots.length > 0);
  assert.deepEqual(node, module);
  // The same program deflated by zlib rather than the signer: the same decisions again.
  assert.deepEqual(bothWays(envelopeOf(deflateRawSync(program, { level: 9 }))).node, node);
});

test("payloads that do not inflate to a program are refused with the same code and reason both ways", () => {
  const cases = {
    "bytes that are not DEFLATE": Buffer.alloc(64, 0xff),
    "a truncated DEFLATE stream": deflateRawSync(program).subarray(0, 20),
    "a stream that inflates past 16 bytes per byte": deflateRawSync(Buffer.alloc(200000)),
    "DEFLATE of bytes that are not a program": deflateRawSync(Buffer.from("not a Pathwise program at all")),
  };
  for (const [what, payload] of Object.entries(cases)) {
    const { node, module } = bothWays(envelopeOf(payload));
    assert.equal(node.code, "program_malformed", `${what}: ${JSON.stringify(node)}`);
    assert.deepEqual(node, module, what);
  }
  assert.equal(bothWays(envelopeOf(deflateRawSync(Buffer.alloc(200000)))).node.reason, "too_complex");
});

test("refusals before and after inflating are the same both ways: signature, threshold, site", () => {
  const bad = JSON.parse(JSON.stringify(signed));
  const sig = Buffer.from(bad.signatures[0].sig, "base64");
  sig[5] ^= 1;
  bad.signatures[0].sig = sig.toString("base64");
  const tampered = bothWays(JSON.stringify(bad));
  assert.equal(tampered.node.code, "signature_threshold_not_met");
  assert.deepEqual(tampered.node, tampered.module);

  // A tampered signature over a payload that would not inflate either: the signature is judged first.
  const garbage = JSON.parse(envelopeOf(Buffer.alloc(64, 0xff)));
  garbage.signatures[0].sig = bad.signatures[0].sig;
  const first = bothWays(JSON.stringify(garbage));
  assert.equal(first.node.code, "signature_threshold_not_met");
  assert.deepEqual(first.node, first.module);

  const threshold = bothWays(JSON.stringify(signed), SITE, { threshold: 2 });
  assert.equal(threshold.node.code, "invalid_threshold");
  assert.deepEqual(threshold.node, threshold.module);

  const site = bothWays(JSON.stringify(signed), "another.example");
  assert.equal(site.node.code, "site_mismatch");
  assert.deepEqual(site.node, site.module);
});

test.after(() => tmp.cleanup());
