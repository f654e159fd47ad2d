// Sending reports: when, and how a batch reaches the collector (docs/js-api.md, "Reporting").
//
// | moment | how |
// |---|---|
// | `idleMs` after the last recorded event; at load when an earlier page left batches; `flush()` | `fetch`, `keepalive` while the page's 64 KiB keepalive budget allows: a `2xx` confirms, anything else keeps the batch |
// | `visibilitychange` → hidden, `pagehide` | `sendBeacon`; when it refuses, `fetch` with `keepalive` |
//
// A beacon's fate cannot be read (`true` only means "queued"), so a beaconed batch stays stored
// under its id and is confirmed by `fetch` when the page is visible again or from the next page;
// the collector keeps one copy per batch id, so every event counts exactly once. Failed sends are
// retried with backoff (the idle delay doubled per failure, at most 5 minutes). No `unload`
// listener: it would keep pages out of the back/forward cache.

/** Bytes of `keepalive` bodies a page may have in flight (the Fetch standard: 64 KiB). */
const KEEPALIVE_BUDGET = 65536;
const MAX_RETRY_MS = 300000;

/** A `POST` whose answer can be read: whether it was answered with a `2xx`. No cookies, no `Referer`. */
async function post(url, body, keepalive) {
  try {
    const response = await fetch(url, { method: "POST", body, keepalive, mode: "cors", credentials: "omit", referrerPolicy: "no-referrer" });
    return response.status >= 200 && response.status < 300;
  } catch (e) {
    return false;
  }
}

/** `navigator.sendBeacon`: whether the browser queued it (a throwing call counts as refused). */
function beacon(url, body) {
  try {
    return navigator.sendBeacon(url, body) === true;
  } catch (e) {
    return false;
  }
}

/** 16 random bytes per batch id (`Math.random` only if the platform's generator throws). */
export function random(count) {
  const bytes = new Uint8Array(16 * count);
  try {
    crypto.getRandomValues(bytes);
  } catch (e) {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.random() * 256;
  }
  return bytes;
}

export class Transport {
  /**
   * `shell` gives: `active()`, `granted()`, `take()` → [[id, body], …] (in flight and stored),
   * `settle(id, ok)`, `pending()`.
   */
  constructor(shell, url, idleMs) {
    this.shell = shell;
    this.url = url;
    this.idle = idleMs;
    this.timer = 0;
    this.failures = 0;
    this.beaconed = [];
    this.keepalive = 0;
    const listener = (event) => {
      const visibility = document.visibilityState;
      if (event.type == "pagehide" || (event.type == "visibilitychange" && visibility == "hidden")) this.send(true);
      else if ((event.type == "visibilitychange" && visibility == "visible") || (event.type == "pageshow" && event.persisted)) this.back();
    };
    document.addEventListener("visibilitychange", listener);
    addEventListener("pagehide", listener);
    addEventListener("pageshow", listener);
  }

  /** Sends in `ms` (the idle delay by default), replacing a pending timer. */
  schedule(ms = this.idle) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(false), ms);
  }

  /** Sends every batch: by beacon when `leaving`, else by `fetch`. */
  send(leaving) {
    const shell = this.shell;
    if (!shell.active()) return;
    clearTimeout(this.timer);
    if (!shell.granted()) return;
    for (const [id, body] of shell.take()) {
      let keepalive = false;
      if (leaving) {
        if (beacon(this.url, body)) {
          this.beaconed.push(id);
          continue;
        }
        keepalive = true;
      } else if (this.keepalive + body.length <= KEEPALIVE_BUDGET) {
        keepalive = true;
      }
      const bytes = keepalive ? body.length : 0;
      this.keepalive += bytes;
      post(this.url, body, keepalive).then((ok) => {
        this.keepalive -= bytes;
        // A superseded instance leaves the stored outbox to the new one.
        if (!shell.active()) return;
        shell.settle(id, ok);
        if (ok) this.failures = 0;
        else if (!leaving) {
          this.failures++;
          this.schedule(Math.min(Math.max(this.idle, 1000) * 2 ** Math.min(this.failures, 16), MAX_RETRY_MS));
        }
      });
    }
  }

  /** Starts afresh (after `forget()`): no timer, no failures, nothing beaconed. */
  reset() {
    clearTimeout(this.timer);
    this.failures = 0;
    this.beaconed = [];
  }

  /** The page is visible again: what was only beaconed is confirmed by `fetch` (same ids). */
  back() {
    if (!this.shell.active()) return;
    const ids = this.beaconed;
    this.beaconed = [];
    for (const id of ids) this.shell.settle(id, false);
    if (ids.length || this.shell.pending()) this.schedule();
  }
}
