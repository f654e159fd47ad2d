// Onboarding: one page, one step per `?step=`. The step list (`data-pw-path="onboarding"`) and
// every step's "Continue" link (`data-pw-next`) are Pathwise's: the SDK hides the steps that are
// not on this device's path, orders the rest and points each link at the next step.
//
// Answering "What is your role?" sets the `role` attribute; a `history.replaceState` to a new
// query then counts as a new page view for the SDK, which decides the path again and re-applies
// the step list and the links — the remaining steps change under the reader's eyes, without a
// reload.

import { DONE_KEY, ROLE_KEY, ready, recalled, remember, toast } from "./site.js";

const TITLES = {
  welcome: "Welcome",
  role: "Your role",
  connect_data: "Connect your data",
  dashboards: "Pick a dashboard",
  sso: "Single sign-on",
  invite_team: "Invite your team",
  permissions: "Roles and permissions",
  alerts: "Set an alert",
  share_report: "Share a report",
  templates: "Report templates",
  done: "All set",
};
const ROLES = { admin: "an admin", operator: "an operator", champion: "a champion" };
const DEFAULT_ORDER = [...document.querySelectorAll("[data-pw-step]")].map((li) => li.getAttribute("data-pw-step"));

const requested = new URLSearchParams(window.location.search).get("step");
const current = requested && Object.hasOwn(TITLES, requested) ? requested : "welcome";
const panel = document.querySelector(`[data-panel="${current}"]`);

// The current step's panel is shown at once, whatever the SDK is doing.
for (const p of document.querySelectorAll("[data-panel]")) {
  p.classList.toggle("is-current", p === panel);
}
document.title = `${TITLES[current]} — Ledgerly`;

function storedRole() {
  const role = recalled(ROLE_KEY, null);
  return typeof role === "string" ? role : null;
}

function storedEvents() {
  return Object.fromEntries(recalled(DONE_KEY, []).map((name) => [name, true]));
}

function stepLink(step) {
  return `/onboarding/?step=${encodeURIComponent(step)}`;
}

/** Brings the page in line with the decided path (after the SDK applied it). */
function refresh(pw) {
  let steps = DEFAULT_ORDER;
  let reason = null;
  if (pw) {
    try {
      const decided = pw.path("onboarding");
      if (decided.length) steps = decided;
      reason = pw.decide("onboarding").reason;
    } catch {
      // No bundle: the page keeps its default order.
    }
  }
  const at = steps.indexOf(current);
  const role = pw ? storedRole() : null;

  for (const li of document.querySelectorAll("[data-pw-step]")) {
    const i = steps.indexOf(li.getAttribute("data-pw-step"));
    li.setAttribute("data-state", i < 0 ? "off" : i < at ? "done" : i === at ? "current" : "todo");
    if (i === at) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  }

  const progress = panel.querySelector("[data-progress]");
  if (progress) progress.textContent = at >= 0 ? `Step ${at + 1} of ${steps.length}` : "Not on your path";
  const offPath = document.querySelector("[data-off-path]");
  if (offPath) offPath.hidden = at >= 0;

  const back = panel.querySelector("[data-back]");
  if (back) {
    back.hidden = at <= 0;
    if (at > 0) back.setAttribute("href", stepLink(steps[at - 1]));
  }

  const next = at >= 0 ? steps[at + 1] : undefined;
  const link = panel.querySelector("[data-pw-next]");
  if (link && current !== "welcome" && current !== "done") {
    if (current === "role" && !role) link.textContent = "Skip for now";
    else if (next === "done") link.textContent = "Finish";
    else if (next) link.textContent = `Next: ${TITLES[next]}`;
  }

  for (const choice of document.querySelectorAll("[data-role]")) {
    choice.setAttribute("aria-pressed", String(choice.getAttribute("data-role") === role));
  }
  const answer = document.querySelector("[data-answer]");
  if (answer) {
    const rest = steps.slice(steps.indexOf("role") + 1).filter((s) => s !== "done");
    answer.textContent = role && ROLES[role]
      ? `As ${ROLES[role]}, your next steps: ${rest.map((s) => TITLES[s]).join(" → ")}.`
      : "";
  }

  const note = document.querySelector("[data-path-note]");
  if (note) {
    note.textContent = "";
    const strong = document.createElement("b");
    if (reason === "holdout") {
      strong.textContent = "Holdout: ";
      note.append(strong, "this browser is in the 5 % who see the standard setup, so we can measure what tailoring adds.");
    } else if (role && ROLES[role]) {
      strong.textContent = `${steps.length} steps`;
      note.append(strong, ` tailored for ${ROLES[role]}. Change your answer on `, Object.assign(document.createElement("a"), { href: stepLink("role"), textContent: "Your role" }), ".");
    } else {
      note.append("Answer ", Object.assign(document.createElement("a"), { href: stepLink("role"), textContent: "“What is your role?”" }), " to see only the steps that matter to you.");
    }
  }

  const summary = document.querySelector("[data-summary]");
  if (summary && pw) {
    const done = storedEvents();
    const labels = { sso_configured: "enabled SSO", data_connected: "connected data", invited_team: "invited your team", report_shared: "shared a report", report_created: "created a report" };
    const did = Object.keys(labels).filter((e) => done[e]).map((e) => labels[e]);
    summary.textContent = did.length ? `So far you ${did.join(", ")}.` : "";
  }
}

refresh(null);

ready.then((pw) => {
  refresh(pw);
  if (!pw) return;
  pw.on("decision", (decision) => {
    if (decision && decision.slot === "onboarding") refresh(pw);
  });
});

let answers = Number(new URLSearchParams(window.location.search).get("answer")) || 0;
for (const choice of document.querySelectorAll("[data-role]")) {
  choice.addEventListener("click", async () => {
    const pw = await ready;
    const role = choice.getAttribute("data-role");
    if (!pw) {
      toast("Pathwise is not running: the steps cannot adapt.");
      return;
    }
    try {
      pw.set("role", role);
      pw.track("role_answered");
      pw.flush();
      remember(ROLE_KEY, role);
    } catch (e) {
      toast(`Could not record the answer (${e.code || e.message}).`);
      return;
    }
    toast("Stored ", { code: `role = ${role}` }, " in this browser only.");
    // A new page view for the SDK, which then decides the path again, with the answer. The SDK
    // counts a History API navigation as a page view only when the path or query changes, hence
    // the counter (it says nothing about the answer: signal values never go in a URL).
    answers += 1;
    const url = new URL(window.location.href);
    url.searchParams.set("answer", String(answers));
    window.history.replaceState(window.history.state, "", url);
  });
}
