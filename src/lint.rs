//! Lint warnings for bundle authors (STUB in the `cli` branch so the tool compiles; the lead's
//! real module replaces this file on merge).

use std::fmt;

use crate::bundle::Bundle;
use crate::time::Timestamp;

/// Something valid but probably not what the author meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintWarning {
    /// JSON path of the value the warning is about.
    pub path: String,
    /// What looks wrong.
    pub message: String,
}

impl fmt::Display for LintWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Lints a parsed bundle at `now` (stub: warns only about zero-weight variants).
pub fn lint(bundle: &Bundle, now: Timestamp) -> Vec<LintWarning> {
    let _ = now;
    let mut out = Vec::new();
    for (r, rule) in bundle.rules.iter().enumerate() {
        for (v, variant) in rule.variants.iter().enumerate() {
            if variant.weight == 0 {
                out.push(LintWarning {
                    path: format!("rules[{r}].variants[{v}].weight"),
                    message: "weight 0: this variant is never shown".to_owned(),
                });
            }
        }
    }
    out
}
