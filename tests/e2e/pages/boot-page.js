// The test pages' use of the SDK, as a page author would write it, plus a log the tests read.
// Shared by boot.js (the entry imported dynamically) and boot-sync.js (pathwise/sync imported
// statically, so a render-blocking script covers the whole start).
// Everything comes from the page (<meta name="pw-site">, <meta name="pw-keys">) and the query:
//   ?bundle=URL | %23ELEMENT-ID   the `bundle` init option (default /bundle.json)
//   &consent=pending|denied|granted
//   &timeout=MS                    revealTimeoutMs
//   &fetchTimeout=MS               fetchTimeoutMs
//   &autoApply=0                   do not apply the page on init (the test calls apply())
//   &site=S                        overrides the site (an empty one is an unusable option)
//   &entry=pathwise                import the bare specifier "pathwise" (needs an import map;
//                                  also <meta name="pw-entry">)
// window.__pw.log records every SDK event in order (type, code, message, detail, time since
// navigation start); window.__pw.pw is the instance; window.__pw.timing the measured figures.

const query = new URLSearchParams(location.search);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content;
const log = [];
const state = { log, pw: null, timing: {}, initError: null };
window.__pw = state;

function record(type, value) {
  const entry = { type, at: performance.now() };
  if (value instanceof Error) {
    Object.assign(entry, { isError: true, code: value.code, message: value.message, name: value.name });
  } else if (value && typeof value === "object") {
    entry.code = value.code;
    entry.message = value.message;
    try {
      entry.detail = JSON.parse(JSON.stringify(value));
    } catch {
      entry.detail = String(value);
    }
  } else if (value !== undefined) {
    entry.detail = value;
  }
  log.push(entry);
}

// When every block and path on the page carries data-pw-state (decided or revealed by default).
const surfaces = [...document.querySelectorAll("[data-pw-block], [data-pw-path]")];
function allMarked() {
  return surfaces.length > 0 && surfaces.every((el) => el.hasAttribute("data-pw-state"));
}
if (allMarked()) state.timing.blocksApplied = performance.now();
else {
  const observer = new MutationObserver(() => {
    if (allMarked()) {
      state.timing.blocksApplied = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ["data-pw-state"] });
}

const options = {
  site: query.get("site") ?? meta("pw-site"),
  keys: JSON.parse(meta("pw-keys") || "[]"),
  threshold: 1,
  bundle: query.get("bundle") ?? "/bundle.json",
};
if (query.has("consent")) options.consent = query.get("consent");
if (query.has("timeout")) options.revealTimeoutMs = Number(query.get("timeout"));
if (query.has("fetchTimeout")) options.fetchTimeoutMs = Number(query.get("fetchTimeout"));
if (query.get("autoApply") === "0") options.autoApply = false;

/** Starts the SDK from the module `load(specifier)` resolves to, and records what happens. */
export async function boot(load) {
  state.timing.importStart = performance.now();
  try {
    const { Pathwise } = await load(query.get("entry") ?? meta("pw-entry") ?? "/pathwise-entry.js");
    state.timing.imported = performance.now();
    state.timing.initStart = performance.now();
    const pw = await Pathwise.init(options);
    state.timing.initResolved = performance.now();
    state.pw = pw;
    state.versionAtInit = pw.bundleVersion;
    for (const type of ["ready", "error", "warning", "decision", "exposure"]) {
      pw.on(type, (value) => {
        if (type === "ready" && state.timing.ready === undefined) state.timing.ready = performance.now();
        record(type, value);
      });
    }
    record("init", { bundleVersion: pw.bundleVersion });
  } catch (e) {
    state.initError = { code: e?.code, message: String(e?.message ?? e), isError: e instanceof Error };
    record("init-rejected", e);
  }
}
