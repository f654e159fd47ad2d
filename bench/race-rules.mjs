// The rules of the browser race, for each SDK: N rules in all — the hero rule, which the page
// shows, and N − 1 rules of the benchmark workload (bench/workload.mjs, in order, a feature's
// rules cut where the count is reached), which are in the bundle / payload but not on the page.
//
// The hero rule, the same for both: visitors who arrive with `utm_source=newsletter` see the
// "newsletter" hero instead of the default, all of them (no holdout).
// - Pathwise: a block slot `hero`, a rule with the audience `utm_source eq "newsletter"` (a
//   built-in signal) and one variant, `newsletter` (the page's <template data-pw-variant>); the
//   workload's rules translated as in the Node benchmark (translate.mjs).
// - GrowthBook: what its Visual Editor produces for the same change, shipped to everyone in the
//   audience (a temporary rollout: all traffic to the variation): an experiment with the
//   condition `utmSource: "newsletter"` (an attribute the script tag sets itself), the page's URL
//   pattern, weights [0, 1], and a DOM mutation that sets #hero's HTML to the variant; the
//   workload's rules as GrowthBook features, as in the Node benchmark.

import { bundle } from "./translate.mjs";
import { buildWorkload } from "./workload.mjs";

/** The first `count` rules of the workload: neutral features and GrowthBook features, cut alike. */
function workloadRules(count) {
  if (count === 0) return { features: [], gbFeatures: {} };
  const w = buildWorkload(count); // at least one rule per feature: count features are enough
  const features = [];
  const gbFeatures = {};
  let left = count;
  for (const f of w.neutral.features) {
    if (left === 0) break;
    const take = Math.min(left, f.rules.length);
    features.push({ ...f, rules: f.rules.slice(0, take) });
    const gb = w.gbPayload.features[f.key];
    gbFeatures[f.key] = { ...gb, rules: gb.rules.slice(0, take) };
    left -= take;
  }
  return { features, gbFeatures };
}

/** Pathwise's bundle (JSON, to be signed) and GrowthBook's payload for `n` rules on `pagePath`. */
export function raceRules(n, { pagePath, variantHtml }) {
  const { features, gbFeatures } = workloadRules(n - 1);
  const pw = bundle({ features });
  pw.slots.unshift({ id: "hero", kind: "block" });
  pw.rules.unshift({
    id: "hero-newsletter",
    slot: "hero",
    objective: "activation",
    audience: { signal: { name: "utm_source", op: "eq", value: "newsletter" } },
    variants: [{ id: "newsletter" }],
  });
  const gb = {
    features: gbFeatures,
    experiments: [{
      key: "hero-newsletter",
      changeId: "hero-newsletter-1",
      hashAttribute: "id",
      hashVersion: 2,
      condition: { utmSource: "newsletter" },
      urlPatterns: [{ include: true, type: "simple", pattern: pagePath }],
      coverage: 1,
      weights: [0, 1],
      variations: [
        { domMutations: [] },
        { domMutations: [{ selector: "#hero", action: "set", attribute: "html", value: variantHtml }] },
      ],
    }],
    dateUpdated: "2026-01-15T12:00:00Z",
  };
  return { bundle: pw, gbPayload: gb, rules: pw.rules.length };
}
