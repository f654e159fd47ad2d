// The in-process timings of the Node benchmark: per decision and init, Pathwise (PathwiseEngine)
// and GrowthBook in the same process on the same prepared workload (lib.mjs `prepare`), their
// samples interleaved so that a slow moment of the machine hits both.

import { median, pathwiseEngine, valueTable } from "./lib.mjs";

const now = () => process.hrtime.bigint();
const settle = () => new Promise((r) => setImmediate(r));
/** Every decided value is folded in, so no work can be skipped (and passes can be compared). */
const fold = (acc, v) => (Math.imul(acc, 31) + v.length + v.charCodeAt(v.length - 1)) | 0;

/** GrowthBook as a page uses it: a tracking callback, then `initSync` with the parsed payload. */
export function makeGrowthBook(GrowthBook, payloadText) {
  const gb = new GrowthBook({ trackingCallback: () => {}, attributes: {} });
  gb.initSync({ payload: JSON.parse(payloadText) });
  return gb;
}

function pathwisePass(engine, p, values) {
  const { users, pwUsers } = p;
  let acc = 0;
  const t0 = now();
  for (let u = 0; u < users.length; u++) {
    engine.setUnit(users[u].id);
    engine.setAttributes(pwUsers[u]);
    const r = engine.decideAll();
    for (let k = 0; k < r.length; k++) acc = fold(acc, values[k][r[k]]);
  }
  return { ns: Number(now() - t0), acc: acc >>> 0 };
}

// Only the per-user part (Pathwise setUnit + setAttributes; GrowthBook setAttributes + setURL):
// what a visitor costs before any slot is decided.
function attributesPass(sdk, x, p) {
  const { users, pwUsers } = p;
  const t0 = now();
  for (let u = 0; u < users.length; u++) {
    if (sdk === "pw") {
      x.setUnit(users[u].id);
      x.setAttributes(pwUsers[u]);
    } else {
      x.setAttributes(users[u]);
      x.setURL(users[u].url);
    }
  }
  return Number(now() - t0);
}

function growthBookPass(gb, p) {
  const { users, featureKeys: keys } = p;
  let acc = 0;
  const t0 = now();
  for (let u = 0; u < users.length; u++) {
    const user = users[u];
    gb.setAttributes(user);
    gb.setURL(user.url);
    for (let k = 0; k < keys.length; k++) acc = fold(acc, gb.getFeatureValue(keys[k], ""));
  }
  return { ns: Number(now() - t0), acc: acc >>> 0 };
}

/**
 * Per decision: per user, set the attributes (GrowthBook also `setURL`), then decide every slot
 * / feature; 1000 users with different attributes. One warm-up pass each, then `passes` passes,
 * alternating which SDK goes first; GrowthBook gets a fresh instance per pass (its exposure
 * de-duplication starts empty each time). Median ns per decision; the fold of every value must
 * be the same in every pass. After each timed pass, a pass of the per-user part alone (the
 * attributes), to split a user's time.
 */
export async function perDecision(pw, GrowthBook, p, passes) {
  const engine = pathwiseEngine(pw, p);
  const values = valueTable(engine);
  const pwNs = [];
  const gbNs = [];
  const pwAcc = new Set();
  const gbAcc = new Set();
  const pwAttrNs = [];
  const gbAttrNs = [];
  for (let i = 0; i <= passes; i++) {
    for (const sdk of i % 2 === 0 ? ["pw", "gb"] : ["gb", "pw"]) {
      if (sdk === "pw") {
        const x = pathwisePass(engine, p, values);
        if (i > 0) { pwNs.push(x.ns); pwAcc.add(x.acc); pwAttrNs.push(attributesPass("pw", engine, p)); }
      } else {
        const gb = makeGrowthBook(GrowthBook, p.gbPayloadText);
        await settle();
        const x = growthBookPass(gb, p);
        await settle(); // GrowthBook's tracking callbacks run as tasks
        if (i > 0) { gbNs.push(x.ns); gbAcc.add(x.acc); gbAttrNs.push(attributesPass("gb", gb, p)); }
        gb.destroy();
      }
    }
  }
  engine.free();
  const decisions = p.users.length * p.n;
  return {
    pwNs: median(pwNs) / decisions,
    gbNs: median(gbNs) / decisions,
    pwUserNs: median(pwNs) / p.users.length,
    gbUserNs: median(gbNs) / p.users.length,
    pwAttributesNs: median(pwAttrNs) / p.users.length,
    gbAttributesNs: median(gbAttrNs) / p.users.length,
    pwSpread: [Math.min(...pwNs) / decisions, Math.max(...pwNs) / decisions],
    gbSpread: [Math.min(...gbNs) / decisions, Math.max(...gbNs) / decisions],
    passes,
    stable: pwAcc.size === 1 && gbAcc.size === 1,
  };
}

/**
 * Init from the text a page or server has: Pathwise `fromEnvelope` (parse the envelope, verify
 * the signature, inflate and read the program); GrowthBook `JSON.parse` + `new GrowthBook` +
 * `initSync`. 5 warm-up rounds, then `samples` rounds, alternating; median ns.
 */
export async function init(pw, GrowthBook, p, samples) {
  const pwNs = [];
  const gbNs = [];
  for (let i = 0; i < 5 + samples; i++) {
    const order = i % 2 === 0 ? ["pw", "gb"] : ["gb", "pw"];
    for (const sdk of order) {
      const t0 = now();
      const x = sdk === "pw" ? pathwiseEngine(pw, p) : makeGrowthBook(GrowthBook, p.gbPayloadText);
      const ns = Number(now() - t0);
      if (sdk === "pw") x.free();
      else x.destroy();
      if (i >= 5) (sdk === "pw" ? pwNs : gbNs).push(ns);
    }
    if (i % 10 === 9) await settle();
  }
  return { pwNs: median(pwNs), gbNs: median(gbNs), samples };
}
