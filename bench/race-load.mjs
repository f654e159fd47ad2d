// One load of one race page in headless Chromium: a fresh browser context (empty storage and
// cookies), the cache disabled, the profile's throttling set through the DevTools protocol
// before the navigation; then what the page's probe (race-probe.js) saw, read as:
//
// - frames: requestAnimationFrame callbacks run only in a rendering update (none while
//   rendering is blocked, by a stylesheet or a blocking="render" script), so every frame the
//   probe saw is one the browser rendered and painted. (The `first-paint` entry is reported too;
//   it carries a presentation time, which in these runs came tens of milliseconds after the
//   first frame started, so it cannot tell which frame was first.)
// - variantMs: the start time of the first frame that shows the variant hero (ms since
//   navigation start), null when none did within the time limit;
// - shownThenReplaced: a frame showed the default hero visibly (not hidden by an anti-flicker
//   rule) before the variant replaced it;
// - variantInFirstPaint: the first frame already showed the variant;
// - bytes: what crossed the network for the load (the DevTools protocol's encodedDataLength of
//   every request: headers and gzip bodies), and the number of requests.

/** The profiles (issue 13): unthrottled, and a mobile profile (CPU 4×, 1.6 Mbps down, 150 ms RTT). */
export const PROFILES = {
  unthrottled: { label: "unthrottled" },
  mobile: {
    label: "mobile (CPU 4×, 1.6 Mbps, 150 ms RTT)",
    cpu: 4,
    network: { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 },
  },
};

/** Reads the probe's frames, `[time, state]` each (see the file comment). */
export function analyse(frames) {
  const variantAt = frames.findIndex(([, s]) => s === 4);
  const defaultAt = frames.findIndex(([, s]) => s === 2);
  return {
    variantMs: variantAt >= 0 ? frames[variantAt][0] : null,
    shownThenReplaced: defaultAt >= 0 && variantAt > defaultAt,
    variantInFirstPaint: frames.length > 0 && frames[0][1] === 4,
  };
}

/** Loads `url` once under `profile`; resolves with the figures above and any page errors. */
export async function load(browser, url, profile, { timeoutMs = 20000 } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    if (profile.cpu) await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpu });
    if (profile.network) await cdp.send("Network.emulateNetworkConditions", profile.network);
    let bytes = 0;
    let requests = 0;
    const pending = new Set();
    cdp.on("Network.requestWillBeSent", (e) => { if (!e.request.url.startsWith("data:")) pending.add(e.requestId); });
    cdp.on("Network.loadingFinished", (e) => {
      if (pending.delete(e.requestId)) { bytes += e.encodedDataLength; requests++; }
    });
    cdp.on("Network.loadingFailed", (e) => { if (pending.delete(e.requestId)) errors.push(`request failed: ${e.errorText}`); });

    await page.goto(url, { waitUntil: "commit" });
    let timedOut = false;
    try {
      await page.waitForFunction(() => window.__race && window.__race.variantAt !== undefined, null, { polling: 50, timeout: timeoutMs });
    } catch {
      timedOut = true;
    }
    await page.waitForLoadState("load", { timeout: timeoutMs });
    // The paint entries are queued after their frame is presented; the last requests finish.
    await page.waitForFunction(() => window.__race.paint["first-paint"] !== undefined, null, { polling: 50, timeout: timeoutMs }).catch(() => {});
    for (let i = 0; i < 100 && pending.size; i++) await new Promise((r) => setTimeout(r, 50));
    const probe = await page.evaluate(() => {
      window.__race.stop = true;
      return { frames: window.__race.frames, paint: window.__race.paint };
    });
    return {
      ...analyse(probe.frames),
      timedOut,
      firstPaintMs: probe.paint["first-paint"] ?? null,
      bytes,
      requests,
      errors,
    };
  } finally {
    await context.close();
  }
}
