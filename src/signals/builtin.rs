//! Built-in signals: always available, never declared.
//!
//! Attributes come from the page and the clock at decision time (they are not stored); the two
//! built-in events are recorded by the browser runtime and stored like declared events. A bundle
//! may not declare a signal with one of these names.
//!
//! | name | shape | source |
//! |---|---|---|
//! | `page_path` | string | [`PageContext::path`](super::PageContext) |
//! | `referrer_domain` | string | the referrer's host, when it is another site |
//! | `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content` | string | the landing URL's query |
//! | `device` | string | `mobile`, `tablet` or `desktop` |
//! | `language` | string | the browser's first language tag, e.g. `en-US` |
//! | `hour` | number | local hour 0–23 |
//! | `weekday` | number | local weekday, 0 = Monday … 6 = Sunday |
//! | `visits` | number | lifetime count of the `visit` event |
//! | `visit` | event | one per browsing session (30 minutes of inactivity ends a session) |
//! | `page_view` | event | one per page view, SPA navigations included |

use crate::value::ValueKind;

/// Built-in attribute names and the shape of their values.
pub const ATTRIBUTES: &[(&str, ValueKind)] = &[
    ("page_path", ValueKind::String),
    ("referrer_domain", ValueKind::String),
    ("utm_source", ValueKind::String),
    ("utm_medium", ValueKind::String),
    ("utm_campaign", ValueKind::String),
    ("utm_term", ValueKind::String),
    ("utm_content", ValueKind::String),
    ("device", ValueKind::String),
    ("language", ValueKind::String),
    ("hour", ValueKind::Number),
    ("weekday", ValueKind::Number),
    ("visits", ValueKind::Number),
];

/// The built-in event recorded once per browsing session.
pub const VISIT: &str = "visit";
/// The built-in event recorded on every page view.
pub const PAGE_VIEW: &str = "page_view";
/// Built-in event names.
pub const EVENTS: &[&str] = &[VISIT, PAGE_VIEW];
/// Days of per-day counts kept for the built-in events.
pub const EVENT_WINDOW_DAYS: u32 = 90;
/// Time to live of the built-in events, in days.
pub const EVENT_TTL_DAYS: u32 = 400;

/// The shape of a built-in attribute, if `name` is one.
pub fn attribute_kind(name: &str) -> Option<ValueKind> {
    ATTRIBUTES.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// Whether `name` is a built-in event.
pub fn is_event(name: &str) -> bool {
    EVENTS.contains(&name)
}

/// Whether `name` is reserved for a built-in (attribute or event).
pub fn is_reserved(name: &str) -> bool {
    attribute_kind(name).is_some() || is_event(name)
}
