//! The page runtime's calls, for the shell's `Pathwise` class: one export, `pw_page`, with the
//! call's number as its first argument — one export's worth of boilerplate (state, input,
//! handle, answer) instead of one per call, which is most of what thin exports weigh.
//!
//! `pw_page(op, handle, a, b, now_s, offset_min)`: `handle` is the runtime's (ignored by
//! [`NEW`]), `a` and `b` are the call's numbers, and the clock is the last two arguments. After
//! a call the shell takes its [`EFFECTS`]. The numbers below are the shell's too (js/ops.js).

use super::{call, clock, code, program_error, signal_error, Args, Globals, Object};
use crate::envelope::{check_program, EnvelopeError, Policy};
use crate::json::Writer;
use crate::prelude::*;
use crate::runtime::{Key, Runtime};
use crate::signals::PageContext;
use crate::time::Timestamp;
use crate::value::Value;

/// Reads and checks the program of a verified payload (the shell verified its signatures and
/// inflated it); returns a program handle (≥ 1), or the refusal (`-(length + 1)`, the error at
/// `pw_output()`): a malformed program, another site, expired, a version in the future, a
/// rollback below `accepted` (the highest version this device accepted; negative: none). Input:
/// the program bytes (length-prefixed), then the site.
#[no_mangle]
pub extern "C" fn pw_program(now: f64, accepted: f64) -> i32 {
    call(|g, input| {
        let mut args = Args::new(input);
        let bytes = args.blob().unwrap_or_default();
        let site = args.str();
        let mut policy = Policy::new(site, &[], Timestamp(now as i64));
        policy.accepted_version = (accepted >= 0.0).then_some(accepted as u64);
        let checked = crate::program::read(bytes)
            .map_err(EnvelopeError::Program)
            .and_then(|program| check_program(&program, &policy).map(|_| program));
        match checked {
            Ok(program) => g.add(Object::Program(Box::new(program))),
            Err(e) => g.fail(&program_error(&e)),
        }
    })
}

/// A runtime for the install id in the input; returns its handle.
pub const NEW: u32 = 0;
/// What an earlier page stored under key bit `a` ([`Key`]): the input's bytes.
pub const RESTORE: u32 = 1;
/// The stored accepted version `a` and last activity `b` (negative: none).
pub const NUMBERS: u32 = 2;
/// Reporting to a collector at a sampling rate of `a` basis points (negative: off).
pub const COLLECT: u32 = 3;
/// Puts program handle `a` (from `pw_open`, consumed) in use.
pub const INSTALL: u32 = 4;
/// A new page view on the page the input describes: path, referrer domain, `utm_source`,
/// `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`, device, language ("" for none).
pub const PAGE: u32 = 5;
/// The page view's start, once a program arrived.
pub const BEGIN: u32 = 6;
/// Drops the program if it expired.
pub const EXPIRY: u32 = 7;
/// Decides the input's slots (not revealed, not yet decided); answers a JSON array of the
/// decisions of the slots the program knows.
pub const APPLY: u32 = 8;
/// The input's slots were shown: their exposures are recorded.
pub const SHOWN: u32 = 9;
/// The input's slots were revealed with their default content by the timeout.
pub const REVEAL: u32 = 10;
/// `decide(slot)`: the decision shown (decided and recorded once per view), and its exposure;
/// answers its JSON, or `null` without a program.
pub const DECIDE: u32 = 11;
/// `peek(slot)`, or with feature `debug` (the debug module) `explain(slot)` when `a` is 1:
/// JSON, or `null` without a program.
pub const PEEK: u32 = 12;
/// `track(event)`.
pub const TRACK: u32 = 13;
/// `set(name, value)`: the input holds the name, then the value's strings; `a` is 0 a string,
/// 1 the number `b`, 2 false, 3 true, 4 a list of strings.
pub const SET: u32 = 14;
/// Decides again every slot decided in this view; answers the slots that changed (their
/// decisions are in the effects).
pub const REDECIDE: u32 = 15;
/// Sets (input: slot, variant) or removes (input: slot) a preview override; answers `true`
/// when the program in use knows the variant.
pub const OVERRIDE: u32 = 16;
/// `forget()`: a new device (the new install id in the input).
pub const FORGET: u32 = 17;
/// The bytes to store under key bit `a`.
pub const SNAPSHOT: u32 = 18;
/// What happened since the last call ([`crate::runtime::Effects::to_json`]), and forgets it.
pub const EFFECTS: u32 = 19;
/// `assignments()`: the decisions shown in this view, as JSON.
pub const STATE: u32 = 20;
/// What conditions see now, as a signal snapshot ([`Runtime::basis_snapshot`]).
pub const BASIS: u32 = 21;
/// `{"signals":…,"renders":…}`: what the device keeps, for pathwise/debug's `signals()` (feature
/// `debug` only).
#[cfg(feature = "debug")]
pub const DEBUG: u32 = 22;

fn unknown_slot(slot: &str) -> String {
    let mut w = Writer::new();
    w.open_object();
    w.key("code");
    w.string("unknown_slot");
    w.key("slot");
    w.string(slot);
    w.close_object();
    w.finish()
}

/// The page runtime's calls (see the module documentation).
#[no_mangle]
pub extern "C" fn pw_page(op: u32, handle: i32, a: f64, b: f64, now: f64, offset: i32) -> i32 {
    super::call(|g: &mut Globals, input| {
        let clock = clock(now, offset);
        let mut args = Args::new(input);
        if op == NEW {
            return g.add(Object::Runtime(Box::new(Runtime::new(args.str()))));
        }
        if op == INSTALL {
            return match (g.take(a as i32), g.object(handle)) {
                (Object::Program(p), Some(Object::Runtime(r))) => {
                    r.install(*p, &clock);
                    0
                }
                _ => g.fail(&code("invalid_argument")),
            };
        }
        let Some(Object::Runtime(r)) = g.object(handle) else {
            return g.fail(&code("invalid_argument"));
        };
        let mut out = Writer::new();
        let mut bytes = Vec::new();
        let result: Result<(), String> = match op {
            RESTORE => {
                if let Some(key) = Key::from_bit(a as u32) {
                    r.restore(key, input, &clock);
                }
                Ok(())
            }
            NUMBERS => {
                r.restore_numbers(
                    (a >= 0.0).then_some(a as u64),
                    (b >= 0.0).then_some(b as i64),
                    &clock,
                );
                Ok(())
            }
            COLLECT => {
                r.set_collect((a >= 0.0).then_some(a as u32));
                Ok(())
            }
            PAGE => {
                let path = args.str().to_owned();
                let mut next = || {
                    Some(args.str())
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                };
                let page = PageContext {
                    path,
                    referrer_domain: next(),
                    utm_source: next(),
                    utm_medium: next(),
                    utm_campaign: next(),
                    utm_term: next(),
                    utm_content: next(),
                    device: next(),
                    language: next(),
                };
                r.page_view(page, &clock);
                Ok(())
            }
            BEGIN => {
                r.begin(&clock);
                Ok(())
            }
            EXPIRY => {
                r.check_expiry(&clock);
                Ok(())
            }
            APPLY => {
                out.open_array();
                for shown in r.apply(&args.rest(), &clock) {
                    out.raw(&shown.json);
                }
                out.close_array();
                Ok(())
            }
            SHOWN => {
                r.shown(&args.rest(), &clock);
                Ok(())
            }
            REVEAL => {
                r.reveal(&args.rest());
                Ok(())
            }
            DECIDE => {
                let slot = args.str();
                match r.decide(slot, &clock) {
                    Ok(shown) => {
                        out.raw(shown.map_or("null", |s| s.json.as_str()));
                        r.shown(&[slot], &clock);
                        Ok(())
                    }
                    Err(_) => Err(unknown_slot(slot)),
                }
            }
            PEEK => {
                let slot = args.str();
                // `explain` only in the debug module (js/entries/debug.js): a page view never
                // runs it, so the page module does not carry it.
                #[cfg(feature = "debug")]
                let answer = if a == 1.0 {
                    r.explain(slot, &clock)
                } else {
                    r.peek(slot, &clock)
                };
                #[cfg(not(feature = "debug"))]
                let answer = r.peek(slot, &clock);
                match answer {
                    Ok(json) => {
                        out.raw(json.as_deref().unwrap_or("null"));
                        Ok(())
                    }
                    Err(_) => Err(unknown_slot(slot)),
                }
            }
            TRACK => r.track(args.str(), &clock).map_err(|e| signal_error(&e)),
            SET => {
                let name = args.str();
                let value = match a as u32 {
                    0 => Value::String(args.str().to_owned()),
                    1 => Value::Number(b),
                    2 => Value::Bool(false),
                    3 => Value::Bool(true),
                    _ => Value::List(args.rest().into_iter().map(str::to_owned).collect()),
                };
                r.set(name, value, &clock).map_err(|e| signal_error(&e))
            }
            REDECIDE => {
                out.strings(&r.redecide(&clock));
                Ok(())
            }
            OVERRIDE => {
                let slot = args.str();
                let variant = args.blob().and_then(|b| core::str::from_utf8(b).ok());
                out.bool(r.set_override(slot, variant));
                Ok(())
            }
            FORGET => {
                r.forget(args.str());
                Ok(())
            }
            BASIS => {
                bytes = r.basis_snapshot();
                Ok(())
            }
            SNAPSHOT => {
                if let Some(key) = Key::from_bit(a as u32) {
                    bytes = r.snapshot(key);
                }
                Ok(())
            }
            EFFECTS => {
                out.raw(&r.take_effects().to_json());
                Ok(())
            }
            STATE => {
                out.raw(&r.assignments_json());
                Ok(())
            }
            #[cfg(feature = "debug")]
            DEBUG => {
                out.raw(&r.debug_json());
                Ok(())
            }
            _ => Err(code("invalid_argument")),
        };
        match result {
            Ok(()) if bytes.is_empty() => g.answer(out.finish().as_bytes()),
            Ok(()) => g.answer(&bytes),
            Err(e) => g.fail(&e),
        }
    })
}
