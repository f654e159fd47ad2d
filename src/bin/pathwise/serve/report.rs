//! The report model: stored counts and the served bundle turned into per-rule, per-arm figures
//! with the statistics of [`pathwise::report::stats`]. Serialised as `/report.json` and rendered
//! by [`super::report_page`].
//!
//! Per rule, the arms are: the **control** (every event with `control: true` — the rule's control
//! group and the global holdout — whatever its variant id), then each variant of the served
//! bundle in bundle order (shown even before any exposure), then any other variant id seen in the
//! events (from an earlier bundle). Rules are in bundle order, then rules seen only in events.
//! A rule's conversions are its conversion events of any goal.

use std::collections::BTreeMap;

use pathwise::bundle::percent::basis_points;
use pathwise::bundle::{Bundle, Rule};
use pathwise::report::payload::EventType;
use pathwise::report::stats::{
    expected_shares, relative_lift, sample_ratio_test, wilson_interval, ArmCounts, Interval,
    SampleRatio, SRM_ALPHA, SRM_MIN_EXPECTED, Z_95,
};
use serde::Serialize;

use crate::store::Totals;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The served bundle's site (the report only counts batches for it), or `None` without a
    /// bundle (every batch counts).
    pub site: Option<String>,
    /// The served bundle's version.
    pub bundle_version: Option<u64>,
    /// When the report was computed (Unix seconds).
    pub generated_at: i64,
    /// Stored batches.
    pub batches: u64,
    /// Stored events.
    pub events: u64,
    /// Events devices reported as dropped from a full queue: what the report is missing.
    pub dropped: u64,
    /// The confidence level of every interval.
    pub confidence: f64,
    /// The p-value below which a sample-ratio mismatch is reported.
    pub srm_alpha: f64,
    /// Per rule.
    pub rules: Vec<RuleReport>,
}

/// One rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    /// The rule id.
    pub rule: String,
    /// Its slot.
    pub slot: String,
    /// Its objective (from the bundle).
    pub objective: Option<String>,
    /// Its goal events (from the bundle).
    pub goals: Vec<String>,
    /// Whether the served bundle has this rule.
    pub in_bundle: bool,
    /// The control first, then the variants.
    pub arms: Vec<ArmReport>,
    /// The sample-ratio check.
    pub srm: SrmReport,
    /// Remarks about the rule as a whole.
    pub notes: Vec<String>,
}

/// One arm of a rule.
#[derive(Debug, Clone, Serialize)]
pub struct ArmReport {
    /// `"control"` or the variant id.
    pub arm: String,
    /// The variant id shown (for the control: the slot's default id).
    pub variant: String,
    /// Whether this is the control arm.
    pub control: bool,
    /// Devices exposed.
    pub exposures: u64,
    /// Conversions, any goal.
    pub conversions: u64,
    /// Conversions per goal.
    pub conversions_by_goal: BTreeMap<String, u64>,
    /// `conversions / exposures`.
    pub rate: Option<f64>,
    /// Wilson 95 % interval of the rate, `[low, high]`.
    pub rate_ci95: Option<[f64; 2]>,
    /// The share of the rule's exposures this arm should get, from the served bundle.
    pub expected_share: Option<f64>,
    /// Lift against the control (variants only).
    pub lift: Option<LiftReport>,
}

/// A variant's lift against the control.
#[derive(Debug, Clone, Serialize)]
pub struct LiftReport {
    /// `p_v / p_c − 1`.
    pub estimate: Option<f64>,
    /// 95 % interval, `[low, high]`.
    pub ci95: Option<[f64; 2]>,
    /// Machine-readable reason for a missing or approximate interval.
    pub note_code: Option<&'static str>,
    /// The same for people.
    pub note: Option<&'static str>,
}

/// The sample-ratio-mismatch check of a rule.
#[derive(Debug, Clone, Serialize)]
pub struct SrmReport {
    /// `"ok"`, `"mismatch"` or `"not_tested"`.
    pub status: &'static str,
    /// Pearson's χ², when tested.
    pub chi_square: Option<f64>,
    /// Degrees of freedom, when tested.
    pub df: Option<u32>,
    /// The p-value, when tested.
    pub p_value: Option<f64>,
    /// What it means.
    pub message: String,
}

fn pair(i: Option<Interval>) -> Option<[f64; 2]> {
    i.map(|i| [i.low, i.high])
}

#[derive(Default)]
struct Tally {
    counts: ArmCounts,
    by_goal: BTreeMap<String, u64>,
    variant: Option<String>,
}

/// Builds the report from the stored totals and the served bundle.
pub fn build(totals: &Totals, bundle: Option<&Bundle>, now: i64) -> Report {
    // rule -> (slot, control tally, variant id -> tally)
    let mut seen: BTreeMap<&str, (&str, Tally, BTreeMap<&str, Tally>)> = BTreeMap::new();
    for row in &totals.rows {
        let entry = seen
            .entry(row.rule.as_str())
            .or_insert_with(|| (row.slot.as_str(), Tally::default(), BTreeMap::new()));
        let tally = if row.control {
            &mut entry.1
        } else {
            entry.2.entry(row.variant.as_str()).or_default()
        };
        if tally.variant.is_none() {
            tally.variant = Some(row.variant.clone());
        }
        match row.kind {
            EventType::Exposure => {
                tally.counts.exposures = tally.counts.exposures.saturating_add(row.count)
            }
            EventType::Conversion => {
                tally.counts.conversions = tally.counts.conversions.saturating_add(row.count);
                let goal = row.goal.clone().unwrap_or_default();
                let n = tally.by_goal.entry(goal).or_default();
                *n = n.saturating_add(row.count);
            }
        }
    }

    let holdout_bp = bundle.and_then(|b| basis_points(b.holdout)).unwrap_or(0);
    let mut rules = Vec::new();
    if let Some(bundle) = bundle {
        for rule in &bundle.rules {
            let data = seen.remove(rule.id.as_str());
            rules.push(rule_report(
                &rule.id,
                &rule.slot,
                Some(rule),
                Some(bundle),
                holdout_bp,
                data,
            ));
        }
    }
    for (id, data) in std::mem::take(&mut seen) {
        let slot = data.0;
        rules.push(rule_report(id, slot, None, None, holdout_bp, Some(data)));
    }

    Report {
        site: bundle.map(|b| b.site.clone()),
        bundle_version: bundle.map(|b| b.version),
        generated_at: now,
        batches: totals.batches,
        events: totals.events,
        dropped: totals.dropped,
        confidence: 0.95,
        srm_alpha: SRM_ALPHA,
        rules,
    }
}

/// One rule's report; `rule` and `bundle` are `None` for a rule seen only in events.
fn rule_report(
    id: &str,
    slot: &str,
    rule: Option<&Rule>,
    bundle: Option<&Bundle>,
    holdout_bp: u32,
    data: Option<(&str, Tally, BTreeMap<&str, Tally>)>,
) -> RuleReport {
    let (_, control_tally, mut variant_tallies) =
        data.unwrap_or(("", Tally::default(), BTreeMap::new()));
    let in_bundle = rule.is_some();
    let mut notes = Vec::new();
    let variants: &[pathwise::bundle::Variant] = rule.map_or(&[], |r| r.variants.as_slice());
    let goals: Vec<String> = rule.map(|r| r.goals.clone()).unwrap_or_default();

    let shares = rule.and_then(|rule| {
        let weights: Vec<u32> = rule.variants.iter().map(|v| v.weight).collect();
        match (basis_points(rule.control), basis_points(rule.rollout)) {
            (Some(c), Some(r)) => expected_shares(c, &weights, r, holdout_bp).ok(),
            _ => None,
        }
    });
    let default_variant = bundle
        .and_then(|b| b.slots.iter().find(|s| s.id() == slot))
        .map(|s| s.default_variant().to_owned());

    let control_counts = control_tally.counts;
    let arm = |arm: String, variant: String, control: bool, tally: Tally, share: Option<f64>| {
        let lift = (!control).then(|| {
            let l = relative_lift(tally.counts, control_counts, Z_95);
            LiftReport {
                estimate: l.estimate,
                ci95: pair(l.ci95),
                note_code: l.note.map(|n| n.code()),
                note: l.note.map(|n| n.message()),
            }
        });
        ArmReport {
            arm,
            variant,
            control,
            exposures: tally.counts.exposures,
            conversions: tally.counts.conversions,
            conversions_by_goal: tally.by_goal,
            rate: tally.counts.rate(),
            rate_ci95: pair(wilson_interval(tally.counts, Z_95)),
            expected_share: share,
            lift,
        }
    };

    let control_variant = control_tally
        .variant
        .clone()
        .or(default_variant)
        .unwrap_or_else(|| pathwise::bundle::DEFAULT_VARIANT.to_owned());
    let mut arms = vec![arm(
        "control".into(),
        control_variant,
        true,
        control_tally,
        shares.as_ref().map(|s| s.control),
    )];
    for (i, v) in variants.iter().enumerate() {
        let tally = variant_tallies.remove(v.id.as_str()).unwrap_or_default();
        let share = shares.as_ref().and_then(|s| s.variants.get(i).copied());
        arms.push(arm(v.id.clone(), v.id.clone(), false, tally, share));
    }
    let unknown: Vec<String> = variant_tallies.keys().map(|k| (*k).to_owned()).collect();
    for (id, tally) in variant_tallies {
        let share = in_bundle.then_some(0.0);
        arms.push(arm(id.to_owned(), id.to_owned(), false, tally, share));
    }

    if in_bundle && !unknown.is_empty() {
        notes.push(format!(
            "exposures or conversions for variants the served bundle does not have: {}",
            unknown.join(", ")
        ));
    }
    if let Some(s) = &shares {
        if s.control <= 0.0 {
            notes.push(
                "this rule has no control group (control 0 % and no global holdout): its lift \
                 cannot be measured"
                    .into(),
            );
        }
    }
    if goals.len() > 1 {
        notes.push(format!(
            "conversions count every goal ({}): a device can convert once per goal",
            goals.join(", ")
        ));
    }

    let srm = match &shares {
        None if !in_bundle => SrmReport {
            status: "not_tested",
            chi_square: None,
            df: None,
            p_value: None,
            message: "not in the served bundle: expected shares unknown".into(),
        },
        None => SrmReport {
            status: "not_tested",
            chi_square: None,
            df: None,
            p_value: None,
            message: "the rule's allocation could not be computed".into(),
        },
        Some(_) => srm_report(&arms),
    };

    RuleReport {
        rule: id.to_owned(),
        slot: slot.to_owned(),
        objective: rule.map(objective_name),
        goals,
        in_bundle,
        arms,
        srm,
        notes,
    }
}

fn srm_report(arms: &[ArmReport]) -> SrmReport {
    let input: Vec<(u64, f64)> = arms
        .iter()
        .map(|a| (a.exposures, a.expected_share.unwrap_or(0.0)))
        .collect();
    let outcome = sample_ratio_test(&input);
    let mismatch = outcome.mismatch();
    let status = if mismatch { "mismatch" } else { "ok" };
    match outcome {
        SampleRatio::Tested {
            statistic,
            df,
            p_value,
        } => SrmReport {
            status,
            chi_square: Some(statistic),
            df: Some(df),
            p_value: Some(p_value),
            message: if mismatch {
                format!(
                    "sample ratio mismatch: exposures per arm do not match the configured split \
                     (χ² = {statistic:.2}, df = {df}, p = {p_value:.2e} < {SRM_ALPHA}); do not trust \
                     these results until the cause is found"
                )
            } else {
                format!(
                    "exposures per arm match the configured split (χ² = {statistic:.2}, df = {df}, \
                     p = {p_value:.3})"
                )
            },
        },
        SampleRatio::UnexpectedArms(indices) => SrmReport {
            status,
            chi_square: None,
            df: None,
            p_value: None,
            message: format!(
                "sample ratio mismatch: exposures in arms the served bundle gives no traffic ({}); \
                 the allocation changed or something is wrong",
                indices
                    .iter()
                    .filter_map(|&i| arms.get(i).map(|a| a.arm.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        SampleRatio::TooFewExposures { min_expected } => SrmReport {
            status: "not_tested",
            chi_square: None,
            df: None,
            p_value: None,
            message: format!(
                "not tested yet: an arm expects {min_expected:.1} exposures; the test needs at \
                 least {SRM_MIN_EXPECTED} per arm"
            ),
        },
        SampleRatio::NotEnoughArms => SrmReport {
            status: "not_tested",
            chi_square: None,
            df: None,
            p_value: None,
            message: "fewer than two arms get traffic: nothing to compare".into(),
        },
    }
}

fn objective_name(rule: &Rule) -> String {
    serde_json::to_value(rule.objective)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
