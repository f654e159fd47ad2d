// A golden case in a real page: `window.__golden` ({site, keys, envelope, now, slots}), set by the
// test's init script together with the device's stored signals and render history, says what to
// start; `window.__goldenResult` resolves with what pathwise/debug explains for each slot, and
// every event it emitted while starting (none is expected).
import { Pathwise } from "/pkg/index.js";
import { explain } from "/pkg/debug.js";

async function run() {
  const g = window.__golden;
  const events = [];
  const pw = await Pathwise.init({ site: g.site, keys: g.keys, bundle: g.envelope, now: () => g.now, autoApply: false });
  for (const type of ["error", "warning"]) {
    pw.on(type, (e) => events.push({ type, code: e.code, message: e.message }));
  }
  // The events raised while `init` ran are delivered in a task after it resolved.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const explained = {};
  for (const slot of g.slots) explained[slot] = await explain(pw, slot);
  return { bundleVersion: pw.bundleVersion, events, explained };
}

window.__goldenResult = run().catch((e) => ({ failed: { code: e?.code, message: String(e?.message ?? e) } }));
