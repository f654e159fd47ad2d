// pathwise/openfeature — a provider for the OpenFeature web SDK (docs/openfeature.md): a slot is
// a flag, its variant id the flag's value and variant. Built on the public API; the SDK and the
// package itself are imported by name (external when bundled).

import { Pathwise } from "pathwise";
import { OpenFeatureEventEmitter } from "@openfeature/web-sdk";

const REASONS = { control: "SPLIT", holdout: "SPLIT", no_rule: "DEFAULT", override: "STATIC" };
const key = (d) => `${d.variant} ${d.rule} ${d.control} ${d.reason} ${d.steps}`;
const error = (value, errorCode, errorMessage) => ({ value, reason: "ERROR", errorCode, errorMessage });

export class PathwiseProvider {
  metadata = { name: "Pathwise" };
  runsOn = "client";
  events = new OpenFeatureEventEmitter();
  // Slot → the decision the app was last given, to tell a change from a first decision.
  #seen = new Map();
  #start;
  #pw;
  #version;
  #off = [];

  /**
   * `{ client }`: an instance (or a promise of one) the page started; or `{ options }`: the
   * provider starts one with `Pathwise.init(options)`.
   */
  constructor({ client, options } = {}) {
    this.#start = client ? () => client : () => Pathwise.init(options);
  }

  async initialize() {
    const pw = await this.#start();
    this.#version = pw.bundleVersion;
    this.#off = [
      pw.on("decision", (d) => {
        const before = this.#seen.get(d.slot);
        this.#seen.set(d.slot, key(d));
        if (before != null && before != key(d)) this.#changed([d.slot]);
        this.#check();
      }),
      pw.on("ready", () => this.#check()),
    ];
    this.#pw = pw;
  }

  async onClose() {
    for (const off of this.#off) off();
    this.#pw = null;
  }

  #changed(flagsChanged) {
    this.events.emit("PROVIDER_CONFIGURATION_CHANGED", { flagsChanged });
  }

  /** A new bundle in use: every flag may have changed. */
  #check() {
    const version = this.#pw?.bundleVersion;
    if (version !== undefined && version != this.#version) {
      this.#version = version;
      this.#changed([]);
    }
  }

  /** The decision for `slot` as resolution details, the value made by `value(d)`. */
  #resolve(slot, fallback, value) {
    const pw = this.#pw;
    if (!pw) return error(fallback, "PROVIDER_NOT_READY", "Pathwise has not started");
    this.#check();
    let d;
    try {
      d = pw.decide(slot);
    } catch (e) {
      return error(fallback, e.code == "unknown_slot" ? "FLAG_NOT_FOUND" : "GENERAL", e.message);
    }
    // Without a bundle every slot keeps its default: the caller's.
    if (pw.bundleVersion == null) return { value: fallback, reason: "DEFAULT" };
    this.#seen.set(slot, key(d));
    const v = value(d);
    if (v === undefined) return error(fallback, "TYPE_MISMATCH", `slot ${slot} is a string (variant id), boolean (a variant shown) or object (its decision) flag`);
    const flagMetadata = { control: d.control, reason: d.reason, bundleVersion: pw.bundleVersion };
    if (d.rule != null) flagMetadata.rule = d.rule;
    return { value: v, variant: d.variant, reason: REASONS[d.reason] ?? (d.split ? "SPLIT" : "TARGETING_MATCH"), flagMetadata };
  }

  resolveStringEvaluation(slot, fallback) {
    return this.#resolve(slot, fallback, (d) => d.variant);
  }

  resolveBooleanEvaluation(slot, fallback) {
    return this.#resolve(slot, fallback, (d) => d.reason == "matched" || (d.reason == "override" && d.variant != "default"));
  }

  resolveNumberEvaluation(slot, fallback) {
    return this.#resolve(slot, fallback, () => {});
  }

  resolveObjectEvaluation(slot, fallback) {
    return this.#resolve(slot, fallback, (d) => ({ ...d }));
  }

  /** `track(name)` on the instance: a declared event (a goal converts). */
  track(name) {
    this.#pw?.track(name);
  }
}
