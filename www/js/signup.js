// Sign-up (fake): records `signed_up` (the goal of the hero rules) and goes to onboarding. The
// fields have no `name`, so even without JavaScript the form submits nothing.

import { track } from "./site.js";

const form = document.getElementById("signup");
form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
    button.textContent = "Creating your workspace…";
  }
  await track("signed_up");
  window.location.assign("/onboarding/");
});
