// Reports: "New report" and the templates record `report_created` (the goal of the
// re-engagement rule) and add a row; "Share" records `report_shared`.

import { toast, track } from "./site.js";

const tbody = document.querySelector("[data-reports]");

function addReport(name) {
  const row = document.createElement("tr");
  const cells = [name, "You", "Just now"].map((text, i) => {
    const td = document.createElement("td");
    if (i === 0) {
      const b = document.createElement("b");
      b.textContent = text;
      td.append(b);
    } else {
      td.textContent = text;
    }
    return td;
  });
  const action = document.createElement("td");
  const share = document.createElement("button");
  share.className = "btn btn-secondary btn-small";
  share.type = "button";
  share.textContent = "Share";
  share.setAttribute("data-track", "report_shared");
  share.setAttribute("data-done-label", "Link copied ✓");
  action.append(share);
  row.append(...cells, action);
  tbody?.prepend(row);
}

async function create(name) {
  const ok = await track("report_created");
  addReport(name);
  toast(ok ? "Tracked " : "Created (not tracked: the SDK is not running) ", { code: "report_created" }, ok ? ` — “${name}” created.` : "");
}

document.querySelector("[data-new-report]")?.addEventListener("click", () => create("Untitled report"));
for (const button of document.querySelectorAll("[data-template]")) {
  button.addEventListener("click", () => create(button.getAttribute("data-template")));
}
