// `on(event, handler)` and the init-time event queue (src/web/events.rs). Inlined into
// pathwise.js by scripts/inline-snippets.mjs: top-level names are prefixed `pwEvents`.
//
// An emitter is `{h: [[event, handler], …], q: [[event, payload], …], held}`. It starts held:
// events raised during `init` would reach nobody (the page only gets the instance when `init`
// resolves), so they are queued and delivered in a task right after `init` resolves
// (`pwEventsRelease`), in order, to the handlers registered by then. A handler that throws does
// not stop the SDK or the other handlers.
const pwEventsNames = ["ready", "error", "warning", "decision", "exposure"];

export function pwEvents() {
  return { h: [], q: [], held: true };
}

// Subscribes `handler` to `event`; returns the unsubscribe function. An unknown event throws an
// `Error` coded `invalid_argument`.
export function pwEventsOn(emitter, event, handler) {
  if (!pwEventsNames.includes(event)) {
    const error = new Error(
      "unknown event " + JSON.stringify(event) + "; the events are " + pwEventsNames.join(", "),
    );
    error.code = "invalid_argument";
    throw error;
  }
  const entry = [event, handler];
  emitter.h.push(entry);
  return () => {
    emitter.h = emitter.h.filter((e) => e != entry);
  };
}

// Delivers `payload` to `event`'s handlers (those subscribed now), or queues it while held or
// while earlier events still wait.
export function pwEventsEmit(emitter, event, payload) {
  if (emitter.held || emitter.q.length) {
    emitter.q.push([event, payload]);
    return;
  }
  for (const [name, handler] of emitter.h.filter(([name]) => name == event)) {
    try {
      handler.call(undefined, payload);
    } catch (e) {}
  }
}

// Stops holding: the queued events are delivered in a task (after the code awaiting `init`).
export function pwEventsRelease(emitter) {
  setTimeout(() => {
    emitter.held = false;
    const queued = emitter.q;
    emitter.q = [];
    for (const [event, payload] of queued) pwEventsEmit(emitter, event, payload);
  }, 0);
}
