// runtime.html's harness: the test drives the SDK call by call through `window.rt` (nothing
// starts by itself), and every way the SDK sends something — `navigator.sendBeacon` and
// `fetch` — is recorded as it is called (then passed on to the real network), so a test sees a
// send synchronously, in the same task as the call that made it.
//
//   rt.start(options)   Pathwise.init(options) (`nowMs`: a clock the test moves with
//                       rt.setNow); resolves once the events queued during init were delivered
//   rt.only(slots)      removes every block, path and next link of other slots (before start)
//   rt.pw               the instance; rt.events: every event in order ({type, value})
//   rt.sent             the sends: {via: "beacon" | "fetch", url, body, method, keepalive, mode,
//                       credentials, status (a fetch's, once answered)}; rt.beacon = "refuse"
//                       makes sendBeacon answer false
//   rt.hide(), rt.show(), rt.pagehide()   visibility changes and pagehide, as a browser fires them
import { Pathwise, version } from "/pkg/index.js";

const EVENTS = ["ready", "error", "warning", "decision", "exposure", "conversion"];

/** A plain copy of an event's payload (an Error keeps its class, code and message). */
function plain(value) {
  if (value instanceof Error) return { isError: true, code: value.code, message: value.message };
  return JSON.parse(JSON.stringify(value));
}

const rt = {
  Pathwise,
  version,
  pw: null,
  events: [],
  sent: [],
  beacon: "ok",
  now: Date.now(),
  setNow(ms) {
    rt.now = ms;
  },
  of(type) {
    return rt.events.filter((e) => e.type === type).map((e) => e.value);
  },
  only(slots) {
    for (const el of document.querySelectorAll("[data-pw-block], [data-pw-path], [data-pw-next], template[data-pw-variant]")) {
      const slot = (el.getAttribute("data-pw-block") ?? el.getAttribute("data-pw-path") ?? el.getAttribute("data-pw-next") ?? el.getAttribute("data-pw-variant")).split(":")[0];
      if (!slots.includes(slot)) el.remove();
    }
  },
  async start(options) {
    const o = { ...options };
    if (o.nowMs !== undefined) {
      rt.now = o.nowMs;
      delete o.nowMs;
      o.now = () => rt.now;
    }
    const pw = await Pathwise.init(o);
    rt.pw = pw;
    for (const type of EVENTS) pw.on(type, (value) => rt.events.push({ type, value: plain(value) }));
    // Events raised while `init` ran are delivered in a task right after it resolved.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return pw.bundleVersion;
  },
  hide() {
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  },
  show() {
    delete document.visibilityState;
    document.dispatchEvent(new Event("visibilitychange"));
  },
  pagehide() {
    window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: false }));
  },
};
window.rt = rt;

const sendBeacon = navigator.sendBeacon.bind(navigator);
navigator.sendBeacon = function (url, body) {
  rt.sent.push({ via: "beacon", url: String(url), body: String(body) });
  return rt.beacon === "ok" ? sendBeacon(url, body) : false;
};
const fetch = window.fetch.bind(window);
window.fetch = function (input, init = {}) {
  const answer = fetch(input, init);
  if (init.method === "POST") {
    const sent = {
      via: "fetch", url: String(input), body: String(init.body), method: init.method,
      keepalive: init.keepalive === true, mode: init.mode ?? null, credentials: init.credentials ?? null,
      status: null, // the answer's status once it came ("error" for a network error)
    };
    rt.sent.push(sent);
    answer.then((r) => (sent.status = r.status), () => (sent.status = "error"));
  }
  return answer;
};
