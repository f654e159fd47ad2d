// pricing-analytics.html's script (analytics.test.mjs): starts Pathwise, then hands the instance
// to the forwarding named by the query — `?forward=recipes/ga4.js#toGA4` (a recipe of
// docs/analytics.md, served by the test) or `?forward=pathwise/analytics#toGA4` (the shipped
// helper) — right after `init` resolves, as the docs say. `?collect` adds a collector,
// `?options={…}` options for the helper. The instance is `window.__pw`; its warnings are in
// `window.__warnings`.
const query = new URLSearchParams(location.search);
const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const { Pathwise } = await import("pathwise");
const [specifier, name] = (query.get("forward") ?? "").split("#");
const forward = specifier ? (await import(specifier.startsWith("recipes/") ? `/${specifier}` : specifier))[name] : null;

window.__warnings = [];
const pw = await Pathwise.init({
  site: meta("pw-site"),
  keys: JSON.parse(meta("pw-keys")),
  bundle: "/bundle.json",
  ...(query.has("collect") ? { collect: { url: "/collect", idleMs: 0 } } : {}),
});
pw.on("warning", (w) => window.__warnings.push(w.code));
if (forward) forward(pw, ...(query.has("options") ? [JSON.parse(query.get("options"))] : []));
window.__pw = pw;
