// pathwise/analytics — exposures and conversions into the site's own analytics
// (docs/analytics.md): the recipes for Plausible, Matomo and GA4, shipped so they need not be
// copied. Each only calls the tool's own global (`plausible`, `_paq`, `gtag`), which the site
// loads itself; none is a dependency.
//
// The events are the ones the beacon carries (`{type, rule, variant, slot, control, minute,
// goal?}`: never the install id or a signal value), once per device per (rule, variant) and
// (rule, goal). Like Pathwise's own reporting, nothing is forwarded from a browser that sends
// Global Privacy Control, unless `respectGlobalPrivacyControl: false`.

/**
 * Calls `send(event)` for each `exposure` and `conversion` event of `pw`; returns the function
 * that stops it.
 */
export function forward(pw, send, { respectGlobalPrivacyControl = true } = {}) {
  if (respectGlobalPrivacyControl && globalThis.navigator?.globalPrivacyControl === true) return () => {};
  const off = ["exposure", "conversion"].map((name) => pw.on(name, send));
  return () => off.forEach((f) => f());
}

/** Plausible custom events "Pathwise exposure" / "Pathwise conversion" with the fields as props. */
export const toPlausible = (pw, options) =>
  forward(
    pw,
    ({ type, rule, variant, slot, control, goal }) =>
      globalThis.plausible?.(`Pathwise ${type}`, { props: { rule, variant, slot, control: String(control), ...(goal ? { goal } : {}) } }),
    options,
  );

/** Matomo events: category "Pathwise", action the type, name "rule:variant" (or "rule:goal"). */
export const toMatomo = (pw, options) =>
  forward(pw, ({ type, rule, variant, goal }) => (globalThis._paq ||= []).push(["trackEvent", "Pathwise", type, `${rule}:${goal ?? variant}`]), options);

/**
 * GA4: an exposure is an `experience_impression` with `exp_variant_string`
 * "pathwise-RULE-VARIANT" (Google's event for third-party experiments); a conversion is a
 * `pathwise_conversion` event with rule, variant and goal.
 */
export const toGA4 = (pw, options) =>
  forward(
    pw,
    ({ type, rule, variant, goal }) =>
      globalThis.gtag?.("event", ...(type == "exposure" ? ["experience_impression", { exp_variant_string: `pathwise-${rule}-${variant}` }] : ["pathwise_conversion", { rule, variant, goal }])),
    options,
  );
