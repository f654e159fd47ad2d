//! The beacon payload: the only thing Pathwise ever sends.
//!
//! ```json
//! {
//!   "schema": 1,
//!   "site": "acme.example",
//!   "bundle": 1767225600,
//!   "batch": "0f3c9a1e5b7d42c68e1f2a3b4c5d6e7f",
//!   "dropped": 0,
//!   "events": [
//!     { "type": "exposure", "rule": "hero-returning", "variant": "welcome-back", "slot": "hero",
//!       "control": false, "minute": 29454720 },
//!     { "type": "conversion", "rule": "hero-returning", "variant": "welcome-back", "slot": "hero",
//!       "control": false, "goal": "report_created", "minute": 29454723 }
//!   ]
//! }
//! ```
//!
//! - `batch` is 128 random bits in hex, new for every batch, so a collector can drop a batch it
//!   already stored when a retry delivers it twice. It identifies the batch, not the device.
//! - `minute` is Unix time in whole minutes, rounded down: fine enough for a report, too coarse to
//!   link events across sites by timing.
//! - `dropped` counts events this device discarded because its outbound queue was full while the
//!   collector was unreachable, so a report can say how much it is missing.
//! - `goal` is present on conversions only: the goal event (a name from the bundle) that converted.
//!
//! Nothing else is ever added: no install id, no signal names or values, no URL, no user agent.
//! [`Batch::validate`] is what a collector runs on what it receives.

use crate::prelude::*;
use thiserror::Error;

use crate::bundle::limits::MAX_ID_BYTES;
use crate::json::read::{variant, Result as ReadResult};
use crate::json::{FromJson, Json, Object, ToJson, Writer};

/// The payload format version.
pub const PAYLOAD_SCHEMA: u32 = 1;
/// Every serialized batch is smaller than this (sendBeacon's limits start at 64 KiB).
pub const MAX_BATCH_BYTES: usize = 60_000;
/// Most events a collector accepts in one batch (a 60 KB batch holds far fewer).
pub const MAX_EVENTS_PER_BATCH: usize = 1_000;

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(rename_all = "snake_case"))]
pub enum EventType {
    /// A variant (or the control's default) was rendered.
    Exposure,
    /// A goal event was tracked after an exposure.
    Conversion,
}

/// One reported event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
// A conversion has a goal, an exposure has none (what `Batch::validate` checks).
#[cfg_attr(
    feature = "schema",
    schemars(extend(
        "if" = { "properties": { "type": { "const": "conversion" } } },
        "then" = { "required": ["goal"] },
        "else" = { "not": { "required": ["goal"] } }
    ))
)]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct ReportEvent {
    /// Exposure or conversion.
    #[cfg_attr(feature = "schema", serde(rename = "type"))]
    pub kind: EventType,
    /// The rule id.
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))
    )]
    pub rule: String,
    /// The variant shown (the slot's default id for a control).
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))
    )]
    pub variant: String,
    /// The slot id.
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))
    )]
    pub slot: String,
    /// Whether the device was in the rule's control group or the global holdout.
    pub control: bool,
    /// For conversions: the goal event.
    #[cfg_attr(
        feature = "schema",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^[A-Za-z0-9_.-]{1,64}$"))
    )]
    pub goal: Option<String>,
    /// Unix minutes, rounded down.
    #[cfg_attr(feature = "schema", schemars(range(min = 0)))]
    pub minute: i64,
}

/// One beacon body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", serde(deny_unknown_fields))]
pub struct Batch {
    /// Always [`PAYLOAD_SCHEMA`].
    #[cfg_attr(feature = "schema", schemars(extend("const" = 1)))]
    pub schema: u32,
    /// The site (from the bundle).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 253)))]
    pub site: String,
    /// The bundle version the events were decided under.
    pub bundle: u64,
    /// 32 lowercase hex digits, random per batch.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[0-9a-f]{32}$")))]
    pub batch: String,
    /// Events this device dropped from a full queue since its last delivered batch.
    #[cfg_attr(feature = "schema", serde(default))]
    pub dropped: u64,
    /// The events.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 1000)))]
    pub events: Vec<ReportEvent>,
}

/// Why a received batch is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PayloadError {
    /// Larger than [`MAX_BATCH_BYTES`].
    #[error("batch is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Not JSON of the payload's shape.
    #[error("batch is not a valid payload: {0}")]
    Malformed(String),
    /// A field has an impossible value.
    #[error("batch field {field} is invalid: {reason}")]
    Invalid {
        /// Which field (`events[3].rule`).
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl Batch {
    /// Parses and validates a received body. This is the collector's gate: anything it refuses is
    /// answered 400 and never stored.
    pub fn parse(body: &[u8]) -> Result<Batch, PayloadError> {
        if body.len() > MAX_BATCH_BYTES {
            return Err(PayloadError::TooLarge {
                size: body.len(),
                limit: MAX_BATCH_BYTES,
            });
        }
        crate::bundle::parse::check_caps(body, MAX_BATCH_BYTES)
            .map_err(|e| PayloadError::Malformed(e.to_string()))?;
        let batch: Batch =
            crate::json::from_slice(body).map_err(|e| PayloadError::Malformed(e.to_string()))?;
        batch.validate()?;
        Ok(batch)
    }

    /// Checks the values the JSON shape cannot: schema, id shapes, lengths, counts.
    pub fn validate(&self) -> Result<(), PayloadError> {
        let invalid = |field: String, reason: &str| PayloadError::Invalid {
            field,
            reason: reason.to_owned(),
        };
        if self.schema != PAYLOAD_SCHEMA {
            return Err(invalid(
                "schema".into(),
                "unsupported payload schema (expected 1)",
            ));
        }
        if self.site.is_empty() || self.site.len() > 253 {
            return Err(invalid("site".into(), "must be 1–253 bytes"));
        }
        if self.batch.len() != 32
            || !self
                .batch
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(invalid("batch".into(), "must be 32 lowercase hex digits"));
        }
        if self.events.is_empty() || self.events.len() > MAX_EVENTS_PER_BATCH {
            return Err(invalid("events".into(), "must hold 1–1000 events"));
        }
        for (i, e) in self.events.iter().enumerate() {
            validate_event(i, e)?;
        }
        Ok(())
    }

    /// The compact JSON sent as the beacon body.
    pub fn to_json(&self) -> String {
        ToJson::to_json(self)
    }
}

impl EventType {
    /// The type as JSON writes it (`exposure`, `conversion`).
    pub fn name(self) -> &'static str {
        match self {
            EventType::Exposure => "exposure",
            EventType::Conversion => "conversion",
        }
    }
}

impl FromJson for ReportEvent {
    fn from_json(json: &Json<'_>) -> ReadResult<Self> {
        let o = Object::strict(
            json,
            "struct ReportEvent",
            &[
                "type", "rule", "variant", "slot", "control", "goal", "minute",
            ],
        )?;
        let kind = variant(o.need("type")?, &["exposure", "conversion"])?;
        Ok(ReportEvent {
            kind: if kind == 0 {
                EventType::Exposure
            } else {
                EventType::Conversion
            },
            rule: o.req("rule")?,
            variant: o.req("variant")?,
            slot: o.req("slot")?,
            control: o.req("control")?,
            goal: o.opt("goal")?,
            minute: o.req("minute")?,
        })
    }
}

impl ToJson for ReportEvent {
    fn write_json(&self, w: &mut Writer) {
        w.open_object();
        w.key("type");
        w.string(self.kind.name());
        w.key("rule");
        w.string(&self.rule);
        w.key("variant");
        w.string(&self.variant);
        w.key("slot");
        w.string(&self.slot);
        w.key("control");
        w.bool(self.control);
        if let Some(goal) = &self.goal {
            w.key("goal");
            w.string(goal);
        }
        w.key("minute");
        w.int(self.minute);
        w.close_object();
    }
}

impl FromJson for Batch {
    fn from_json(json: &Json<'_>) -> ReadResult<Self> {
        let o = Object::strict(
            json,
            "struct Batch",
            &["schema", "site", "bundle", "batch", "dropped", "events"],
        )?;
        Ok(Batch {
            schema: o.req("schema")?,
            site: o.req("site")?,
            bundle: o.req("bundle")?,
            batch: o.req("batch")?,
            dropped: o.or_default("dropped")?,
            events: o.req("events")?,
        })
    }
}

impl ToJson for Batch {
    fn write_json(&self, w: &mut Writer) {
        write_batch(
            w,
            self.schema,
            &self.site,
            self.bundle,
            &self.batch,
            self.dropped,
            &self.events,
        );
    }
}

/// A batch body in the payload's field order.
pub(super) fn write_batch(
    w: &mut Writer,
    schema: u32,
    site: &str,
    bundle: u64,
    batch: &str,
    dropped: u64,
    events: &[ReportEvent],
) {
    w.open_object();
    w.key("schema");
    w.uint(schema.into());
    w.key("site");
    w.string(site);
    w.key("bundle");
    w.uint(bundle);
    w.key("batch");
    w.string(batch);
    w.key("dropped");
    w.uint(dropped);
    w.key("events");
    w.open_array();
    for e in events {
        e.write_json(w);
    }
    w.close_array();
    w.close_object();
}

/// Checks event `i` of a batch exactly as [`Batch::validate`] does (the outbox checks each event
/// this way before queueing it).
pub(crate) fn validate_event(i: usize, e: &ReportEvent) -> Result<(), PayloadError> {
    match event_problem(e) {
        None => Ok(()),
        // One message builder for every field (less module code than one per check).
        Some((name, reason)) => Err(PayloadError::Invalid {
            field: format!("events[{i}].{name}"),
            reason: reason.to_owned(),
        }),
    }
}

/// The first field of `e` the collector would refuse, and why.
pub(crate) fn event_problem(e: &ReportEvent) -> Option<(&'static str, &'static str)> {
    const NOT_AN_ID: &str = "must be a bundle id (1–64 of A–Z a–z 0–9 _ . -)";
    if !is_id(&e.rule) {
        return Some(("rule", NOT_AN_ID));
    }
    if !is_id(&e.variant) {
        return Some(("variant", NOT_AN_ID));
    }
    if !is_id(&e.slot) {
        return Some(("slot", NOT_AN_ID));
    }
    match (e.kind, &e.goal) {
        (EventType::Exposure, None) => {}
        (EventType::Conversion, Some(goal)) if is_id(goal) => {}
        (EventType::Exposure, Some(_)) => return Some(("goal", "exposures carry no goal")),
        (EventType::Conversion, _) => return Some(("goal", "conversions need a goal id")),
    }
    if e.minute < 0 {
        return Some(("minute", "must be Unix minutes (>= 0)"));
    }
    None
}

/// Unix seconds → Unix minutes, rounded down.
pub fn minute_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(60)
}

pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_BYTES
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(events: &str) -> String {
        format!(
            r#"{{"schema":1,"site":"acme.example","bundle":7,"batch":"0123456789abcdef0123456789abcdef","events":[{events}]}}"#
        )
    }

    const EXPOSURE: &str =
        r#"{"type":"exposure","rule":"r","variant":"v","slot":"s","control":false,"minute":5}"#;

    #[test]
    fn accepts_a_well_formed_batch_and_round_trips() {
        let b = Batch::parse(body(EXPOSURE).as_bytes()).unwrap();
        assert_eq!(Batch::parse(b.to_json().as_bytes()).unwrap(), b);
        assert_eq!(b.dropped, 0);
    }

    #[test]
    fn refuses_anything_extra_or_malformed() {
        let cases = [
            body(
                r#"{"type":"exposure","rule":"r","variant":"v","slot":"s","control":false,"minute":5,"unit":"abc"}"#,
            ),
            body(
                r#"{"type":"conversion","rule":"r","variant":"v","slot":"s","control":false,"minute":5}"#,
            ),
            body(
                r#"{"type":"exposure","rule":"r s","variant":"v","slot":"s","control":false,"minute":5}"#,
            ),
            body(""),
            body(EXPOSURE).replace("0123456789abcdef0123456789abcdef", "not-hex"),
            body(EXPOSURE).replace(r#""schema":1"#, r#""schema":2"#),
            body(EXPOSURE).replace(r#""site""#, r#""url":"https://x","site""#),
            "garbage".to_owned(),
        ];
        for c in cases {
            assert!(Batch::parse(c.as_bytes()).is_err(), "accepted: {c}");
        }
        let big = body(&vec![EXPOSURE; 1000].join(","));
        assert!(matches!(
            Batch::parse(big.as_bytes()),
            Err(PayloadError::TooLarge { .. })
        ));
    }

    #[test]
    fn minutes_round_down() {
        assert_eq!(minute_of(119), 1);
        assert_eq!(minute_of(120), 2);
        assert_eq!(minute_of(-1), -1);
    }
}
