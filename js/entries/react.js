// pathwise/react — React 18 and 19 bindings over the public API (docs/react.md). React renders
// the variant; Pathwise only decides: the instance is started with `autoApply: false`, so it
// never touches a node React owns.
//
// Rendering never records anything: a component reads the decision already shown in this page
// view, or `peek()`s it. The exposure is recorded after commit, by `decide()` in an effect, so a
// server render (no effects) or a render React throws away records nothing, and StrictMode's
// second effect run finds the slot already decided. The server snapshot is "not started", so the
// server and the hydrating client both render the defaults and hydration never mismatches.
//
// This file imports the package by its own name ("pathwise", external when bundled): an app's
// bundler dedupes it with the main entry, and it never depends on how the core is packaged.

import { Pathwise } from "pathwise";
import { createContext, createElement, Fragment, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";

const fallback = (slot) => ({ slot, variant: "default", rule: null, control: false, reason: "no_rule" });
const same = (a, b) => a && a.variant == b.variant && a.rule == b.rule && a.reason == b.reason && a.control == b.control && String(a.steps) == String(b.steps);

/**
 * What the hooks share: the instance once started (`pw`), a version `v` that changes whenever
 * what they render may have changed (0 = not started: every slot has its default), the
 * decisions shown in this page view, and the calls made before the instance was there.
 */
class Store {
  constructor(client) {
    this.v = 0;
    this.l = new Set();
    this.d = new Map();
    this.q = [];
    // An instance given ready renders its decisions in the first client render.
    if (client instanceof Pathwise) (this.pw = client), (this.v = 1);
  }

  sub = (f) => (this.l.add(f), () => this.l.delete(f));
  get = () => this.v;

  bump() {
    this.v++;
    for (const f of this.l) f();
  }

  /** Starts following `pw` (once). */
  attach(pw) {
    if (this.on) return;
    this.on = 1;
    this.pw = pw;
    if (pw) {
      pw.on("decision", (d) => {
        this.d.set(d.slot, d);
        this.bump();
      });
      pw.on("ready", () => this.bump());
    }
    for (const f of this.q.splice(0)) this.run(f);
    this.bump();
  }

  /** `f(pw)` now, or once the instance is there. */
  run(f) {
    if (!this.on) this.q.push(f);
    else if (this.pw) f(this.pw);
  }
}

const Context = createContext(null);

/**
 * Starts Pathwise (`options`, with `autoApply: false`) or uses `client` (an instance, or a
 * promise of one) for the components under it.
 */
export function PathwiseProvider({ options, client, children }) {
  const [store] = useState(() => new Store(client));
  useEffect(() => {
    if (store.started) return;
    store.started = 1;
    Promise.resolve(client ?? Pathwise.init({ ...options, autoApply: false })).then(
      (pw) => store.attach(pw),
      (e) => {
        console.error("pathwise:", e && e.code, e);
        store.attach(null);
      },
    );
  }, []);
  return createElement(Context.Provider, { value: store }, children);
}

function useStore() {
  const store = useContext(Context);
  if (!store) throw Error("pathwise/react: wrap the app in <PathwiseProvider>");
  return store;
}

/** The decision to render for `slot`: the one shown in this page view, or a peek (records nothing). */
function useDecision(slot) {
  const store = useStore();
  const v = useSyncExternalStore(store.sub, store.get, () => 0);
  const decision = useMemo(() => {
    if (!v || !store.pw) return fallback(slot);
    try {
      return store.d.get(slot) ?? store.pw.peek(slot);
    } catch (e) {
      return fallback(slot);
    }
  }, [store, v, slot]);
  return [store, v > 0, decision];
}

/** After commit: `decide()` records the render and the exposure of what was rendered (once). */
function useShown(store, ready, decision, shown) {
  useEffect(() => {
    if (!ready || !shown || !store.pw) return;
    try {
      const d = store.pw.decide(decision.slot);
      if (!same(store.d.get(d.slot), d)) {
        store.d.set(d.slot, d);
        store.bump();
      }
    } catch (e) {}
  }, [store, ready, shown, decision]);
}

/** `{variant, decision, ready}` for `slot`; the exposure is recorded once it is rendered. */
export function useSlot(slot) {
  const [store, ready, decision] = useDecision(slot);
  useShown(store, ready, decision, true);
  return { variant: decision.variant, decision, ready };
}

/** The steps of path slot `slot` (`fallbackSteps`, default `[]`, until decided). */
export function usePath(slot, fallbackSteps = []) {
  return useSlot(slot).decision.steps ?? fallbackSteps;
}

/** The step after `step` in path slot `slot`, or `null`. */
export function useNext(slot, step) {
  const steps = usePath(slot);
  const at = steps.indexOf(step);
  return at < 0 ? null : steps[at + 1] ?? null;
}

/** `track(event)`, held until the instance is there. */
export function useTrack() {
  const store = useStore();
  return useCallback((event) => store.run((pw) => pw.track(event)), [store]);
}

/** `set(name, value)`, held until the instance is there. */
export function useSet() {
  const store = useStore();
  return useCallback((name, value) => store.run((pw) => pw.set(name, value)), [store]);
}

/** The instance (for `explain`, `override`, `on`, …), or `null` before it started. */
export function usePathwise() {
  const store = useStore();
  return useSyncExternalStore(store.sub, () => (store.v ? store.pw ?? null : null), () => null);
}

/**
 * Renders `variants[variant]` when the slot's decision shows a variant given here, else
 * `children` (the default, also for a control or holdout). A variant not given here is not
 * rendered, so not recorded as shown.
 */
export function Slot({ id, variants, children }) {
  const [store, ready, decision] = useDecision(id);
  const chosen = decision.reason == "matched" || decision.reason == "override";
  const element = chosen && variants && Object.hasOwn(variants, decision.variant) ? variants[decision.variant] : undefined;
  useShown(store, ready, decision, !chosen || element !== undefined);
  return createElement(Fragment, null, element === undefined ? children : element);
}
