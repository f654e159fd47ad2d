// A classic (parser-blocking) script placed right after the blocks: it runs before any module,
// so it sees what the first paint shows. It also collects CSP / Trusted Types violations.
window.__violations = window.__violations || [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
});
window.__early = {};
for (const el of document.querySelectorAll("[data-pw-block], [data-pw-path]")) {
  const name = el.getAttribute("data-pw-block") ?? el.getAttribute("data-pw-path");
  window.__early[name] = {
    shown: el.checkVisibility({ visibilityProperty: true, opacityProperty: true }),
    state: el.getAttribute("data-pw-state"),
    at: performance.now(),
  };
}
