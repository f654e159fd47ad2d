//! `/report`: the report as a self-contained HTML page.
//!
//! No script, no inline style, no external resource: the page loads only `/report.css` from the
//! same origin, and each rule's chart is inline SVG built here (bars for the conversion rate per
//! arm, whiskers for its 95 % interval), styled through classes. It is served with a CSP of
//! `default-src 'none'; style-src 'self'`, so it renders under the strictest policy.

use std::fmt::Write as _;

use super::files::escape_html as esc;
use super::report::{ArmReport, Report, RuleReport};

/// The report page's `Content-Security-Policy`.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; \
                       form-action 'none'; frame-ancestors 'none'";

/// The stylesheet served at `/report.css`.
pub const CSS: &str = r#"
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6475; --line: #d9dde5;
        --control: #8a94a6; --variant: #2f6fde; --warn-bg: #fff4e0; --warn: #8a4b00;
        --ok: #1d7a46; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--ink); background: #f6f7f9; }
header, main, footer { max-width: 980px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 28px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0; }
.meta, .muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; padding: 0; list-style: none; }
.summary li { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; }
.summary strong { display: block; font-size: 20px; }
section.rule { background: #fff; border: 1px solid var(--line); border-radius: 10px;
               margin: 18px 0; padding: 18px 20px; }
.rule-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 10px; }
.tag { font-size: 12px; border: 1px solid var(--line); border-radius: 99px; padding: 1px 8px;
       color: var(--muted); }
.srm { margin: 12px 0; padding: 8px 12px; border-radius: 6px; background: #f0f2f5; }
.srm.mismatch { background: var(--warn-bg); color: var(--warn); font-weight: 600; }
.srm.ok { color: var(--ok); }
table { width: 100%; border-collapse: collapse; margin-top: 10px; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { white-space: nowrap; }
.ci { display: block; font-size: 12px; color: var(--muted); font-weight: normal;
      text-transform: none; letter-spacing: 0; }
.table-wrap { overflow-x: auto; }
th:first-child, td:first-child { text-align: left; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.pos { color: var(--ok); } .neg { color: #b3261e; }
.notes { margin: 10px 0 0; padding-left: 18px; color: var(--muted); font-size: 13px; }
svg.chart { width: 100%; height: auto; margin-top: 8px; }
svg .bar.control { fill: var(--control); } svg .bar.variant { fill: var(--variant); }
svg .whisker { stroke: var(--ink); stroke-width: 1.5; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg text.axis { fill: var(--muted); font-size: 11px; }
footer { padding: 10px 20px 40px; font-size: 13px; }
"#;

// Percentages keep the number and its sign together with a no-break space.
fn percent(x: f64) -> String {
    format!("{:.2}\u{a0}%", x * 100.0)
}

fn signed_percent(x: f64) -> String {
    format!("{:+.1}\u{a0}%", x * 100.0)
}

/// `YYYY-MM-DD HH:MM UTC` for Unix seconds (proleptic Gregorian calendar).
fn utc_text(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Days since 0000-03-01, split into 400-year eras of 146 097 days, so leap days fall at the
    // end of each computed year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// Renders the report page.
pub fn render(report: &Report) -> String {
    let mut h = String::with_capacity(16 * 1024);
    let title = match &report.site {
        Some(site) => format!("Pathwise report — {}", esc(site)),
        None => "Pathwise report".to_owned(),
    };
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/report.css\"></head><body>\
         <header><h1>{title}</h1><p class=\"meta\">"
    );
    match report.bundle_version {
        Some(v) => {
            let _ = write!(h, "Bundle version {v}. ");
        }
        None => h.push_str("No bundle served: every stored batch is counted. "),
    }
    let _ = write!(
        h,
        "Generated {}. <a href=\"/report\">Refresh</a> · \
         <a href=\"/report.json\">JSON</a></p>\
         <ul class=\"summary\"><li><strong>{}</strong>batches</li>\
         <li><strong>{}</strong>events</li><li><strong>{}</strong>dropped on devices</li></ul>\
         </header><main>",
        utc_text(report.generated_at),
        report.batches,
        report.events,
        report.dropped
    );
    if report.rules.is_empty() {
        h.push_str("<p class=\"muted\">No rules and no events yet.</p>");
    }
    for rule in &report.rules {
        render_rule(&mut h, rule);
    }
    h.push_str(
        "</main><footer class=\"muted\">Rates are conversions per exposed device, with 95 % \
         Wilson intervals (whiskers). Lift is the relative difference against the control, with a \
         95 % interval from the delta method on the log rate ratio. The sample-ratio check is a \
         chi-square goodness-of-fit test of exposures per arm against the bundle's split (holdout \
         devices count as control); a mismatch is flagged at p &lt; 0.001.</footer></body></html>\n",
    );
    h
}

fn render_rule(h: &mut String, rule: &RuleReport) {
    let _ = write!(
        h,
        "<section class=\"rule\" id=\"rule-{id}\"><div class=\"rule-head\"><h2>{id}</h2>\
         <span class=\"tag\">slot {slot}</span>",
        id = esc(&rule.rule),
        slot = esc(&rule.slot)
    );
    if let Some(objective) = &rule.objective {
        let _ = write!(h, "<span class=\"tag\">{}</span>", esc(objective));
    }
    if !rule.goals.is_empty() {
        let goals: Vec<String> = rule.goals.iter().map(|g| esc(g)).collect();
        let _ = write!(h, "<span class=\"tag\">goals: {}</span>", goals.join(", "));
    }
    if !rule.in_bundle {
        h.push_str("<span class=\"tag\">not in the served bundle</span>");
    }
    let _ = write!(
        h,
        "</div><p class=\"srm {}\">{}</p>",
        rule.srm.status.replace('_', "-"),
        esc(&rule.srm.message)
    );
    render_chart(h, rule);
    h.push_str(
        "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th><th>Exposures</th><th>Expected share</th>\
         <th>Conversions</th><th>Rate <span class=\"ci\">95 % CI</span></th>\
         <th>Lift vs control <span class=\"ci\">95 % CI</span></th></tr></thead><tbody>",
    );
    for arm in &rule.arms {
        render_row(h, arm);
    }
    h.push_str("</tbody></table></div>");
    let lift_notes: Vec<String> = rule
        .arms
        .iter()
        .filter_map(|a| {
            a.lift
                .as_ref()
                .and_then(|l| l.note)
                .map(|n| format!("{}: {}", esc(&a.arm), esc(n)))
        })
        .collect();
    if !rule.notes.is_empty() || !lift_notes.is_empty() {
        h.push_str("<ul class=\"notes\">");
        for n in rule.notes.iter().map(|n| esc(n)).chain(lift_notes) {
            let _ = write!(h, "<li>{n}</li>");
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}

fn render_row(h: &mut String, arm: &ArmReport) {
    let name = if arm.control {
        format!(
            "control <span class=\"muted\">({})</span>",
            esc(&arm.variant)
        )
    } else {
        esc(&arm.arm)
    };
    let dash = || "—".to_owned();
    let share = arm.expected_share.map_or_else(dash, percent);
    let rate = arm.rate.map_or_else(dash, percent);
    let ci = arm.rate_ci95.map_or_else(String::new, |[l, u]| {
        format!("<span class=\"ci\">{} – {}</span>", percent(l), percent(u))
    });
    let goals = if arm.conversions_by_goal.len() > 1 {
        let parts: Vec<String> = arm
            .conversions_by_goal
            .iter()
            .map(|(g, n)| format!("{} {n}", esc(g)))
            .collect();
        format!(" <span class=\"muted\">({})</span>", parts.join(", "))
    } else {
        String::new()
    };
    let (lift, lift_ci) = match &arm.lift {
        None => (String::new(), String::new()),
        Some(l) => {
            let class = match l.ci95 {
                Some([low, _]) if low > 0.0 => " class=\"pos\"",
                Some([_, high]) if high < 0.0 => " class=\"neg\"",
                _ => "",
            };
            (
                format!(
                    "<span{class}>{}</span>",
                    l.estimate.map_or_else(dash, signed_percent)
                ),
                l.ci95.map_or_else(String::new, |[lo, hi]| {
                    format!(
                        "<span class=\"ci\">{} – {}</span>",
                        signed_percent(lo),
                        signed_percent(hi)
                    )
                }),
            )
        }
    };
    let _ = write!(
        h,
        "<tr><td>{name}</td><td>{}</td><td>{share}</td><td>{}{goals}</td><td>{rate}{ci}</td>\
         <td>{lift}{lift_ci}</td></tr>",
        arm.exposures, arm.conversions
    );
}

/// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `x` (a readable axis end).
fn nice_ceiling(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.01;
    }
    let magnitude = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * magnitude)
        .min(1.0)
}

fn render_chart(h: &mut String, rule: &RuleReport) {
    const WIDTH: f64 = 720.0;
    const LABEL: f64 = 150.0;
    const RIGHT: f64 = 90.0;
    const ROW: f64 = 30.0;
    const TOP: f64 = 8.0;
    const AXIS: f64 = 22.0;
    let plot = WIDTH - LABEL - RIGHT;
    let rows = rule.arms.len() as f64;
    let height = TOP + rows * ROW + AXIS;
    let top = rule
        .arms
        .iter()
        .flat_map(|a| [a.rate.unwrap_or(0.0), a.rate_ci95.map_or(0.0, |[_, u]| u)])
        .fold(0.0, f64::max);
    let scale = nice_ceiling(top);
    let x = |v: f64| LABEL + plot * (v / scale).clamp(0.0, 1.0);
    let id = esc(&rule.rule);
    let _ = write!(
        h,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-labelledby=\"chart-{id}\"><title id=\"chart-{id}\">Conversion rate per arm of \
         {id}, with 95 % intervals</title>"
    );
    for i in 0..=4 {
        let v = scale * f64::from(i) / 4.0;
        let gx = x(v);
        let _ = write!(
            h,
            "<line class=\"grid\" x1=\"{gx:.1}\" y1=\"{TOP}\" x2=\"{gx:.1}\" y2=\"{:.1}\"/>\
             <text class=\"axis\" x=\"{gx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            TOP + rows * ROW,
            TOP + rows * ROW + 15.0,
            format_args!("{:.1}\u{a0}%", v * 100.0)
        );
    }
    for (i, arm) in rule.arms.iter().enumerate() {
        let y = TOP + i as f64 * ROW;
        let mid = y + ROW / 2.0;
        let label = if arm.control {
            "control".to_owned()
        } else {
            esc(&arm.arm)
        };
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            LABEL - 8.0,
            mid + 4.0
        );
        let class = if arm.control { "control" } else { "variant" };
        if let Some(rate) = arm.rate {
            let _ = write!(
                h,
                "<rect class=\"bar {class}\" x=\"{LABEL}\" y=\"{:.1}\" width=\"{:.1}\" \
                 height=\"{:.1}\"><title>{label}: {} of {} exposures converted ({})</title></rect>",
                y + 6.0,
                x(rate) - LABEL,
                ROW - 12.0,
                arm.conversions,
                arm.exposures,
                percent(rate)
            );
        }
        if let Some([low, high]) = arm.rate_ci95 {
            let (x1, x2) = (x(low), x(high));
            let _ = write!(
                h,
                "<line class=\"whisker\" x1=\"{x1:.1}\" y1=\"{mid:.1}\" x2=\"{x2:.1}\" y2=\"{mid:.1}\"/>\
                 <line class=\"whisker\" x1=\"{x1:.1}\" y1=\"{:.1}\" x2=\"{x1:.1}\" y2=\"{:.1}\"/>\
                 <line class=\"whisker\" x1=\"{x2:.1}\" y1=\"{:.1}\" x2=\"{x2:.1}\" y2=\"{:.1}\"/>",
                mid - 5.0,
                mid + 5.0,
                mid - 5.0,
                mid + 5.0
            );
        }
        let value = arm.rate.map_or_else(|| "no data".to_owned(), percent);
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\">{value}</text>",
            WIDTH - RIGHT + 8.0,
            mid + 4.0
        );
    }
    h.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_are_readable() {
        assert_eq!(nice_ceiling(0.13), 0.2);
        assert_eq!(nice_ceiling(0.2), 0.2);
        assert_eq!(nice_ceiling(0.021), 0.025);
        assert_eq!(nice_ceiling(0.7), 1.0);
        assert_eq!(nice_ceiling(1.3), 1.0);
        assert_eq!(nice_ceiling(0.0), 0.01);
    }

    #[test]
    fn utc_dates_are_calendar_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_text(1_767_225_600 + 3_661), "2026-01-01 01:01 UTC");
        assert_eq!(utc_text(-86_400), "1969-12-31 00:00 UTC");
    }
}
