// Type declarations for `pathwise/analytics` (docs/analytics.md): exposures and conversions into
// the site's own analytics.

import type { Pathwise, ReportEvent } from "./index.js";

export interface ForwardOptions {
  /**
   * Forward nothing from a browser that sends Global Privacy Control (default true), as
   * Pathwise's own reporting does.
   */
  respectGlobalPrivacyControl?: boolean;
}

/** Calls `send` for each `exposure` and `conversion` event; returns the function that stops it. */
export declare function forward(pw: Pathwise, send: (event: ReportEvent) => void, options?: ForwardOptions): () => void;
/** Plausible custom events `Pathwise exposure` / `Pathwise conversion`, the fields as props. */
export declare function toPlausible(pw: Pathwise, options?: ForwardOptions): () => void;
/** Matomo events: category `Pathwise`, action the type, name `rule:variant` (`rule:goal`). */
export declare function toMatomo(pw: Pathwise, options?: ForwardOptions): () => void;
/** GA4 `experience_impression` (`exp_variant_string` = `pathwise-RULE-VARIANT`) and `pathwise_conversion`. */
export declare function toGA4(pw: Pathwise, options?: ForwardOptions): () => void;
