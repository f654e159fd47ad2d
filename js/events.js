// `on()` and the events. Events raised while `init` runs would reach nobody (the page only gets
// the instance when `init` resolves), so the emitter starts held: events are queued and
// delivered in a task right after `init` resolves, in order, to the handlers registered by then.
// A handler that throws affects neither the SDK nor the other handlers.

import { coded } from "./errors.js";

export const EVENTS = ["ready", "error", "warning", "decision", "exposure", "conversion"];

export class Emitter {
  constructor() {
    this.handlers = [];
    this.queue = [];
    this.held = true;
  }

  /** Subscribes `handler` to `event`; returns the unsubscribe function. */
  on(event, handler) {
    if (!EVENTS.includes(event)) {
      throw coded("invalid_argument", `unknown event ${JSON.stringify(event)}; the events are ${EVENTS.join(", ")}`);
    }
    if (typeof handler != "function") throw coded("invalid_argument", "on() needs a handler function");
    const entry = [event, handler];
    this.handlers.push(entry);
    return () => {
      this.handlers = this.handlers.filter((e) => e != entry);
    };
  }

  emit(event, payload) {
    if (this.held || this.queue.length) {
      this.queue.push([event, payload]);
      return;
    }
    for (const [name, handler] of this.handlers) {
      if (name == event) {
        try {
          handler(payload);
        } catch (e) {}
      }
    }
  }

  /** Stops holding: the queued events are delivered in a task (after the code awaiting `init`). */
  release() {
    setTimeout(() => {
      this.held = false;
      const queued = this.queue;
      this.queue = [];
      for (const [event, payload] of queued) this.emit(event, payload);
    }, 0);
  }
}
