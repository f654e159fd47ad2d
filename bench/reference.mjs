// The neutral reference evaluator: decides a `pz-neutral-workload/1` workload (bench/workload.mjs)
// by its `semantics`, with nothing of any SDK. Pathwise is checked against it (bench/lib.mjs
// `agreement`), and it is checked against GrowthBook: its checksum over every user x feature must
// be GrowthBook's on the same workload (bench/reference.test.mjs pins them; `make bench` compares
// them with GrowthBook's own decisions).
//
//   node bench/reference.mjs [--n 10,100,1000]   the checksum, decision sources and exposures per N
//   node bench/reference.mjs FILE.json           the same for a workload file

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildWorkload, fnv1a32 } from "./workload.mjs";

/** Hash version 2 of the seed and the unit: a position in [0, 1) in steps of 1/10000. */
export function bucket(seed, unit) {
  const inner = fnv1a32(`${seed}${unit}`);
  return (fnv1a32(String(inner)) % 10000) / 10000;
}

const compiled = new Map();
const regex = (pattern) => {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern);
    compiled.set(pattern, re);
  }
  return re;
};

/** Whether one clause holds for `user` (every user has every attribute). */
export function clauseHolds(clause, user) {
  const value = user[clause.attr];
  switch (clause.op) {
    case "eq":
      return value === clause.value;
    case "in":
      return clause.values.includes(value);
    case "gt":
      return value > clause.value;
    case "gte":
      return value >= clause.value;
    case "lt":
      return value < clause.value;
    case "regex":
      return regex(clause.pattern).test(value);
    case "any_eq":
      return value.includes(clause.value);
    case "any_regex":
      return value.some((element) => regex(clause.pattern).test(element));
    case "all":
      return clause.values.every((wanted) => value.includes(wanted));
    default:
      throw new Error(`reference: unknown clause op ${JSON.stringify(clause.op)}`);
  }
}

/** Whether a rule's `when` holds: every clause (none = everyone). */
export const whenHolds = (rule, user) => rule.when.every((clause) => clauseHolds(clause, user));

/**
 * What the rule decides for `user` if its `when` holds: the value, or null when the user's bucket
 * falls outside the rollout's coverage (inclusive) or outside every arm's range.
 */
function bucketed(rule, user) {
  const n = bucket(rule.bucketing.seed, user[rule.bucketing.attribute]);
  if (rule.type === "rollout") return n <= rule.coverage ? rule.value : null;
  if (rule.type !== "experiment") throw new Error(`reference: unknown rule type ${JSON.stringify(rule.type)}`);
  // Arm k covers [start_k, start_k + coverage * weight_k), start_k = the weights before it.
  let start = 0;
  for (const arm of rule.variants) {
    if (n >= start && n < start + rule.coverage * arm.weight) return arm.value;
    start += arm.weight;
  }
  return null;
}

/**
 * The feature's value for `user`: the first rule whose `when` holds and whose bucketing admits
 * the user decides. `source` is named as GrowthBook names it: `experiment`, `force` (a rollout)
 * or `defaultValue`.
 */
export function decide(feature, user) {
  for (const rule of feature.rules) {
    if (!whenHolds(rule, user)) continue;
    const value = bucketed(rule, user);
    if (value !== null) return { value, source: rule.type === "experiment" ? "experiment" : "force" };
  }
  return { value: feature.default, source: "defaultValue" };
}

/**
 * Every user x feature of a neutral workload, users in order and features in order within each:
 * the checksum (FNV-1a of the values each followed by "\n", 8 hex digits) and the count per source
 * (`exposures` = experiment decisions).
 */
export function evaluate(neutral) {
  let h = fnv1a32("");
  const sources = { experiment: 0, force: 0, defaultValue: 0 };
  for (const user of neutral.users) {
    for (const feature of neutral.features) {
      const { value, source } = decide(feature, user);
      h = fnv1a32(`${value}\n`, h);
      sources[source]++;
    }
  }
  return { checksum: h.toString(16).padStart(8, "0"), sources, exposures: sources.experiment };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [arg, value] = process.argv.slice(2);
  const inputs = arg && arg !== "--n"
    ? [[arg, JSON.parse(readFileSync(arg, "utf8"))]]
    : (value ?? "10,100,1000").split(",").map((n) => [`N=${n}`, buildWorkload(Number(n)).neutral]);
  for (const [name, neutral] of inputs) {
    console.log(JSON.stringify({ workload: name, features: neutral.features.length, users: neutral.users.length, ...evaluate(neutral) }));
  }
}
