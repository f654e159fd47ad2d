// The outbox: report events waiting to reach the collector, kept in local storage for the next
// page (key `outbox`, JSON). Which events exist — an exposure once per device per rule and
// variant, a conversion once per rule and goal, only on a device in the sample — is the core's
// decision (src/report/ledger.rs); this file only holds, batches and forgets them.
//
// Events are sent in batches (the beacon payload, beacon.schema.json) when the page is hidden or
// left, or after an idle delay. A send can fail and the page can go away with a send pending, so
// an event is:
// - queued: recorded, not yet in a batch;
// - ready: in a batch that failed, or that was in flight when the page went away; the batch keeps
//   its id and is sent again as is, so a collector that got the first attempt drops the copy;
// - in flight: in a batch handed to the transport, awaiting `settle`.
//
// Bounded: at most CAPACITY events in all. Recording into a full outbox drops the oldest event —
// the first of the oldest ready batch (added to that batch's `dropped`; a batch emptied so is
// discarded and its count moves to the outbox's), else the oldest queued (counted in the outbox,
// which rides in the next new batch). Events in flight are never dropped: when only those are
// held, the incoming event is the one dropped and counted. A count leaves the device only inside
// a batch and is forgotten only when that batch is confirmed.

/** Most events held (queued, ready and in flight together). */
export const CAPACITY = 500;
/** Every batch body is shorter than this many bytes (sendBeacon's limits start at 64 KiB). */
export const MAX_BATCH_BYTES = 60000;
/** Most events in one batch. */
export const MAX_EVENTS = 1000;
/** Largest stored outbox read back, in characters. */
export const MAX_STORED = 256 * 1024;

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const HEX = /^[0-9a-f]{32}$/;
const count = (n) => Number.isSafeInteger(n) && n >= 0;
const sum = (batches) => batches.reduce((n, b) => n + b.e.length, 0);

/** Whether `e` is an event the collector accepts (a stored one could be anything). */
function valid(e) {
  const keys = e && typeof e == "object" ? Object.keys(e) : [];
  const conversion = e?.type == "conversion";
  return (
    keys.length == (conversion ? 7 : 6) &&
    (conversion || e.type == "exposure") &&
    ID.test(e.rule) &&
    ID.test(e.variant) &&
    ID.test(e.slot) &&
    typeof e.control == "boolean" &&
    (conversion ? ID.test(e.goal) : !("goal" in e)) &&
    count(e.minute)
  );
}

/** A batch as stored: `{i: id, b: bundle, d: dropped, e: events}`. */
const validBatch = (b) =>
  b && HEX.test(b.i) && count(b.b) && count(b.d) && Array.isArray(b.e) && b.e.length > 0 && b.e.length <= MAX_EVENTS && b.e.every(valid);

export class Outbox {
  /**
   * An outbox, empty or read from `stored` (what `JSON.stringify(outbox)` wrote). Throws on anything this SDK
   * would not have written; the caller then starts empty and warns.
   */
  constructor(stored) {
    this.queue = []; // [bundle, event]
    this.ready = []; // {i, b, d, e}
    this.flying = [];
    this.dropped = 0;
    if (stored == null) return;
    const o = stored.length <= MAX_STORED ? JSON.parse(stored) : null;
    const ids = new Set(o?.r?.map?.((b) => b?.i));
    if (
      !o ||
      !count(o.d) ||
      !Array.isArray(o.r) ||
      !Array.isArray(o.q) ||
      !o.r.every(validBatch) ||
      ids.size != o.r.length ||
      !o.q.every((q) => Array.isArray(q) && q.length == 2 && count(q[0]) && valid(q[1])) ||
      sum(o.r) + o.q.length > CAPACITY
    ) {
      throw new Error("not an outbox this SDK wrote");
    }
    this.ready = o.r;
    this.queue = o.q;
    this.dropped = o.d;
  }

  /** Events held. */
  size() {
    return this.queue.length + sum(this.ready) + sum(this.flying);
  }

  /** `{batches, queued}`: batches formed and not yet confirmed, events waiting for a batch. */
  waiting() {
    return { batches: this.ready.length + this.flying.length, queued: this.queue.length };
  }

  /** Queues `event`, decided under bundle version `bundle`, dropping the oldest when full. */
  push(bundle, event) {
    if (this.size() >= CAPACITY) {
      const first = this.ready[0];
      if (first) {
        first.e.shift();
        first.d++;
        if (!first.e.length) this.dropped += this.ready.shift().d;
      } else if (this.queue.length) {
        this.queue.shift();
        this.dropped++;
      } else {
        this.dropped++;
        return;
      }
    }
    this.queue.push([bundle, event]);
  }

  /**
   * Every batch to send now, each then in flight: the ready ones with their own ids, then new
   * ones cut from the queue (one bundle version per batch, under MAX_BATCH_BYTES and MAX_EVENTS;
   * the outbox's dropped count rides in the first). `newId()` gives 32 hex digits. Returns
   * `[[id, body], …]`.
   */
  take(site, newId) {
    const batches = this.ready;
    this.ready = [];
    const taken = new Set([...this.flying, ...batches].map((b) => b.i));
    const groups = new Map();
    for (const [bundle, event] of this.queue) {
      if (!groups.has(bundle)) groups.set(bundle, []);
      groups.get(bundle).push(event);
    }
    this.queue = [];
    for (const [bundle, events] of groups) {
      while (events.length) {
        // A generator that keeps repeating ids in use (a broken random source) leaves the rest
        // queued rather than reusing an id.
        let id = newId();
        for (let tries = 1; taken.has(id) && tries < 4; tries++) id = newId();
        if (taken.has(id) || this.queue.length) {
          this.queue.push(...events.map((e) => [bundle, e]));
          break;
        }
        taken.add(id);
        const batch = { i: id, b: bundle, d: this.dropped, e: [] };
        this.dropped = 0;
        let size = body(site, batch).length;
        // The first event always goes in, so no batch is empty.
        while (events.length && batch.e.length < MAX_EVENTS) {
          const add = JSON.stringify(events[0]).length + (batch.e.length ? 1 : 0);
          if (batch.e.length && size + add >= MAX_BATCH_BYTES) break;
          size += add;
          batch.e.push(events.shift());
        }
        batches.push(batch);
      }
    }
    this.flying.push(...batches);
    return batches.map((b) => [b.i, body(site, b)]);
  }

  /**
   * The send of batch `id` was answered: `ok` (a 2xx) forgets it for good, otherwise it is sent
   * again later with the same id. Whether the id was one in flight or ready.
   */
  settle(id, ok) {
    const at = this.flying.findIndex((b) => b.i == id);
    if (at >= 0) {
      const [batch] = this.flying.splice(at, 1);
      if (!ok) this.ready.push(batch);
      return true;
    }
    const ready = this.ready.findIndex((b) => b.i == id);
    if (ok && ready >= 0) this.ready.splice(ready, 1);
    return ready >= 0;
  }

  /** Whether anything waits to be sent or confirmed. */
  pending() {
    return this.size() > 0;
  }

  /**
   * What to store (`JSON.stringify(outbox)`): batches in flight go with the ready ones, since the
   * page may go away before their outcome is known.
   */
  toJSON() {
    return { d: this.dropped, r: [...this.ready, ...this.flying], q: this.queue };
  }
}

/** A batch's body (beacon.schema.json). */
function body(site, b) {
  return JSON.stringify({ schema: 1, site, bundle: b.b, batch: b.i, dropped: b.d, events: b.e });
}
