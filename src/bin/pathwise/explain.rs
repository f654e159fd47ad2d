//! `pathwise explain BUNDLE --scenario FILE`: what a device would be shown, and why.

use std::path::PathBuf;

use pathwise::engine::{Explanation, Outcome, Reason};
use pathwise::envelope::{Policy, MAX_ENVELOPE_BYTES};
use pathwise::json::ToJson;
use pathwise::scenario::Scenario;
use pathwise::signals::PageContext;
use pathwise::time::Timestamp;

use crate::common::{
    check_bundle, emit, format_time, is_envelope, load_public_keys, note, now_or_system,
    parse_bundle_file, parse_time, problems, read_input, unverified_payload, verified_payload,
};
use crate::failure::{Exit, Failure};

const AFTER_HELP: &str = "\
The signals file (--scenario) describes one device as JSON, the same form the golden tests use:
  {\"unit\": \"device-1\", \"now\": \"2026-03-10T12:00:00Z\", \"utc_offset_minutes\": 60,
   \"page\": {\"path\": \"/pricing\"},
   \"actions\": [{\"at\": \"2026-03-10T11:59:00Z\", \"set\": {\"role\": \"admin\"}},
               {\"at\": \"2026-03-09T10:00:00Z\", \"track\": \"pricing_viewed\", \"count\": 2}],
   \"renders\": {\"hero-returning\": [\"2026-03-09T10:00:00Z\"]}}
The actions are replayed through the real signal store (undeclared signals are refused, TTLs
apply), then each slot is decided by the same engine the browser runs, without recording a
render. --unit, --now, --utc-offset and --page override the file; without --scenario the device
has no history and --unit is required.

Output: per slot `slot -> variant (rule R, reason)`, then one line per candidate rule in the order
tried, with its outcome. --json prints {\"slot\": explanation, ...} instead.

A signed envelope is verified first with --key and --site (as `pathwise verify`, at the decision
time); --unverified explains its payload without any check and must be asked for explicitly.

Exit codes: 0 ok, 1 invalid bundle, 2 usage (an envelope without --key/--site or --unverified),
3 I/O, 4-8 envelope verification failed (as verify), 9 scenario error or unknown --slot.";

/// Arguments of `pathwise explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct ExplainArgs {
    /// The bundle JSON, or a signed envelope (then --key and --site, or --unverified).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// The signals file: one device's unit, clock, page, past actions and renders (JSON).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Explain only this slot. Repeat for several; default: every slot in bundle order.
    #[arg(long = "slot", value_name = "ID")]
    pub slots: Vec<String>,
    /// The device's anonymous unit id (bucketing), overriding the scenario's.
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,
    /// The decision time (Unix seconds or RFC 3339), overriding the scenario's; default without
    /// a scenario: now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<Timestamp>,
    /// The device's UTC offset in minutes (UTC+1 is 60), overriding the scenario's.
    #[arg(long, value_name = "MINUTES", allow_hyphen_values = true)]
    pub utc_offset: Option<i32>,
    /// The page path (`/pricing`), overriding the scenario's.
    #[arg(long, value_name = "PATH")]
    pub page: Option<String>,
    /// Print the explanations as one JSON object keyed by slot id.
    #[arg(long)]
    pub json: bool,
    /// For an envelope: a pinned public key (`ed25519:...` or a file). Repeat to pin several.
    #[arg(long = "key", value_name = "KEY", requires = "site")]
    pub keys: Vec<String>,
    /// For an envelope: the site the SDK is initialised for.
    #[arg(long, value_name = "SITE", requires = "keys")]
    pub site: Option<String>,
    /// For an envelope: how many distinct pinned keys must have signed.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threshold: usize,
    /// For an envelope: explain its payload WITHOUT checking signature, site or expiry.
    #[arg(long, conflicts_with = "keys")]
    pub unverified: bool,
}

/// The scenario after applying the command-line overrides.
fn load_scenario(args: &ExplainArgs) -> Result<Scenario, Failure> {
    let mut scenario = match &args.scenario {
        Some(path) => {
            let bytes = read_input(path, "signals file")?;
            // The SDK's own reader: the browser's devtools build reads scenarios the same way.
            pathwise::json::from_slice::<Scenario>(&bytes).map_err(|e| {
                Failure::new(
                    Exit::Scenario,
                    format!("signals file {}: {e}", path.display()),
                )
            })?
        }
        None => {
            let unit = args.unit.clone().ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    "give a signals file with --scenario, or at least --unit for a device without history",
                )
            })?;
            Scenario {
                unit,
                now: now_or_system(args.now)?,
                utc_offset_minutes: 0,
                page: PageContext::default(),
                actions: Vec::new(),
                renders: Default::default(),
            }
        }
    };
    if let Some(unit) = &args.unit {
        scenario.unit.clone_from(unit);
    }
    if let Some(now) = args.now {
        scenario.now = now;
    }
    if let Some(offset) = args.utc_offset {
        scenario.utc_offset_minutes = offset;
    }
    if let Some(page) = &args.page {
        scenario.page.path.clone_from(page);
    }
    Ok(scenario)
}

/// The bundle bytes: a plain bundle as is, an envelope verified (or, if asked, not).
fn bundle_bytes(args: &ExplainArgs, now: Timestamp) -> Result<Vec<u8>, Failure> {
    let bytes = read_input(&args.bundle, "bundle")?;
    let source = args.bundle.display();
    if !is_envelope(&bytes) {
        if !args.keys.is_empty() || args.unverified {
            note(&format!(
                "note: {source} is a plain bundle, not an envelope; --key/--site/--unverified do not apply"
            ));
        }
        return Ok(bytes);
    }
    if args.unverified {
        note(&format!(
            "warning: explaining the payload of {source} WITHOUT verifying it (--unverified)"
        ));
        return unverified_payload(&bytes);
    }
    let Some(site) = &args.site else {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{source} is a signed envelope: pass --key and --site to verify it first, or --unverified to explain its payload without any check"
            ),
        ));
    };
    let keys = load_public_keys(&args.keys)?;
    let policy = Policy {
        site,
        keys: &keys,
        threshold: args.threshold,
        max_bytes: MAX_ENVELOPE_BYTES,
        now,
        accepted_version: None,
    };
    let (_, payload) = verified_payload(&bytes, &policy)?;
    Ok(payload)
}

/// `matched`, `control group`, ...: the decision's reason in words.
fn reason_text(reason: Reason) -> &'static str {
    match reason {
        Reason::Matched => "matched",
        Reason::Control => "control group: default shown and measured",
        Reason::Holdout => "global holdout: default shown and measured",
        Reason::NoRule => "no rule applied",
    }
}

/// One candidate's outcome in words.
fn outcome_text(outcome: &Outcome<'_>, page: &str) -> String {
    match outcome {
        Outcome::Won => "won".to_owned(),
        Outcome::OutsideSchedule { start, end } => {
            let mut parts = Vec::new();
            if let Some(start) = start {
                parts.push(format!("starts {}", format_time(Timestamp(*start))));
            }
            if let Some(end) = end {
                parts.push(format!("ends {}", format_time(Timestamp(*end))));
            }
            format!("outside schedule ({})", parts.join(", "))
        }
        Outcome::PageNotMatched { pages } => {
            format!("page {page} matches none of {}", pages.join(", "))
        }
        Outcome::EventNotSeen { event, within_days } => match within_days {
            Some(days) => format!("event {event} not seen in the last {days} day(s)"),
            None => format!("event {event} never seen"),
        },
        Outcome::NotInAudience { audience } => match audience {
            Some(id) => format!("not in audience {id}"),
            None => "not in its inline audience".to_owned(),
        },
        Outcome::Capped {
            renders,
            max,
            per_days,
        } => match per_days {
            Some(days) => {
                format!("capped: {renders} render(s), at most {max} in {days} day(s)")
            }
            None => format!("capped: {renders} render(s), at most {max} ever"),
        },
        Outcome::OtherLayerRule { layer } => {
            format!("another rule of layer {layer} owns this device")
        }
        Outcome::OutsideRollout { bucket, rollout_bp } => format!(
            "outside rollout: bucket {bucket} is not below {rollout_bp} (rollout {}.{:02} %)",
            rollout_bp / 100,
            rollout_bp % 100
        ),
        Outcome::LostOnPriority { winner } => format!("lost on priority to {winner}"),
    }
}

/// The human-readable form of one slot's explanation.
fn render(explanation: &Explanation<'_>, page: &str) -> String {
    let decision = &explanation.decision;
    let mut out = match decision.rule {
        Some(rule) => format!(
            "{} → {} (rule {rule}, {})\n",
            decision.slot,
            decision.variant,
            reason_text(decision.reason)
        ),
        None => format!(
            "{} → {} ({})\n",
            decision.slot,
            decision.variant,
            reason_text(decision.reason)
        ),
    };
    if let Some(steps) = decision.steps {
        out.push_str(&format!("  steps: {}\n", steps.join(" → ")));
    }
    for replacement in decision.text {
        out.push_str(&format!(
            "  text: {} = {:?}\n",
            replacement.selector, replacement.text
        ));
    }
    let width = explanation
        .candidates
        .iter()
        .map(|c| c.rule.chars().count())
        .max()
        .unwrap_or(0);
    for candidate in &explanation.candidates {
        out.push_str(&format!(
            "  {:<width$}  {}\n",
            candidate.rule,
            outcome_text(&candidate.outcome, page)
        ));
    }
    out
}

/// Runs `pathwise explain`.
pub fn run(args: &ExplainArgs) -> Result<(), Failure> {
    let scenario = load_scenario(args)?;
    let bytes = bundle_bytes(args, scenario.now)?;
    let source = args.bundle.display().to_string();
    let bundle = parse_bundle_file(&bytes, &source)?;
    let engine = check_bundle(&bundle)
        .map_err(|errors| Failure::new(Exit::Invalid, problems(&source, &errors)))?;
    let replayed = scenario
        .replay(engine.declarations())
        .map_err(|e| Failure::new(Exit::Scenario, format!("signals file: {e}")))?;
    let ctx = replayed.context();
    let page = if scenario.page.path.is_empty() {
        "(none)"
    } else {
        scenario.page.path.as_str()
    };
    let slots: Vec<&str> = if args.slots.is_empty() {
        engine.slot_ids().collect()
    } else {
        args.slots.iter().map(String::as_str).collect()
    };
    let mut explanations = Vec::with_capacity(slots.len());
    for slot in slots {
        let explanation = engine
            .explain(slot, &ctx, &replayed.history)
            .map_err(|e| Failure::new(Exit::Scenario, format!("--slot: {e}")))?;
        explanations.push(explanation);
    }

    if args.json {
        let mut object = serde_json::Map::new();
        for explanation in &explanations {
            // Written by the SDK's own writer (what the browser hands to JavaScript), then
            // pretty-printed.
            let value: serde_json::Value =
                serde_json::from_str(&explanation.to_json()).map_err(|e| {
                    Failure::new(Exit::Io, format!("cannot render the explanation: {e}"))
                })?;
            object.insert(explanation.decision.slot.to_owned(), value);
        }
        let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(object))
            .map_err(|e| Failure::new(Exit::Io, format!("cannot render the explanation: {e}")))?;
        text.push('\n');
        return emit(&text);
    }
    let mut out = format!(
        "device {:?} at {}, UTC offset {:+} min, page {page}\n",
        scenario.unit,
        format_time(scenario.now),
        scenario.utc_offset_minutes,
    );
    for explanation in &explanations {
        out.push_str(&render(explanation, page));
    }
    emit(&out)
}
