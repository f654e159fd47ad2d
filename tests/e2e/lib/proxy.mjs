// A recording reverse proxy in front of the demo server: the browser loads the site from the
// proxy's origin, so every request its pages make to that origin — navigations, modules, fetches,
// keepalive fetches and sendBeacon, which Playwright's request events miss once a page is being
// left — passes through here byte for byte, and is recorded with its headers and body.
//
// It can also refuse `/pathwise/results` (answer 503 without forwarding), to stand for a collector that
// errs while the rest of the site works.

import http from "node:http";

/**
 * Starts a proxy to `target` (`http://127.0.0.1:PORT`). Returns `{url, requests, collects(),
 * refuseCollect, waitFor(), close()}`; each recorded request is `{at, method, path, headers, body, status,
 * mode}` where `body` is a Buffer, `status` the answer given (null until answered) and `mode` the
 * `sec-fetch-mode` header (`no-cors` for sendBeacon, `cors` for the SDK's fetch).
 */
export async function recordingProxy(target) {
  const upstream = new URL(target);
  const requests = [];
  const waiters = new Set();
  const proxy = {
    url: "",
    requests,
    /**
     * `POST /pathwise/results` requests this refuses are answered 503 and not forwarded: `true` (all),
     * `false` (none) or a predicate on the recorded request (e.g. `(r) => r.mode === "cors"`).
     */
    refuseCollect: false,
    /** The recorded `POST /pathwise/results` requests. */
    collects() {
      return requests.filter((r) => r.method === "POST" && r.path.startsWith("/pathwise/results"));
    },
    /**
     * Resolves with the first recorded request (already recorded or to come) for which
     * `predicate(request)` holds once it has been answered.
     */
    waitFor(predicate, { timeout = 10000 } = {}) {
      const found = requests.find((r) => r.status !== null && predicate(r));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          check(r) {
            if (!predicate(r)) return;
            waiters.delete(waiter);
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching request through the proxy within ${timeout} ms`));
        }, timeout);
        waiters.add(waiter);
      });
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  const answered = (record, status) => {
    record.status = status;
    for (const waiter of [...waiters]) waiter.check(record);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const record = {
        at: Date.now(),
        method: req.method,
        path: req.url,
        headers: { ...req.headers },
        rawHeaders: [...req.rawHeaders],
        body: Buffer.concat(chunks),
        status: null,
        mode: req.headers["sec-fetch-mode"] ?? null,
      };
      requests.push(record);
      const refuse = typeof proxy.refuseCollect === "function" ? proxy.refuseCollect(record) : proxy.refuseCollect;
      if (refuse && req.method === "POST" && req.url.startsWith("/pathwise/results")) {
        res.writeHead(503, { "content-type": "text/plain", "access-control-allow-origin": "*" });
        res.end("collector unavailable (test)");
        answered(record, 503);
        return;
      }
      const forward = http.request({
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on("end", () => answered(record, up.statusCode ?? 502));
      });
      forward.on("error", () => {
        // The server is down: the browser sees a dropped connection, as it would without us.
        answered(record, 0);
        req.socket.destroy();
      });
      forward.end(record.body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  return proxy;
}

/** The events of a recorded `/pathwise/results` request (its body parsed as the beacon payload). */
export function batchOf(record) {
  return JSON.parse(record.body.toString("utf8"));
}
