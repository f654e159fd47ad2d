//! What a condition reads: the store, the current page and the clock.

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::json::{FromJson, Json, Object, ShapeError};

use super::{days, Signals};
use crate::time::Clock;
use crate::value::Value;

/// The page the device is on, as the browser adapter (or a test, or the CLI) reports it.
/// Every field is optional in JSON; a missing one makes conditions on it non-matches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageContext {
    /// The URL path, without query or fragment (`/pricing`).
    pub path: String,
    /// The referrer's host, when the visitor came from another site.
    pub referrer_domain: Option<String>,
    /// `utm_source` of the landing URL.
    pub utm_source: Option<String>,
    /// `utm_medium` of the landing URL.
    pub utm_medium: Option<String>,
    /// `utm_campaign` of the landing URL.
    pub utm_campaign: Option<String>,
    /// `utm_term` of the landing URL.
    pub utm_term: Option<String>,
    /// `utm_content` of the landing URL.
    pub utm_content: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    pub device: Option<String>,
    /// The browser's first language tag.
    pub language: Option<String>,
}

impl FromJson for PageContext {
    fn from_json(json: &Json<'_>) -> Result<Self, ShapeError> {
        let o = Object::strict(
            json,
            "struct PageContext",
            &[
                "path",
                "referrer_domain",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "utm_term",
                "utm_content",
                "device",
                "language",
            ],
        )?;
        Ok(PageContext {
            path: o.or_default("path")?,
            referrer_domain: o.opt("referrer_domain")?,
            utm_source: o.opt("utm_source")?,
            utm_medium: o.opt("utm_medium")?,
            utm_campaign: o.opt("utm_campaign")?,
            utm_term: o.opt("utm_term")?,
            utm_content: o.opt("utm_content")?,
            device: o.opt("device")?,
            language: o.opt("language")?,
        })
    }
}

/// Everything a condition may read.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The stored signals.
    pub signals: &'a Signals,
    /// The current page.
    pub page: &'a PageContext,
    /// The clock.
    pub clock: &'a Clock,
}

impl<'a> EvalContext<'a> {
    /// The value of signal `name` as a condition sees it, or `None` when it is missing.
    ///
    /// Built-in attributes (see [`super::builtin`]) come first and are computed now:
    /// `page_path` from [`PageContext::path`], `referrer_domain`, `utm_*`, `device` and
    /// `language` from the other page fields, `hour` and `weekday` from the clock's local time,
    /// `visits` from the store. An empty string (an empty path, a `utm_source=` without value)
    /// counts as missing, because "no value" should not match `ne "google"` or `matches "*"`.
    /// Any other name is looked up among the stored attributes (borrowed, not copied).
    pub fn lookup(&self, name: &str) -> Option<Cow<'a, Value>> {
        let text = |s: &str| (!s.is_empty()).then(|| Cow::Owned(Value::String(s.to_owned())));
        let optional = |s: &Option<String>| s.as_deref().and_then(text);
        let page = self.page;
        match name {
            "page_path" => text(&page.path),
            "referrer_domain" => optional(&page.referrer_domain),
            "utm_source" => optional(&page.utm_source),
            "utm_medium" => optional(&page.utm_medium),
            "utm_campaign" => optional(&page.utm_campaign),
            "utm_term" => optional(&page.utm_term),
            "utm_content" => optional(&page.utm_content),
            "device" => optional(&page.device),
            "language" => optional(&page.language),
            "hour" => Some(Cow::Owned(Value::Number(f64::from(
                days::sane(self.clock).local_hour(),
            )))),
            "weekday" => Some(Cow::Owned(Value::Number(f64::from(
                days::sane(self.clock).local_weekday(),
            )))),
            // Counts are capped far below 2^53, so the conversion is exact.
            "visits" => Some(Cow::Owned(Value::Number(self.signals.visits() as f64))),
            _ => self.signals.attribute(name).map(Cow::Borrowed),
        }
    }
}
