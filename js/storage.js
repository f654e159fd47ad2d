// Local storage under one versioned prefix, with consent, caps and a memory fallback.
//
// - Keys: `pathwise:v2:` + id, version, session, signals, history, ledger, outbox, bundle. The
//   four snapshots are bytes (the module's compact forms), kept as strings of one character per
//   byte.
// - Consent: "granted" reads and writes; "pending" reads what an earlier, consented page stored
//   and writes nothing; "denied" erases every `pathwise:` key, then reads and writes nothing. In
//   both, writes are held in memory and written when consent is granted.
// - `localStorage` missing or throwing on access, or a write throwing (quota), switches to
//   memory for the rest of the page, with a warning — never an exception.
// - A stored value over its key's cap is discarded (`storage_corrupt`) without being read.

export const PREFIX = "pathwise:v2:";
const CAPS = { id: 64, version: 24, session: 24, signals: 65536, history: 65536, ledger: 114688, outbox: 262144, bundle: 4194304 };

export class Store {
  constructor(consent, warn) {
    this.consent = consent;
    this.held = new Map();
    this.warn = warn;
    try {
      this.local = localStorage;
      if (!this.local) throw new Error("localStorage is not available");
    } catch (e) {
      this.local = null;
      if (consent != "denied") warn("storage_unavailable", `localStorage cannot be used (${e?.message ?? e}); signals are kept in memory for this page only`);
    }
    if (consent == "denied") this.erase();
  }

  /** Whether writes reach local storage. */
  persistent() {
    return this.consent == "granted" && !!this.local;
  }

  get(name) {
    if (this.held.has(name)) return this.held.get(name);
    if (this.consent == "denied" || !this.local) return null;
    let value = null;
    try {
      value = this.local.getItem(PREFIX + name);
    } catch (e) {}
    if (value != null && value.length > CAPS[name]) {
      this.warn("storage_corrupt", `stored ${PREFIX + name} is longer than its ${CAPS[name]}-character limit; it was discarded`);
      this.remove(name);
      return null;
    }
    return value;
  }

  /** Writes `value` (or holds it until consent); `cache` values that do not fit are dropped quietly. */
  set(name, value, cache) {
    if (value.length > CAPS[name]) return;
    if (this.consent != "granted") {
      this.held.set(name, value);
      return;
    }
    if (!this.local) return;
    try {
      this.local.setItem(PREFIX + name, value);
    } catch (e) {
      if (cache) {
        this.remove(name);
        return;
      }
      this.local = null;
      const full = e instanceof DOMException && (e.name == "QuotaExceededError" || e.code == 22);
      this.warn(
        full ? "storage_quota_exceeded" : "storage_unavailable",
        `${full ? "localStorage is full" : "writing localStorage failed"} (${e?.message ?? e}); signals are kept in memory for this page only`,
      );
    }
  }

  remove(name) {
    this.held.delete(name);
    try {
      this.local?.removeItem(PREFIX + name);
    } catch (e) {}
  }

  /** Removes every key that starts with `pathwise:` (this version's and any other's). */
  erase() {
    this.held.clear();
    const ours = [];
    try {
      for (let i = 0; i < this.local.length; i++) {
        const key = this.local.key(i);
        if (key != null && key.startsWith("pathwise:")) ours.push(key);
      }
    } catch (e) {}
    for (const key of ours) {
      try {
        this.local.removeItem(key);
      } catch (e) {}
    }
  }

  /** Changes consent: denied erases; granted writes what was held. */
  setConsent(consent) {
    const before = this.consent;
    this.consent = consent;
    if (consent == "denied") this.erase();
    if (consent == "granted" && before != "granted") {
      const held = [...this.held];
      this.held.clear();
      for (const [name, value] of held) this.set(name, value, name == "bundle");
    }
  }
}
