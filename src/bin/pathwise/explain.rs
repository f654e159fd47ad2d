//! `pathwise explain BUNDLE --scenario FILE`: what a device would be shown, and why.

use std::path::{Path, PathBuf};

use serde_json::Value;

use pathwise::scenario::{Replayed, Scenario};
use pathwise::signals::{Declarations, PageContext};
use pathwise::time::Timestamp;

use crate::common::{
    emit, format_time, load_program, now_or_system, parse_time, read_input, TrustArgs,
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
render. A plain bundle is validated and compiled first, exactly as `pathwise sign` compiles it,
so the decision comes from the program a device would read. --unit, --now, --utc-offset and --page override the file; without --scenario the device
has no history and --unit is required.

Output: per slot `slot -> variant (rule R, reason)`, then one line per candidate rule in the order
tried, with its outcome. --json prints {\"slot\": explanation, ...} instead.

A signed envelope is verified first with --key and --site (as `pathwise verify`, at the decision
time); --unverified explains its program without any check and must be asked for explicitly.

--emit-storage FILE also writes the replayed device as the browser keeps it: a JSON object of
the localStorage entries `pathwise:v2:signals` and `pathwise:v2:history`, each snapshot stored as
a string of one character per byte, so a test can seed a real page with this exact device.

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
    /// Also write the replayed signals and render history to FILE as the page stores them: a
    /// JSON object of its localStorage entries (one character per byte).
    #[arg(long, value_name = "FILE")]
    pub emit_storage: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
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

/// A field of the explanation JSON as a string (empty when absent).
fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A field of the explanation JSON as an integer.
fn int(value: &Value, key: &str) -> Option<i64> {
    value.get(key).and_then(Value::as_i64)
}

/// A field of the explanation JSON as a list of strings.
fn texts<'v>(value: &'v Value, key: &str) -> Option<Vec<&'v str>> {
    value
        .get(key)?
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
}

/// `matched`, `control group`, ...: the decision's reason (its JSON name) in words.
fn reason_text(reason: &str) -> &str {
    match reason {
        "matched" => "matched",
        "control" => "control group: default shown and measured",
        "holdout" => "global holdout: default shown and measured",
        "no_rule" => "no rule applied",
        "override" => "preview override: never recorded or reported",
        other => other,
    }
}

/// One candidate's outcome in words, from its JSON (`{"rule","priority","outcome", …fields}`).
fn outcome_text(candidate: &Value, page: &str) -> String {
    match text(candidate, "outcome") {
        "won" => "won".to_owned(),
        "outside_schedule" => {
            let mut parts = Vec::new();
            if let Some(start) = int(candidate, "start") {
                parts.push(format!("starts {}", format_time(Timestamp(start))));
            }
            if let Some(end) = int(candidate, "end") {
                parts.push(format!("ends {}", format_time(Timestamp(end))));
            }
            format!("outside schedule ({})", parts.join(", "))
        }
        "page_not_matched" => format!(
            "page {page} matches none of {}",
            texts(candidate, "pages").unwrap_or_default().join(", ")
        ),
        "event_not_seen" => {
            let event = text(candidate, "event");
            match int(candidate, "within_days") {
                Some(days) => format!("event {event} not seen in the last {days} day(s)"),
                None => format!("event {event} never seen"),
            }
        }
        "not_in_audience" => match candidate.get("audience").and_then(Value::as_str) {
            Some(id) => format!("not in audience {id}"),
            None => "not in its inline audience".to_owned(),
        },
        "capped" => {
            let renders = int(candidate, "renders").unwrap_or(0);
            let max = int(candidate, "max").unwrap_or(0);
            match int(candidate, "per_days") {
                Some(days) => {
                    format!("capped: {renders} render(s), at most {max} in {days} day(s)")
                }
                None => format!("capped: {renders} render(s), at most {max} ever"),
            }
        }
        "other_layer_rule" => format!(
            "another rule of layer {} owns this device",
            text(candidate, "layer")
        ),
        "outside_rollout" => {
            let bucket = int(candidate, "bucket").unwrap_or(0);
            let rollout_bp = int(candidate, "rollout_bp").unwrap_or(0);
            format!(
                "outside rollout: bucket {bucket} is not below {rollout_bp} (rollout {}.{:02} %)",
                rollout_bp / 100,
                rollout_bp % 100
            )
        }
        "lost_on_priority" => format!("lost on priority to {}", text(candidate, "winner")),
        other => other.to_owned(),
    }
}

/// The human-readable form of one slot's explanation, from the JSON `--json` prints (so the two
/// forms cannot disagree).
fn render(explanation: &Value, page: &str) -> String {
    let decision = &explanation["decision"];
    let (slot, variant) = (text(decision, "slot"), text(decision, "variant"));
    let reason = reason_text(text(decision, "reason"));
    let mut out = match decision.get("rule").and_then(Value::as_str) {
        Some(rule) => format!("{slot} → {variant} (rule {rule}, {reason})\n"),
        None => format!("{slot} → {variant} ({reason})\n"),
    };
    if let Some(steps) = texts(decision, "steps") {
        out.push_str(&format!("  steps: {}\n", steps.join(" → ")));
    }
    for replacement in decision
        .get("text")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        out.push_str(&format!(
            "  text: {} = {:?}\n",
            text(replacement, "selector"),
            text(replacement, "text")
        ));
    }
    let candidates = explanation["candidates"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let width = candidates
        .iter()
        .map(|c| text(c, "rule").chars().count())
        .max()
        .unwrap_or(0);
    for candidate in candidates {
        out.push_str(&format!(
            "  {:<width$}  {}\n",
            text(candidate, "rule"),
            outcome_text(candidate, page)
        ));
    }
    out
}

/// Writes the replayed device's signals and render history to `path` as the page keeps them in
/// localStorage (js/storage.js): `{"pathwise:v2:signals": …, "pathwise:v2:history": …}`, each
/// snapshot as a string of one character per byte.
fn emit_storage(path: &Path, replayed: &Replayed) -> Result<(), Failure> {
    let latin1 = |bytes: Vec<u8>| Value::String(bytes.into_iter().map(char::from).collect());
    let mut entries = serde_json::Map::new();
    entries.insert(
        "pathwise:v2:signals".to_owned(),
        latin1(replayed.signals.to_snapshot()),
    );
    entries.insert(
        "pathwise:v2:history".to_owned(),
        latin1(replayed.history.to_snapshot()),
    );
    let mut text = serde_json::to_string(&Value::Object(entries))
        .map_err(|e| Failure::new(Exit::Io, format!("cannot render the storage: {e}")))?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| Failure::new(Exit::Io, format!("cannot write {}: {e}", path.display())))
}

/// Runs `pathwise explain`.
pub fn run(args: &ExplainArgs) -> Result<(), Failure> {
    let scenario = load_scenario(args)?;
    let program = load_program(&args.bundle, &args.trust, scenario.now, "explain")?;
    let replayed = scenario
        .replay(&Declarations::of_program(&program))
        .map_err(|e| Failure::new(Exit::Scenario, format!("signals file: {e}")))?;
    if let Some(path) = &args.emit_storage {
        emit_storage(path, &replayed)?;
    }
    let ctx = replayed.context();
    let page = if scenario.page.path.is_empty() {
        "(none)"
    } else {
        scenario.page.path.as_str()
    };
    let slots: Vec<&str> = if args.slots.is_empty() {
        program.slot_ids().collect()
    } else {
        args.slots.iter().map(String::as_str).collect()
    };
    // Each explanation as the SDK's own writer puts it (what the browser hands to JavaScript).
    let mut explanations: Vec<(&str, Value)> = Vec::with_capacity(slots.len());
    for slot in slots {
        let index = program.slot(slot).map_err(|e| {
            let known: Vec<&str> = program.slot_ids().collect();
            Failure::new(
                Exit::Scenario,
                format!("--slot: {e}; the bundle has: {}", known.join(", ")),
            )
        })?;
        let json = program
            .explain(index, &ctx, &replayed.history)
            .to_json(&program);
        let value: Value = serde_json::from_str(&json)
            .map_err(|e| Failure::new(Exit::Io, format!("cannot render the explanation: {e}")))?;
        explanations.push((slot, value));
    }

    if args.json {
        let object: serde_json::Map<String, Value> = explanations
            .into_iter()
            .map(|(slot, value)| (slot.to_owned(), value))
            .collect();
        let mut text = serde_json::to_string_pretty(&Value::Object(object))
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
    for (_, explanation) in &explanations {
        out.push_str(&render(explanation, page));
    }
    emit(&out)
}
