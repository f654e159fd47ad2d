// Translates the neutral benchmark workload (bench/workload.mjs, format pz-neutral-workload/1)
// into Pathwise bundles (the authoring JSON). Signing is the CLI's job (bench/sign.mjs): it
// compiles the bundle into the program a device reads.
//
// Two bundles per workload:
//   - `bundle(w)`: the benchmark bundle. One block slot per feature (slot id = feature key, default
//     content id = the feature's default value), one rule per neutral rule in the same order
//     (priority descending), `when` clauses as an inline audience, experiments as variants with
//     integer weights (weight x 1000) and rollout = coverage x 100, rollouts as one variant with
//     rollout = coverage x 100. An experiment variant whose value is the feature's default is the
//     rule's measured *control* share (Pathwise shows the default content for it, counted as
//     control), since a variant id may not equal the slot's default id.
//   - `audienceBundle(w)`: the condition-only bundle used for agreement. One slot per neutral
//     rule, holding one rule with that rule's audience, rollout 100 and one variant "in": a
//     device gets "in" exactly when the rule's `when` holds, so every user x rule pair can be
//     compared with the reference evaluator.
//
// Attributes become declared signals; a name that collides with a Pathwise built-in is renamed
// (`visits` -> `visit_count`). `id` is not a signal: it is the bucketing unit.
//
// Regex clauses are translated exactly into the condition language, or the translation fails
// loudly (see `regexToCondition`). Nothing is approximated.

export const SITE = "bench.pathwise.test";

/** Attribute name in the workload -> declared signal name and kind. */
export const SIGNALS = {
  country: { name: "country", kind: "string" },
  plan: { name: "plan", kind: "string" },
  visits: { name: "visit_count", kind: "number" }, // `visits` is a Pathwise built-in
  daysSinceSignup: { name: "daysSinceSignup", kind: "number" },
  url: { name: "url", kind: "string" },
  pagesVisited: { name: "pagesVisited", kind: "list" },
  role: { name: "role", kind: "string" },
};

/** The attributes object Pathwise reads for a workload user (declared names). */
export function pathwiseAttributes(user) {
  const out = {};
  for (const [attr, s] of Object.entries(SIGNALS)) out[s.name] = user[attr];
  return out;
}

function signalOf(attr) {
  const s = SIGNALS[attr];
  if (!s) throw new Error(`translate: attribute "${attr}" has no declared signal`);
  return s;
}

// ---------------------------------------------------------------- regex subset -> alternatives

/**
 * Expands a regular expression of the subset the generator uses into the finite set of
 * alternatives it stands for, each `{ start, end, text }`: `start` = anchored with `^`, `end` =
 * anchored with `$`, `text` = the literal between. Supported: `^` (first), `$` (last of an
 * alternative), escaped punctuation, groups of alternatives `( | )`, character classes `[...]`
 * with ranges, and `+` on the final atom of a pattern that is not end-anchored (for an unanchored
 * search, `X+` at the end matches exactly where `X` does). Anything else throws.
 */
export function expandRegex(pattern) {
  let i = 0;
  const END = "\u0000$"; // marker for `$`; never in the workload's text
  const fail = (why) => {
    throw new Error(`translate: cannot translate regex ${JSON.stringify(pattern)} exactly: ${why}`);
  };
  const MAX_ALTERNATIVES = 256;
  const product = (left, right) => {
    const out = [];
    for (const a of left) for (const b of right) out.push(a + b);
    if (out.length > MAX_ALTERNATIVES) fail(`more than ${MAX_ALTERNATIVES} alternatives`);
    return out;
  };

  // sequence := atom* ; returns a list of strings (END marks `$`)
  function sequence(inGroup) {
    let acc = [""];
    while (i < pattern.length) {
      const c = pattern[i];
      if (c === "|" || c === ")") {
        if (!inGroup) fail(`unexpected "${c}" at ${i}`);
        break;
      }
      let atom;
      if (c === "\\") {
        const e = pattern[i + 1];
        if (e === undefined || /[A-Za-z0-9]/.test(e)) fail(`escape \\${e ?? ""} is not a literal`);
        atom = [e];
        i += 2;
      } else if (c === "(") {
        i += 1;
        if (pattern[i] === "?") fail("group modifiers");
        atom = [];
        for (;;) {
          atom.push(...sequence(true));
          if (pattern[i] === "|") { i += 1; continue; }
          if (pattern[i] === ")") { i += 1; break; }
          fail("unclosed group");
        }
      } else if (c === "[") {
        const close = pattern.indexOf("]", i + 1);
        if (close < 0) fail("unclosed class");
        const body = pattern.slice(i + 1, close);
        if (body.startsWith("^") || body.includes("\\")) fail("negated or escaped class");
        atom = [];
        for (let k = 0; k < body.length; k++) {
          if (body[k + 1] === "-" && k + 2 < body.length) {
            for (let code = body.charCodeAt(k); code <= body.charCodeAt(k + 2); code++) {
              atom.push(String.fromCharCode(code));
            }
            k += 2;
          } else atom.push(body[k]);
        }
        i = close + 1;
      } else if (c === "$") {
        atom = [END];
        i += 1;
      } else if (c === "^") {
        fail("^ not at the start");
      } else if ("*?{}.+".includes(c)) {
        fail(`"${c}" at ${i}`);
      } else {
        atom = [c];
        i += 1;
      }
      if (pattern[i] === "+") {
        // Only `X+` as the pattern's very last token, unanchored at the end: drop the `+`.
        if (inGroup || i !== pattern.length - 1) fail("`+` other than on the final atom");
        i += 1;
      } else if (i < pattern.length && "*?{".includes(pattern[i])) {
        fail(`quantifier "${pattern[i]}"`);
      }
      acc = product(acc, atom);
    }
    return acc;
  }

  let start = false;
  if (pattern[0] === "^") {
    start = true;
    i = 1;
  }
  const strings = sequence(false);
  if (i !== pattern.length) fail(`unexpected "${pattern[i]}" at ${i}`);
  return [...new Set(strings)].map((s) => {
    const at = s.indexOf(END);
    if (at >= 0 && at !== s.length - END.length) fail("`$` followed by more pattern");
    return { start, end: at >= 0, text: at >= 0 ? s.slice(0, at) : s };
  });
}

/** Escapes a literal for the `matches` glob (`*`, `?` and `\` are special). */
export function globEscape(text) {
  return text.replace(/[\\*?]/g, (c) => "\\" + c);
}

/**
 * The condition that holds exactly when `new RegExp(pattern).test(value)` does, for a string
 * signal (`list: false`) or — any element matching — a list signal (`list: true`).
 */
export function regexToCondition(signal, pattern, list) {
  const alts = expandRegex(pattern);
  const exact = [];
  const conds = [];
  for (const { start, end, text } of alts) {
    if (start && end) exact.push(text);
    else if (start) conds.push({ signal: { name: signal, op: "starts_with", value: text } });
    else if (end) conds.push({ signal: { name: signal, op: "matches", value: "*" + globEscape(text) } });
    else if (list) conds.push({ signal: { name: signal, op: "matches", value: "*" + globEscape(text) + "*" } });
    else conds.push({ signal: { name: signal, op: "contains", value: text } });
  }
  if (exact.length) conds.unshift({ signal: { name: signal, op: "in", value: exact } });
  return conds.length === 1 ? conds[0] : { any: conds };
}

// ---------------------------------------------------------------- clauses and rules

/** One neutral clause as a condition. */
export function clauseToCondition(c) {
  const s = signalOf(c.attr);
  const cmp = (op, value) => ({ signal: { name: s.name, op, value } });
  switch (c.op) {
    case "eq":
      if (s.kind === "list") throw new Error(`translate: eq on list attribute ${c.attr}`);
      return cmp("eq", c.value);
    case "in":
      if (!c.values.every((v) => typeof v === "string")) {
        throw new Error(`translate: "in" with non-string values on ${c.attr}`);
      }
      return cmp("in", c.values);
    case "gt":
    case "gte":
    case "lt":
      if (s.kind !== "number") throw new Error(`translate: ${c.op} on non-number ${c.attr}`);
      return cmp(c.op, c.value);
    case "regex":
      if (s.kind !== "string") throw new Error(`translate: regex on non-string ${c.attr}`);
      return regexToCondition(s.name, c.pattern, false);
    case "any_eq":
      if (s.kind !== "list") throw new Error(`translate: any_eq on non-list ${c.attr}`);
      return cmp("contains", c.value);
    case "any_regex":
      if (s.kind !== "list") throw new Error(`translate: any_regex on non-list ${c.attr}`);
      return regexToCondition(s.name, c.pattern, true);
    case "all":
      if (s.kind !== "list") throw new Error(`translate: all on non-list ${c.attr}`);
      return { all: c.values.map((v) => cmp("contains", v)) };
    default:
      throw new Error(`translate: unknown operator "${c.op}"`);
  }
}

/** A rule's `when` as an audience, or `undefined` for everyone. */
export function audienceOf(when) {
  if (when.length === 0) return undefined;
  const conds = when.map(clauseToCondition);
  return conds.length === 1 ? conds[0] : { all: conds };
}

/** A fraction with at most 4 decimals (the workload's coverages have 2) as a percentage. */
function percent(fraction) {
  const bp = Math.round(fraction * 10000);
  if (Math.abs(bp - fraction * 10000) > 1e-6) throw new Error(`translate: ${fraction} is finer than 0.01 %`);
  return bp / 100;
}

function ruleOf(feature, rule, index) {
  const base = {
    id: rule.id,
    slot: feature.key,
    objective: "activation",
    priority: feature.rules.length - index,
  };
  const audience = audienceOf(rule.when);
  if (audience) base.audience = audience;
  if (rule.bucketing.attribute !== "id") {
    throw new Error(`translate: rule ${rule.id} buckets on ${rule.bucketing.attribute}, not the unit`);
  }
  if (rule.type === "rollout") {
    if (rule.value === feature.default) throw new Error(`translate: rollout ${rule.id} forces the default`);
    return { ...base, variants: [{ id: rule.value, weight: 1 }], rollout: percent(rule.coverage) };
  }
  if (rule.type !== "experiment") throw new Error(`translate: unknown rule type ${rule.type}`);
  let control = 0;
  const variants = [];
  for (const v of rule.variants) {
    const weight = Math.round(v.weight * 1000);
    if (Math.abs(weight - v.weight * 1000) > 1e-6) throw new Error(`translate: weight ${v.weight} is finer than 1/1000`);
    if (v.value === feature.default) {
      if (control) throw new Error(`translate: ${rule.id} has two variants with the default value`);
      control = percent(v.weight);
    } else variants.push({ id: v.value, weight });
  }
  const total = rule.variants.reduce((s, v) => s + Math.round(v.weight * 1000), 0);
  if (total !== 1000) throw new Error(`translate: ${rule.id} weights sum to ${total / 1000}, not 1`);
  if (variants.length === 0) throw new Error(`translate: ${rule.id} has only the default variant`);
  // Pathwise shares the treated (non-control) traffic by weight; with the control share c taken
  // first, variant i gets (1 - c) * w_i / sum(w) = w_i of the reached devices, as in the workload.
  return { ...base, variants, rollout: percent(rule.coverage), control };
}

function header(features, extra) {
  return {
    schema: 1,
    site: SITE,
    version: 1,
    expires_at: "2099-01-01T00:00:00Z",
    signals: Object.values(SIGNALS).map((s) => ({ name: s.name, kind: s.kind, ttl_days: 365 })),
    ...extra,
  };
}

/** The benchmark bundle for a neutral workload (see the file comment). */
export function bundle(w) {
  const slots = [];
  const rules = [];
  for (const f of w.features) {
    slots.push({ id: f.key, kind: "block", default: f.default });
    f.rules.forEach((r, j) => rules.push(ruleOf(f, r, j)));
  }
  return header(w.features, { slots, rules });
}

/** Slot id of neutral rule `ruleId` in the condition-only bundle. */
export const audienceSlot = (ruleId) => `a.${ruleId}`;

/** The condition-only bundle: one slot per neutral rule, "in" exactly when its `when` holds. */
export function audienceBundle(w) {
  const slots = [];
  const rules = [];
  for (const f of w.features) {
    for (const r of f.rules) {
      const slot = audienceSlot(r.id);
      slots.push({ id: slot, kind: "block", default: "out" });
      const rule = { id: r.id, slot, objective: "insight", variants: [{ id: "in" }] };
      const audience = audienceOf(r.when);
      if (audience) rule.audience = audience;
      rules.push(rule);
    }
  }
  return header(w.features, { slots, rules });
}
