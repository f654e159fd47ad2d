//! What a call into the [`Runtime`](super::Runtime) did, for the shell to act on.

use crate::prelude::*;

use crate::json::{ToJson, Writer};
use crate::report::payload::ReportEvent;
use crate::report::Recorded;

/// A storage key the runtime reads or asks to write (under the shell's versioned prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The install id.
    Id = 1,
    /// The highest accepted bundle version.
    Version = 2,
    /// The last activity time.
    Session = 4,
    /// The signal store.
    Signals = 8,
    /// The render history.
    History = 16,
    /// The exposure ledger.
    Ledger = 32,
    /// The last verified envelope (kept by the shell).
    Bundle = 128,
}

impl Key {
    /// Every key, in bit order.
    pub const ALL: [Key; 7] = [
        Key::Id,
        Key::Version,
        Key::Session,
        Key::Signals,
        Key::History,
        Key::Ledger,
        Key::Bundle,
    ];

    /// The key of bit `bit`.
    pub fn from_bit(bit: u32) -> Option<Key> {
        Key::ALL.into_iter().find(|k| *k as u32 == bit)
    }
}

/// What happened during calls into the runtime, until the shell takes it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Effects {
    /// Stored values that were discarded (`storage_corrupt` warnings), as a key mask; the shell
    /// removes them from storage.
    pub corrupt: u32,
    /// Error codes to emit (`expired`).
    pub errors: Vec<&'static str>,
    /// Decisions made for the first time in this view, or changed (`decision` events), as JSON.
    pub decisions: Vec<String>,
    /// Exposures recorded (`exposure` events).
    pub exposures: Vec<ReportEvent>,
    /// Conversions recorded (`conversion` events).
    pub conversions: Vec<ReportEvent>,
    /// Keys whose value changed, as a mask: the shell writes them (or holds them until consent).
    pub save: u32,
    /// Events for the collector, each with the bundle version it was decided under: the shell
    /// queues them in its outbox (js/outbox.js).
    pub reports: Vec<(u64, ReportEvent)>,
}

impl Effects {
    pub(super) fn corrupt(&mut self, key: Key) {
        self.corrupt |= key as u32;
    }

    pub(super) fn save(&mut self, key: Key) {
        self.save |= key as u32;
    }

    /// An exposure or conversion recorded under bundle `version`: its page event, and its
    /// report when it goes to the collector.
    pub(super) fn record(&mut self, version: u64, recorded: Recorded, conversion: bool) {
        if recorded.send {
            self.reports.push((version, recorded.event.clone()));
        }
        if conversion {
            self.conversions.push(recorded.event);
        } else {
            self.exposures.push(recorded.event);
        }
    }

    pub(super) fn error(&mut self, code: &'static str) {
        self.errors.push(code);
    }

    /// Whether nothing happened.
    pub fn is_empty(&self) -> bool {
        *self == Effects::default()
    }

    /// `{"k":corrupt,"e":[codes],"d":[decisions],"x":[exposures],"c":[conversions],"s":save,"r":[[bundle,event],…]}`:
    /// one JSON text for the shell to act on.
    pub fn to_json(&self) -> String {
        let mut w = Writer::new();
        w.open_object();
        w.key("k");
        w.uint(u64::from(self.corrupt));
        w.key("e");
        w.strings(&self.errors);
        w.key("d");
        w.open_array();
        for d in &self.decisions {
            w.raw(d);
        }
        w.close_array();
        for (key, events) in [("x", &self.exposures), ("c", &self.conversions)] {
            w.key(key);
            w.open_array();
            for e in events {
                e.write_json(&mut w);
            }
            w.close_array();
        }
        w.key("s");
        w.uint(u64::from(self.save));
        w.key("r");
        w.open_array();
        for (bundle, e) in &self.reports {
            w.open_array();
            w.uint(*bundle);
            e.write_json(&mut w);
            w.close_array();
        }
        w.close_array();
        w.close_object();
        w.finish()
    }
}
