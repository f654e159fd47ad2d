//! What a bundle lets the store keep: its declared signals plus the built-in events.

use super::builtin;
use crate::bundle::{SignalDecl, SignalKind};
use crate::map::StrMap;
use crate::prelude::*;

/// Days of per-day counts kept for an event whose declaration gives no `window_days`.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;

/// What the bundle lets the store keep: declared signals plus the built-in events.
///
/// This is the governance gate: the store writes only names found here, and
/// [`Signals::prune`](super::Signals::prune) drops anything stored under a name that is not (or no
/// longer) declared with the same kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declarations {
    decls: StrMap<Declared>,
}

/// One declared (or built-in) signal as the store uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    /// Its kind.
    pub kind: SignalKind,
    /// Time to live in days: an attribute is dropped this long after it was last written, an event
    /// this long after it last happened.
    pub ttl_days: u32,
    /// For events, the days of per-day counts kept (today included). Meaningless for attributes.
    pub window_days: u32,
}

impl Declarations {
    /// Builds the declarations from a bundle's `signals`, adding the built-in events `visit` and
    /// `page_view` (window [`builtin::EVENT_WINDOW_DAYS`], TTL [`builtin::EVENT_TTL_DAYS`]).
    ///
    /// Validation already rejects reserved names and duplicates; this constructor is still total
    /// on an unvalidated list: a declaration using a built-in name is ignored (the built-in wins,
    /// so a bundle can neither shadow `page_path` nor change the shape of `visit`), and of two
    /// declarations with the same name the first is kept. A missing `window_days` means
    /// [`DEFAULT_WINDOW_DAYS`].
    pub fn new(decls: &[SignalDecl]) -> Self {
        let mut map = StrMap::new();
        for d in decls {
            if builtin::is_reserved(&d.name) || map.contains_key(&d.name) {
                continue;
            }
            map.insert(
                d.name.clone(),
                Declared {
                    kind: d.kind,
                    ttl_days: d.ttl_days,
                    window_days: d.window_days.unwrap_or(DEFAULT_WINDOW_DAYS),
                },
            );
        }
        Self::with_builtins(map)
    }

    /// The declarations of a compiled program (its declared signals, plus the built-in events).
    pub fn of_program(program: &crate::program::Program) -> Self {
        let mut map = StrMap::new();
        for s in &program.signals {
            let name = program.str(s.name);
            if builtin::is_reserved(name) || map.contains_key(name) {
                continue;
            }
            map.insert(
                name.to_owned(),
                Declared {
                    kind: s.kind,
                    ttl_days: s.ttl_days,
                    window_days: s.window_days,
                },
            );
        }
        Self::with_builtins(map)
    }

    fn with_builtins(mut map: StrMap<Declared>) -> Self {
        for event in builtin::EVENTS {
            map.insert(
                (*event).to_owned(),
                Declared {
                    kind: SignalKind::Event,
                    ttl_days: builtin::EVENT_TTL_DAYS,
                    window_days: builtin::EVENT_WINDOW_DAYS,
                },
            );
        }
        Declarations { decls: map }
    }

    /// The declaration of `name`, if any (built-in events included, built-in attributes not: they
    /// are computed, never stored).
    pub fn get(&self, name: &str) -> Option<&Declared> {
        self.decls.get(name)
    }

    /// Every declaration, by name in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Declared)> {
        self.decls.iter()
    }
}

impl Default for Declarations {
    /// The declarations of a bundle that declares nothing: only the built-in events.
    fn default() -> Self {
        Declarations::new(&[])
    }
}
