// The debug panel (`?pathwise-debug`): each slot's decision and the reason for every candidate
// rule (from `pw.explain`), a QA preview per slot (`pw.override`: pick a variant, or let the
// rules decide again), the signals stored in this browser, and buttons to add signals, move the
// demo clock and forget.
//
// The panel is built with createElement and textContent only: the pages enforce Trusted Types,
// and nothing here ever parses a string as HTML.

import { DONE_KEY, PREVIEWS_KEY, ROLE_KEY, SLOTS, pageSlots, remember, storedPreviews } from "./site.js";
import { advanceClock, clockOffsetMs, demoNow, resetClock } from "./clock.js";
import { stopDebug } from "./debug-flag.js";

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const COLLAPSED_KEY = "ledgerly-demo:debug-collapsed";

/** `h("div", {class: "x"}, "text", child…)`: an element with attributes and children. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function code(text) {
  return h("code", null, text);
}

// --- the bundle's source (display only: the SDK verified the signed one) -------------------------

/**
 * The demo's bundle JSON as `pathwise serve` serves it from www/ (the page carries the signed,
 * compiled program, which names no variants the panel could offer): slot, variant and audience
 * names. `null` when it cannot be read.
 */
async function sourceBundle() {
  try {
    const response = await fetch("/bundle.json", { cache: "no-store" });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The variant ids a preview may pick for `slot`: its default's, then its rules' variants. */
function slotVariants(bundle, slot) {
  const decl = (bundle?.slots || []).find((s) => s.id === slot);
  const ids = [decl?.default || "default"];
  for (const rule of bundle?.rules || []) {
    if (rule.slot !== slot) continue;
    for (const v of rule.variants || []) if (!ids.includes(v.id)) ids.push(v.id);
  }
  return ids;
}

// --- QA previews ----------------------------------------------------------------------------------

/** Previews `variant` in `slot` (`""`: the rules decide again), here and on the tab's next pages. */
function setPreview(pw, slot, variant) {
  const previews = storedPreviews();
  if (variant) previews[slot] = variant;
  else delete previews[slot];
  try {
    if (Object.keys(previews).length) window.sessionStorage.setItem(PREVIEWS_KEY, JSON.stringify(previews));
    else window.sessionStorage.removeItem(PREVIEWS_KEY);
  } catch {
    // Without sessionStorage the preview lasts for this page.
  }
  pw.override(slot, variant || null);
}

function previewPicker(pw, slot, decision, bundle) {
  const select = h("select", { class: "pwd-select", "data-preview-slot": slot, "aria-label": `Preview a variant of ${slot}`, disabled: !pw });
  select.append(h("option", { value: "" }, "rules decide"));
  const current = decision.reason === "override" ? decision.variant : "";
  for (const id of slotVariants(bundle, slot)) select.append(h("option", { value: id, selected: id === current }, id));
  select.addEventListener("change", () => {
    try {
      setPreview(pw, slot, select.value);
    } catch (e) {
      window.alert(`${e.code || "error"}: ${e.message}`);
    }
  });
  return h("label", { class: "pwd-row pwd-preview" }, h("span", { class: "pwd-muted" }, "Preview"), select);
}

// --- time helpers -------------------------------------------------------------------------------

function formatDate(ms, withTime = true) {
  const options = withTime
    ? { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }
    : { day: "numeric", month: "short", year: "numeric" };
  return new Date(ms).toLocaleString("en-GB", options);
}

/** The local day number the SDK uses (days since 1970-01-01 in local time) for `ms`. */
function localDay(ms) {
  const offsetSeconds = -new Date(ms).getTimezoneOffset() * 60;
  return Math.floor((Math.floor(ms / 1000) + offsetSeconds) / 86400);
}

function ago(seconds) {
  const days = localDay(demoNow()) - localDay(seconds * 1000);
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  return `${days} days ago`;
}

function offsetLabel(ms) {
  if (ms <= 0) return "real time";
  const days = Math.floor(ms / DAY);
  const minutes = Math.round((ms - days * DAY) / MINUTE);
  const parts = [];
  if (days) parts.push(`${days} day${days === 1 ? "" : "s"}`);
  if (minutes) parts.push(`${minutes} min`);
  return `real time + ${parts.join(" ")}`;
}

// --- decisions ----------------------------------------------------------------------------------

const OUTCOME_TEXT = {
  won: () => "decided the slot",
  outside_schedule: () => "outside its schedule",
  page_not_matched: (c) => `page not in ${(c.pages || []).join(", ")}`,
  event_not_seen: (c) => `${c.event} not seen${c.within_days ? ` in the last ${c.within_days} days` : ""}`,
  not_in_audience: (c) => (c.audience ? `not in audience “${c.audience}”` : "not in the rule's audience"),
  capped: (c) => `frequency cap reached: ${c.renders} of ${c.max} renders${c.per_days ? ` in ${c.per_days} days` : ""}`,
  other_layer_rule: (c) => `layer “${c.layer}” gives this device to another rule`,
  outside_rollout: (c) => `outside the rollout (bucket ${c.bucket}, rollout ${(c.rollout_bp / 100).toFixed(2)} %)`,
  lost_on_priority: (c) => `“${c.winner}” decided first`,
};

function reasonBadge(reason) {
  return h("span", { class: `pwd-badge pwd-${reason}` }, reason);
}

function slotCard(pw, slot, explained, onPage, shown, bundle) {
  const card = h("section", { class: "pwd-slot", "data-slot": slot, "data-on-page": onPage ? "true" : "false" });
  if (!explained || explained.error) {
    const err = explained && explained.error;
    card.append(
      h("div", { class: "pwd-slot-head" }, h("b", null, slot)),
      h("p", { class: "pwd-muted" }, err ? `${err.code}: ${err.message}` : "no explanation available"),
    );
    return card;
  }
  // What this page shows: the decision of this page view (pw.decide returns it without recording
  // again) for slots on the page; for the others, explain's decision (nothing is recorded).
  const decision = shown || explained.decision;
  card.setAttribute("data-variant", decision.variant);
  card.setAttribute("data-reason", decision.reason);
  if (decision.rule) card.setAttribute("data-rule", decision.rule);

  card.append(
    h(
      "div",
      { class: "pwd-slot-head" },
      h("b", null, slot),
      h("span", { class: "pwd-muted" }, onPage ? "on this page" : "not on this page"),
      reasonBadge(decision.reason),
    ),
  );
  const facts = h("dl", { class: "pwd-facts" });
  facts.append(h("dt", null, "variant"), h("dd", null, code(decision.variant)));
  facts.append(h("dt", null, "rule"), h("dd", null, decision.rule ? code(decision.rule) : "none"));
  if (decision.steps) facts.append(h("dt", null, "steps"), h("dd", null, decision.steps.join(" → ")));
  card.append(facts);
  card.append(previewPicker(pw, slot, decision, bundle));
  if (decision.reason === "override") {
    card.append(h("p", { class: "pwd-note" }, "A QA preview: not recorded, not reported; the reasons below say what the rules would decide."));
  }

  const audiences = new Map((bundle?.audiences || []).map((a) => [a.id, a.description]));
  const list = h("ol", { class: "pwd-candidates" });
  for (const c of explained.candidates || []) {
    const describe = OUTCOME_TEXT[c.outcome] || (() => c.outcome);
    const hint = c.outcome === "not_in_audience" && c.audience && audiences.get(c.audience);
    list.append(
      h(
        "li",
        { "data-rule": c.rule, "data-outcome": c.outcome, class: c.outcome === "won" ? "pwd-won" : null },
        code(c.rule),
        h("span", { class: "pwd-muted" }, ` p${c.priority} `),
        h("span", { class: "pwd-outcome" }, c.outcome),
        h("div", { class: "pwd-why" }, describe(c), hint ? h("span", { class: "pwd-muted" }, ` (${hint})`) : null),
      ),
    );
  }
  if (!list.childElementCount) list.append(h("li", { class: "pwd-muted" }, "no rule targets this slot"));
  card.append(list);

  const winner = (explained.candidates || []).find((c) => c.outcome === "won");
  if (shown && (winner ? winner.rule : null) !== (shown.rule || null)) {
    card.append(
      h(
        "p",
        { class: "pwd-note" },
        "The reasons are evaluated after this page's render was counted, so they describe the next page view (a frequency cap may now be reached).",
      ),
    );
  }
  return card;
}

// --- signals ------------------------------------------------------------------------------------

function countSince(days, n) {
  const today = localDay(demoNow());
  return (days || []).filter(([day]) => day > today - n).reduce((sum, [, count]) => sum + count, 0);
}

function signalsSection(stored) {
  const box = h("div", { class: "pwd-signals" });
  if (!stored || !stored.signals) {
    box.append(h("p", { class: "pwd-muted" }, "Nothing stored (no bundle in use)."));
    return box;
  }
  const snap = stored.signals;
  box.append(
    h(
      "p",
      { class: "pwd-muted" },
      `Kept in ${stored.storage === "local" ? "localStorage" : "memory only"} · consent ${stored.consent}`,
      snap.seen ? ` · first seen ${formatDate(snap.seen * 1000, false)}` : "",
    ),
  );

  const attrs = Object.entries(snap.attrs || {});
  const attrTable = h("table", { class: "pwd-table" }, h("tr", null, h("th", null, "attribute"), h("th", null, "value"), h("th", null, "written")));
  for (const [name, rec] of attrs) {
    attrTable.append(
      h("tr", { "data-signal": name }, h("td", null, code(name)), h("td", null, JSON.stringify(rec.v)), h("td", null, ago(rec.t))),
    );
  }
  if (!attrs.length) attrTable.append(h("tr", null, h("td", { colspan: 3, class: "pwd-muted" }, "no attributes yet")));
  box.append(attrTable);

  const events = Object.entries(snap.events || {});
  const eventTable = h(
    "table",
    { class: "pwd-table" },
    h("tr", null, h("th", null, "event"), h("th", null, "7 days"), h("th", null, "14 days"), h("th", null, "total"), h("th", null, "last")),
  );
  for (const [name, ev] of events) {
    eventTable.append(
      h(
        "tr",
        { "data-signal": name },
        h("td", null, code(name)),
        h("td", null, String(countSince(ev.days, 7))),
        h("td", null, String(countSince(ev.days, 14))),
        h("td", null, String(ev.total)),
        h("td", null, ago(ev.last)),
      ),
    );
  }
  if (!events.length) eventTable.append(h("tr", null, h("td", { colspan: 5, class: "pwd-muted" }, "no events yet")));
  box.append(eventTable);

  const renders = Object.entries(stored.renders?.renders || {});
  if (renders.length) {
    const list = h("ul", { class: "pwd-renders" });
    for (const [rule, times] of renders) {
      list.append(h("li", null, code(rule), ` rendered ${times.length}× (last ${ago(times[times.length - 1])})`));
    }
    box.append(h("p", { class: "pwd-label" }, "Render history (frequency caps)"), list);
  }
  return box;
}

// --- the panel ----------------------------------------------------------------------------------

function button(label, onClick, extra) {
  const b = h("button", { type: "button", class: "pwd-btn", ...(extra || {}) }, label);
  b.addEventListener("click", onClick);
  return b;
}

function reloadAfter(pw, action) {
  return () => {
    try {
      action();
      pw?.flush();
    } catch (e) {
      window.alert(`${e.code || "error"}: ${e.message}`);
      return;
    }
    window.location.reload();
  };
}

/** Builds and shows the panel. `pw` may be null (the SDK did not start). */
export async function mountDebugPanel(pw, log) {
  const link = h("link", { rel: "stylesheet", href: "/css/debug.css" });
  document.head.append(link);

  const bundle = await sourceBundle();
  // The reasons and what the device keeps (pathwise/debug) arrive after the module that reads them.
  await log.explaining;
  log.stored = pw ? await (await import("/pkg/debug.js")).signals(pw).catch(() => null) : null;
  const collapsed = window.sessionStorage.getItem(COLLAPSED_KEY) === "1";
  const panel = h("aside", { class: "pwd", id: "pathwise-debug", "aria-label": "Pathwise debug panel", "data-collapsed": collapsed ? "true" : "false" });

  const toggle = button(collapsed ? "Show" : "Hide", () => {
    const now = panel.getAttribute("data-collapsed") !== "true";
    panel.setAttribute("data-collapsed", now ? "true" : "false");
    toggle.textContent = now ? "Show" : "Hide";
    window.sessionStorage.setItem(COLLAPSED_KEY, now ? "1" : "0");
  }, { class: "pwd-btn pwd-quiet", "aria-controls": "pwd-body" });
  const close = button("Close", () => {
    stopDebug();
    panel.remove();
  }, { class: "pwd-btn pwd-quiet" });
  panel.append(
    h("header", { class: "pwd-head" }, h("b", null, "Pathwise debug"), h("span", { class: "pwd-muted" }, "this page, this browser"), toggle, close),
  );

  const body = h("div", { class: "pwd-body", id: "pwd-body" });
  panel.append(body);
  fill(body, pw, log, bundle);
  document.body.append(panel);

  // A single-page navigation (the onboarding's role answer) is a new page view: its decisions
  // are new, so the panel explains them again. (The decisions made during init were delivered
  // before this handler exists.)
  if (pw) {
    let pending = false;
    pw.on("decision", () => {
      if (pending) return;
      pending = true;
      setTimeout(async () => {
        pending = false;
        const { explain, signals } = await import("/pkg/debug.js");
        log.stored = await signals(pw).catch(() => log.stored);
        for (const slot of log.explained.keys()) {
          try {
            log.explained.set(slot, await explain(pw, slot));
          } catch {
            // Keep the earlier explanation.
          }
        }
        const scroll = body.scrollTop;
        body.replaceChildren();
        fill(body, pw, log, bundle);
        body.scrollTop = scroll;
      }, 0);
    });
  }
}

/** The panel's sections, for the current page view. */
function fill(body, pw, log, bundle) {
  const onPage = pageSlots();

  // Clock.
  const offset = clockOffsetMs();
  body.append(
    h(
      "section",
      { class: "pwd-section" },
      h("h3", null, "Demo clock"),
      h("p", { "data-clock-offset-ms": String(offset) }, h("b", null, formatDate(demoNow())), h("span", { class: "pwd-muted" }, ` (${offsetLabel(offset)})`)),
      h(
        "div",
        { class: "pwd-row" },
        button("+1 visit", reloadAfter(pw, () => advanceClock(31 * MINUTE)), { title: "Moves the clock 31 minutes: the next page view starts a new visit", "data-action": "visit" }),
        button("+1 day", reloadAfter(pw, () => advanceClock(DAY)), { "data-action": "day" }),
        button("+7 days", reloadAfter(pw, () => advanceClock(7 * DAY)), { "data-action": "week" }),
        button("+14 days", reloadAfter(pw, () => advanceClock(14 * DAY)), { "data-action": "fortnight" }),
        button("Real time", reloadAfter(pw, () => {
          resetClock();
          // Times stored under the fake clock would lie in the future of the real one.
          pw?.forget();
        }), { title: "Back to real time; forgets what was stored, since its times would be in the future", "data-action": "real-time" }),
      ),
    ),
  );

  // Decisions.
  const decisions = h("section", { class: "pwd-section" }, h("h3", null, "Decisions and reasons"));
  if (!pw) {
    decisions.append(h("p", { class: "pwd-error" }, "Pathwise is not running on this page: every block shows its default content."));
  }
  // This page's slots first.
  const slots = (bundle ? bundle.slots.map((s) => s.id) : SLOTS).sort((a, b) => Number(onPage.has(b)) - Number(onPage.has(a)));
  for (const slot of slots) {
    let shown = null;
    if (pw && onPage.has(slot)) {
      try {
        shown = pw.decide(slot);
      } catch {
        shown = null;
      }
    }
    decisions.append(slotCard(pw, slot, log.explained.get(slot), onPage.has(slot), shown, bundle));
  }
  if (pw && Object.keys(storedPreviews()).length) {
    decisions.append(
      h(
        "div",
        { class: "pwd-row" },
        button("Clear previews", () => {
          for (const slot of Object.keys(storedPreviews())) setPreview(pw, slot, "");
        }, { "data-action": "clear-previews" }),
      ),
    );
  }
  body.append(decisions);

  // Signals, as pathwise/debug read them.
  const stored = log.stored ?? null;
  body.append(
    h(
      "section",
      { class: "pwd-section", "data-section": "signals" },
      h("h3", null, "Signals ", h("span", { class: "pwd-local" }, "stored only in this browser")),
      signalsSection(stored),
      h(
        "div",
        { class: "pwd-row" },
        button("+1 visit", reloadAfter(pw, () => advanceClock(31 * MINUTE))),
        button("View pricing", reloadAfter(pw, () => pw.track("pricing_viewed")), { disabled: !pw }),
        ...["admin", "operator", "champion"].map((role) =>
          button(`Role: ${role}`, reloadAfter(pw, () => (pw.set("role", role), remember(ROLE_KEY, role))), { disabled: !pw })),
      ),
      h("div", { class: "pwd-row" }, button("Forget everything", reloadAfter(pw, () => {
        pw.forget();
        for (const key of [ROLE_KEY, DONE_KEY]) localStorage.removeItem(key);
      }), { class: "pwd-btn pwd-danger", disabled: !pw })),
    ),
  );

  // Bundle and problems.
  const problems = [...(log.loadFailure ? [log.loadFailure] : []), ...log.errors];
  body.append(
    h(
      "section",
      { class: "pwd-section" },
      h("h3", null, "Bundle"),
      h(
        "p",
        null,
        pw && pw.bundleVersion !== null && pw.bundleVersion !== undefined
          ? ["version ", code(String(pw.bundleVersion)), bundle ? ` · site ${bundle.site} · ${bundle.rules.length} rules · global holdout ${bundle.holdout || 0} %` : ""]
          : "no bundle in use",
      ),
      problems.length ? h("ul", { class: "pwd-errors" }, problems.map((e) => h("li", { "data-code": e.code }, code(e.code), ` ${e.message}`))) : null,
      log.warnings.length ? h("ul", { class: "pwd-warnings" }, log.warnings.map((w) => h("li", { "data-code": w.code }, code(w.code), ` ${w.message}`))) : null,
      h("p", { class: "pwd-row" }, h("a", { href: "/report", class: "pwd-link" }, "Experiment report →"), h("a", { href: "/report.json", class: "pwd-link" }, "report.json")),
    ),
  );
}
