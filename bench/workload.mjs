// The benchmark workload: a seeded generator of N features (slots) with their targeting rules and
// of 1000 users, written out two ways from one description:
//
//   - `neutral`: the rules and users in the SDK-neutral form `pz-neutral-workload/1` (its
//     `semantics` field says how to evaluate it; bench/reference.mjs is that evaluation, and
//     bench/translate.mjs turns it into Pathwise bundles);
//   - `gbPayload`: the same rules as a GrowthBook features payload (`{ features, dateUpdated }`).
//
// Determinism: no Math.random. Every feature and every user draws from a stream of its own,
// mulberry32 seeded with the 32-bit FNV-1a hash of a label (`<seed>:feature:<i>`,
// `<seed>:user:<i>`), so feature i is the same at every N (N = 100 starts with N = 10's features)
// and every N has the same users. The draw order inside a stream is part of the format: changing
// it changes the workload, which bench/workload.test.mjs catches through pinned checksums.
//
//   node bench/workload.mjs [--n 10,100,1000] [--users 1000] [--seed pz-bench-v1] --out DIR
//     writes DIR/workload-N.json (the neutral form) and prints each file's size and FNV-1a

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const DEFAULT_SEED = "pz-bench-v1";
export const DEFAULT_USERS = 1000;
export const FORMAT = "pz-neutral-workload/1";

// ---------------------------------------------------------------- hashing and random streams

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a of `text`, one UTF-16 code unit at a time (the same as bytes for ASCII). Pass the
 * previous result as `state` to hash a concatenation piece by piece. Unsigned result.
 */
export function fnv1a32(text, state = FNV_OFFSET) {
  let h = state;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), FNV_PRIME);
  return h >>> 0;
}

const TWO_POW_32 = 2 ** 32;

/** One random stream: mulberry32 over a 32-bit state, seeded from a label. */
class Stream {
  constructor(label) {
    this.state = fnv1a32(label);
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  uniform() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = this.state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / TWO_POW_32;
  }

  /** An integer in [0, count). */
  below(count) {
    return Math.floor(this.uniform() * count);
  }

  /** An integer in [lo, hi], both ends included. */
  between(lo, hi) {
    return lo + this.below(hi - lo + 1);
  }

  oneOf(list) {
    return list[this.below(list.length)];
  }

  /** True with probability `p`. */
  coin(p) {
    return this.uniform() < p;
  }

  /** A value of `table` (`[value, weight]` pairs) with probability proportional to its weight. */
  weighted(table) {
    const total = table.reduce((sum, [, weight]) => sum + weight, 0);
    let rest = this.uniform() * total;
    for (const [value, weight] of table) {
      rest -= weight;
      if (rest < 0) return value;
    }
    return table[table.length - 1][0];
  }

  /** `count` distinct elements of `list`, in the order drawn (each draw removes its pick). */
  distinct(list, count) {
    const pool = [...list];
    const picked = [];
    while (picked.length < count && pool.length > 0) picked.push(pool.splice(this.below(pool.length), 1)[0]);
    return picked;
  }

  /** `length` lowercase hex digits, 8 per draw (the last draw's tail dropped). */
  hex(length) {
    let digits = "";
    while (digits.length < length) digits += this.below(TWO_POW_32).toString(16).padStart(8, "0");
    return digits.slice(0, length);
  }
}

const toHundredths = (x) => Math.round(x * 100) / 100;
const names = (table) => table.map(([value]) => value);

// ---------------------------------------------------------------- vocabularies (weights in %)

const COUNTRY = [["US", 30], ["GB", 10], ["DE", 10], ["FR", 8], ["IN", 12], ["BR", 8], ["JP", 6], ["CA", 6], ["AU", 5], ["ES", 5]];
const PLAN = [["free", 50], ["starter", 20], ["pro", 15], ["team", 10], ["enterprise", 5]];
const ROLE = [["owner", 10], ["admin", 15], ["member", 45], ["viewer", 20], ["guest", 10]];
const HOST = [["https://app.example.com", 60], ["https://www.example.com", 40]];
const UTM_SOURCE = [["google", 30], ["newsletter", 15], ["twitter", 10], ["partner", 10], [null, 35]];
const REFERRERS = ["friend", "partner", "ads", "email"];
export const PAGES = [
  "/", "/pricing", "/docs", "/docs/getting-started", "/docs/api", "/blog", "/blog/launch", "/features",
  "/integrations", "/signup", "/login", "/dashboard", "/settings", "/billing", "/team", "/reports",
  "/templates", "/help", "/contact", "/changelog",
];

/**
 * The regular expressions of `regex` clauses (on `url`) and `any_regex` clauses (on
 * `pagesVisited`): plain syntax that JavaScript's RegExp and Rust's regex crate read alike, an
 * unanchored search unless `^` / `$` anchor it.
 */
export const URL_PATTERNS = [
  "^https://app\\.example\\.com/(pricing|billing)",
  "^https://www\\.example\\.com/",
  "/docs(/|$|\\?)",
  "[?&]utm_source=(google|newsletter)",
  "[?&]ref=[a-z]+",
  "/(dashboard|reports|team)",
  "^https://app\\.example\\.com/settings",
];
export const PAGE_PATTERNS = ["^/docs", "^/blog", "^/(pricing|billing)$", "^/(team|settings)"];

const PAGE_BLOCKS = [
  "hero", "pricing_table", "cta_footer", "nav_promo", "testimonial", "feature_grid", "upgrade_banner",
  "checkout_note", "sidebar_tip", "empty_state",
];
const ONBOARDING_PATHS = ["onboarding_path", "welcome_tour", "setup_checklist"];
const ONBOARDING_FORCED = ["guided", "quickstart", "video_first", "template_first"];
const BLOCK_FORCED_SUFFIX = ["personal", "promo", "social_proof", "upsell", "local"];

// ---------------------------------------------------------------- users

function user(stream) {
  const id = `u_${stream.hex(12)}`;
  const country = stream.weighted(COUNTRY);
  const plan = stream.weighted(PLAN);
  const visits = Math.floor(stream.uniform() ** 3 * 400); // heavy tail, 0..399
  const daysSinceSignup = stream.between(0, 1500);
  const host = stream.weighted(HOST);
  const page = stream.oneOf(PAGES);
  const query = [];
  const utm = stream.weighted(UTM_SOURCE);
  if (utm !== null) query.push(`utm_source=${utm}`);
  if (stream.coin(0.15)) query.push(`ref=${stream.oneOf(REFERRERS)}`);
  const url = `${host}${page}${query.length > 0 ? `?${query.join("&")}` : ""}`;
  const visitedCount = stream.between(0, 8);
  const pagesVisited = stream.distinct(PAGES, visitedCount);
  const role = stream.weighted(ROLE);
  return { id, country, plan, visits, daysSinceSignup, url, pagesVisited, role };
}

export function generateUsers(count = DEFAULT_USERS, seed = DEFAULT_SEED) {
  return Array.from({ length: count }, (_, i) => user(new Stream(`${seed}:user:${i}`)));
}

// ---------------------------------------------------------------- conditions
//
// A condition is drawn as a list of clause *kinds*; each kind yields neutral clauses on one
// attribute (`range` yields two on `visits`). A kind whose attribute an earlier kind of the same
// condition already constrains is drawn but dropped, so every attribute has at most one GrowthBook
// operator object.

const KINDS = ["eq", "in", "gt", "gte", "regex", "elemMatch", "all", "range"];

/** Draws one clause kind's values: `{ attr, clauses }` (neutral clauses). */
const DRAW = {
  eq(s) {
    const [attr, table] = s.coin(0.5) ? ["country", COUNTRY] : ["role", ROLE];
    return { attr, clauses: [{ attr, op: "eq", value: s.weighted(table) }] };
  },
  in(s) {
    const [attr, choices, fewest, most] = s.coin(0.5) ? ["plan", names(PLAN), 2, 3] : ["country", names(COUNTRY), 2, 5];
    const count = s.between(fewest, most);
    return { attr, clauses: [{ attr, op: "in", values: s.distinct(choices, count) }] };
  },
  gt(s) {
    return { attr: "visits", clauses: [{ attr: "visits", op: "gt", value: s.oneOf([0, 1, 3, 5, 10, 25]) }] };
  },
  gte(s) {
    const attr = "daysSinceSignup";
    return { attr, clauses: [{ attr, op: "gte", value: s.oneOf([7, 14, 30, 90, 180, 365]) }] };
  },
  range(s) {
    const low = s.oneOf([0, 1, 2, 5]);
    const high = low + s.oneOf([10, 50, 200]);
    return {
      attr: "visits",
      clauses: [{ attr: "visits", op: "gte", value: low }, { attr: "visits", op: "lt", value: high }],
    };
  },
  regex(s) {
    return { attr: "url", clauses: [{ attr: "url", op: "regex", pattern: s.oneOf(URL_PATTERNS) }] };
  },
  elemMatch(s) {
    const attr = "pagesVisited";
    if (s.coin(0.5)) return { attr, clauses: [{ attr, op: "any_eq", value: s.oneOf(PAGES) }] };
    return { attr, clauses: [{ attr, op: "any_regex", pattern: s.oneOf(PAGE_PATTERNS) }] };
  },
  all(s) {
    const count = s.between(1, 2);
    return { attr: "pagesVisited", clauses: [{ attr: "pagesVisited", op: "all", values: s.distinct(PAGES, count) }] };
  },
};

/**
 * A rule's condition as neutral clauses (all must hold; `[]` = everyone). With `firstKind` the
 * condition is never empty and starts with that kind; otherwise 10 % of conditions are empty.
 */
function condition(s, firstKind) {
  if (firstKind === undefined && s.coin(0.1)) return [];
  const size = s.weighted([[1, 55], [2, 35], [3, 10]]);
  const kinds = firstKind === undefined ? [] : [firstKind];
  while (kinds.length < size) kinds.push(s.oneOf(KINDS));
  const constrained = new Set();
  const clauses = [];
  for (const kind of kinds) {
    const drawn = DRAW[kind](s);
    if (constrained.has(drawn.attr)) continue;
    constrained.add(drawn.attr);
    clauses.push(...drawn.clauses);
  }
  return clauses;
}

// ---------------------------------------------------------------- features

/**
 * Feature i, described once; `neutralFeature` and `growthBookFeature` write it out. Its first
 * rule's condition starts with kind i mod 8, so even N = 10 has every operator.
 */
function feature(i, seed) {
  const s = new Stream(`${seed}:feature:${i}`);
  const onboarding = s.coin(0.2);
  const slot = s.oneOf(onboarding ? ONBOARDING_PATHS : PAGE_BLOCKS);
  const key = `${onboarding ? "ob" : "pb"}_${slot}_${String(i).padStart(4, "0")}`;
  const ruleCount = s.weighted([[1, 40], [2, 40], [3, 20]]);
  const rules = [];
  for (let j = 0; j < ruleCount; j++) {
    const id = `${key}_r${j}`;
    const when = condition(s, j === 0 ? KINDS[i % KINDS.length] : undefined);
    if (s.coin(0.45)) {
      const arms = s.weighted([[2, 60], [3, 40]]);
      const coverage = toHundredths(0.5 + s.uniform() * 0.5);
      const even = s.coin(0.7);
      const weights = arms === 2 ? (even ? [0.5, 0.5] : [0.2, 0.8]) : (even ? [0.34, 0.33, 0.33] : [0.5, 0.25, 0.25]);
      const values = (onboarding ? ["standard", "guided", "quickstart"] : ["control", `${slot}_b`, `${slot}_c`]).slice(0, arms);
      rules.push({ id, type: "experiment", name: `${slot} test ${i}.${j}`, when, coverage, weights, values });
    } else {
      const coverage = toHundredths(0.05 + s.uniform() * 0.95);
      const value = onboarding ? s.oneOf(ONBOARDING_FORCED) : `${slot}_${s.oneOf(BLOCK_FORCED_SUFFIX)}`;
      rules.push({ id, type: "rollout", when, coverage, value });
    }
  }
  return {
    key,
    slot: { kind: onboarding ? "onboarding_path" : "page_block", name: slot },
    defaultValue: onboarding ? "standard" : "control",
    rules,
  };
}

// Experiments bucket with seed `exp_<rule id>`, rollouts with the rule id; both on `id`, hash v2.
const bucketSeed = (rule) => (rule.type === "experiment" ? `exp_${rule.id}` : rule.id);

function neutralFeature(f) {
  const rules = f.rules.map((rule) => {
    const bucketing = { attribute: "id", seed: bucketSeed(rule), hashVersion: 2 };
    if (rule.type === "rollout") {
      return { id: rule.id, type: "rollout", when: rule.when, bucketing, coverage: rule.coverage, value: rule.value };
    }
    return {
      id: rule.id,
      type: "experiment",
      experimentKey: bucketSeed(rule),
      when: rule.when,
      bucketing,
      coverage: rule.coverage,
      variants: rule.values.map((value, k) => ({ key: String(k), value, weight: rule.weights[k] })),
    };
  });
  return { key: f.key, slot: f.slot, default: f.defaultValue, rules };
}

/** Neutral clauses -> a GrowthBook condition: one operator object per attribute. */
function growthBookCondition(when) {
  const byAttribute = {};
  for (const c of when) {
    const ops = (byAttribute[c.attr] ??= {});
    switch (c.op) {
      case "eq": ops.$eq = c.value; break;
      case "in": ops.$in = c.values; break;
      case "gt": ops.$gt = c.value; break;
      case "gte": ops.$gte = c.value; break;
      case "lt": ops.$lt = c.value; break;
      case "regex": ops.$regex = c.pattern; break;
      case "any_eq": ops.$elemMatch = { $eq: c.value }; break;
      case "any_regex": ops.$elemMatch = { $regex: c.pattern }; break;
      case "all": ops.$all = c.values; break;
      default: throw new Error(`workload: no GrowthBook operator for ${c.op}`);
    }
  }
  return byAttribute;
}

function growthBookFeature(f) {
  const rules = f.rules.map((rule) => {
    const targeted = rule.when.length > 0 ? { condition: growthBookCondition(rule.when) } : {};
    const hashing = { hashAttribute: "id", hashVersion: 2, seed: bucketSeed(rule) };
    if (rule.type === "rollout") return { id: rule.id, ...targeted, coverage: rule.coverage, ...hashing, force: rule.value };
    return {
      id: rule.id,
      key: bucketSeed(rule),
      name: rule.name,
      ...targeted,
      coverage: rule.coverage,
      ...hashing,
      variations: rule.values,
      weights: rule.weights,
      meta: rule.values.map((_, k) => ({ key: String(k) })),
      phase: "0",
    };
  });
  return { defaultValue: f.defaultValue, rules };
}

// ---------------------------------------------------------------- the workload

/**
 * The evaluation rules of the neutral form, carried in every workload file (`semantics`) so the
 * file can be evaluated without this code. Kept word for word: the file's bytes, and so the
 * pinned checksums, include them.
 */
export const SEMANTICS = {
  evaluation:
    "For each feature, rules are tried in order; the first rule that matches decides the value; if none matches the feature's `default` is used.",
  when: "A rule's `when` is a list of clauses that must ALL hold (empty list = everyone). Every user has every attribute.",
  ops: {
    eq: "attribute === value (type-strict)",
    in: "scalar attribute is one of `values`",
    gt: "number attribute > value",
    gte: "number attribute >= value",
    lt: "number attribute < value",
    regex: "JS RegExp(pattern).test(attribute): unanchored search unless the pattern anchors; syntax limited to what Rust's regex crate shares",
    any_eq: "array attribute has at least one element === value (GrowthBook $elemMatch:{$eq})",
    any_regex: "array attribute has at least one element matching pattern (GrowthBook $elemMatch:{$regex})",
    all: "every element of `values` is present in the array attribute (GrowthBook $all)",
  },
  hash:
    "hashVersion 2: n = (fnv1a32(String(fnv1a32(seed + user[attribute]))) % 10000) / 10000, fnv1a32 = 32-bit FNV-1a (offset 0x811c9dc5, prime 0x01000193) over the string's UTF-16 code units (all ASCII here); String() is the decimal form of the unsigned 32-bit value.",
  rollout: "matches iff `when` holds and n <= coverage (inclusive); value = `value`.",
  experiment:
    "if `when` holds: with f64 arithmetic cum = 0; for each variant: start = cum; cum += weight; range = [start, start + coverage * weight). The user gets the first variant whose range contains n (start <= n < end). If none, the rule does not match and evaluation falls through to the next rule. A matched experiment is an exposure (GrowthBook fires trackingCallback once per user x experiment).",
  checksum:
    "fnv1a32 over the concatenation, users in file order and for each user features in file order, of value + '\\n' (see growthbook.mjs).",
};

/**
 * The workload for `n` features: `neutral` (the file form), `gbPayload` (GrowthBook's),
 * `users` (the same array as `neutral.users`) and `featureKeys` in order.
 */
export function buildWorkload(n, { users = DEFAULT_USERS, seed = DEFAULT_SEED } = {}) {
  const features = Array.from({ length: n }, (_, i) => feature(i, seed));
  const people = generateUsers(users, seed);
  return {
    n,
    seed,
    featureKeys: features.map((f) => f.key),
    gbPayload: {
      features: Object.fromEntries(features.map((f) => [f.key, growthBookFeature(f)])),
      dateUpdated: "2025-01-01T00:00:00.000Z",
    },
    users: people,
    neutral: {
      format: FORMAT,
      generator: { script: "workload.mjs", seed, n, users },
      semantics: SEMANTICS,
      features: features.map(neutralFeature),
      users: people,
    },
  };
}

// ---------------------------------------------------------------- command line

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opts = { n: "10,100,1000", users: String(DEFAULT_USERS), seed: DEFAULT_SEED };
  for (let k = 2; k < process.argv.length; k += 2) opts[process.argv[k].replace(/^--/, "")] = process.argv[k + 1];
  if (!opts.out) {
    console.error("usage: node bench/workload.mjs [--n 10,100,1000] [--users 1000] [--seed S] --out DIR");
    process.exit(2);
  }
  for (const n of opts.n.split(",").map(Number)) {
    const text = JSON.stringify(buildWorkload(n, { users: Number(opts.users), seed: opts.seed }).neutral);
    const file = join(opts.out, `workload-${n}.json`);
    writeFileSync(file, `${text}\n`);
    console.log(`${file}: ${n} features, ${text.length} B, fnv1a32 ${fnv1a32(text).toString(16).padStart(8, "0")}`);
  }
}
