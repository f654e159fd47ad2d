//! The page runtime's exports: the calls of [`crate::runtime::Runtime`], for the shell's
//! `Pathwise` class. Each takes the runtime's handle; those that depend on time take the clock
//! as `(now_s, offset_min)`. After a call the shell takes its [`effects`](pw_effects).

use super::{call, clock, code, signal_error, with, Args, Globals, Object};
use crate::json::Writer;
use crate::prelude::*;
use crate::runtime::{Key, Runtime};
use crate::signals::PageContext;
use crate::value::Value;

/// Runs `f` with runtime `handle` and the input; `-1` (an `invalid_argument` error) for a
/// handle that is not a runtime.
fn runtime(
    handle: i32,
    f: impl FnOnce(&mut Runtime, &[u8], &mut Writer) -> Result<(), String>,
) -> i32 {
    call(|g: &mut Globals, input| {
        let mut out = Writer::new();
        let result = match g.object(handle) {
            Some(Object::Runtime(r)) => f(r, input, &mut out),
            _ => Err(code("invalid_argument")),
        };
        match result {
            Ok(()) => g.answer(out.finish().as_bytes()),
            Err(e) => g.fail(&e),
        }
    })
}

/// A runtime for the install id in the input; returns its handle.
#[no_mangle]
pub extern "C" fn pw_runtime() -> i32 {
    call(|g, input| {
        let unit = Args::new(input).str();
        g.add(Object::Runtime(Box::new(Runtime::new(unit))))
    })
}

/// What an earlier page stored under `key` (a [`Key`] bit): the input's bytes.
#[no_mangle]
pub extern "C" fn pw_restore(handle: i32, key: u32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, _| {
        if let Some(key) = Key::from_bit(key) {
            r.restore(key, input, &clock(now, offset));
        }
        Ok(())
    })
}

/// The stored accepted version and last activity (negative: none).
#[no_mangle]
pub extern "C" fn pw_numbers(
    handle: i32,
    accepted: f64,
    session: f64,
    now: f64,
    offset: i32,
) -> i32 {
    runtime(handle, |r, _, _| {
        let accepted = (accepted >= 0.0).then_some(accepted as u64);
        let session = (session >= 0.0).then_some(session as i64);
        r.restore_numbers(accepted, session, &clock(now, offset));
        Ok(())
    })
}

/// Reporting to a collector at a sampling rate of `rate_bp` basis points (negative: off).
#[no_mangle]
pub extern "C" fn pw_collect(handle: i32, rate_bp: i32) -> i32 {
    runtime(handle, |r, _, _| {
        r.set_collect(u32::try_from(rate_bp).ok());
        Ok(())
    })
}

/// Puts program `program` (a handle from `pw_open`, consumed) in use.
#[no_mangle]
pub extern "C" fn pw_install(handle: i32, program: i32, now: f64, offset: i32) -> i32 {
    with(|g| match (g.take(program), g.object(handle)) {
        (Object::Program(p), Some(Object::Runtime(r))) => {
            r.install(*p, &clock(now, offset));
            0
        }
        _ => -1,
    })
}

/// A new page view on the page the input describes: path, referrer domain, `utm_source`,
/// `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`, device, language (empty: none).
#[no_mangle]
pub extern "C" fn pw_page(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, _| {
        let mut args = Args::new(input);
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
        r.page_view(page, &clock(now, offset));
        Ok(())
    })
}

/// The page view's start, once a program arrived.
#[no_mangle]
pub extern "C" fn pw_begin(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, _, _| {
        r.begin(&clock(now, offset));
        Ok(())
    })
}

/// Drops the program if it expired.
#[no_mangle]
pub extern "C" fn pw_expiry(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, _, _| {
        r.check_expiry(&clock(now, offset));
        Ok(())
    })
}

/// Decides the slots of the input (not revealed, not yet decided); answers a JSON array of the
/// decisions of the slots the program knows.
#[no_mangle]
pub extern "C" fn pw_apply(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, out| {
        let slots = Args::new(input).rest();
        let decided = r.apply(&slots, &clock(now, offset));
        out.open_array();
        for shown in decided {
            out.raw(&shown.json);
        }
        out.close_array();
        Ok(())
    })
}

/// The input's slots were shown: their exposures are recorded.
#[no_mangle]
pub extern "C" fn pw_shown(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, _| {
        let slots = Args::new(input).rest();
        r.shown(&slots, &clock(now, offset));
        Ok(())
    })
}

/// The input's slots were revealed with their default content by the timeout.
#[no_mangle]
pub extern "C" fn pw_reveal(handle: i32) -> i32 {
    runtime(handle, |r, input, _| {
        r.reveal(&Args::new(input).rest());
        Ok(())
    })
}

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

/// `decide(slot)`: the decision shown (decided and recorded once per view) and its exposure;
/// answers its JSON, or `null` without a program.
#[no_mangle]
pub extern "C" fn pw_decide(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, out| {
        let slot = Args::new(input).str();
        let clock = clock(now, offset);
        let json = match r.decide(slot, &clock) {
            Ok(Some(shown)) => shown.json.clone(),
            Ok(None) => "null".to_owned(),
            Err(_) => return Err(unknown_slot(slot)),
        };
        r.shown(&[slot], &clock);
        out.raw(&json);
        Ok(())
    })
}

/// `peek(slot)` (`explain` when `explain` is 1): JSON, or `null` without a program.
#[no_mangle]
pub extern "C" fn pw_peek(handle: i32, explain: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, out| {
        let slot = Args::new(input).str();
        let clock = clock(now, offset);
        let answer = if explain == 1 {
            r.explain(slot, &clock)
        } else {
            r.peek(slot, &clock)
        };
        match answer {
            Ok(json) => out.raw(json.as_deref().unwrap_or("null")),
            Err(_) => return Err(unknown_slot(slot)),
        }
        Ok(())
    })
}

/// `track(event)` (the event in the input).
#[no_mangle]
pub extern "C" fn pw_track(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, _| {
        let event = Args::new(input).str();
        r.track(event, &clock(now, offset))
            .map_err(|e| signal_error(&e))
    })
}

/// `set(name, value)`: the input holds the name, then the value's strings; `kind` is 0 a
/// string, 1 the number `number`, 2 false, 3 true, 4 a list of strings.
#[no_mangle]
pub extern "C" fn pw_set(handle: i32, kind: u32, number: f64, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, input, _| {
        let mut args = Args::new(input);
        let name = args.str();
        let value = match kind {
            0 => Value::String(args.str().to_owned()),
            1 => Value::Number(number),
            2 => Value::Bool(false),
            3 => Value::Bool(true),
            _ => Value::List(args.rest().into_iter().map(str::to_owned).collect()),
        };
        r.set(name, value, &clock(now, offset))
            .map_err(|e| signal_error(&e))
    })
}

/// Decides again every slot decided in this view; answers the slots that changed (a JSON
/// array; their decisions are in the effects).
#[no_mangle]
pub extern "C" fn pw_redecide(handle: i32, now: f64, offset: i32) -> i32 {
    runtime(handle, |r, _, out| {
        let changed = r.redecide(&clock(now, offset));
        out.strings(&changed);
        Ok(())
    })
}

/// Sets (input: slot, variant) or removes (input: slot only) a preview override; answers `1`
/// when the program in use knows the variant.
#[no_mangle]
pub extern "C" fn pw_override(handle: i32) -> i32 {
    runtime(handle, |r, input, out| {
        let mut args = Args::new(input);
        let slot = args.str();
        let variant = args.blob().and_then(|b| core::str::from_utf8(b).ok());
        out.bool(r.set_override(slot, variant));
        Ok(())
    })
}

/// `forget()`: a new device (the new install id in the input).
#[no_mangle]
pub extern "C" fn pw_forget(handle: i32) -> i32 {
    runtime(handle, |r, input, _| {
        r.forget(Args::new(input).str());
        Ok(())
    })
}

/// The bytes to store under `key` (a [`Key`] bit).
#[no_mangle]
pub extern "C" fn pw_snapshot(handle: i32, key: u32) -> i32 {
    call(|g, _| {
        let bytes = match (Key::from_bit(key), g.object(handle)) {
            (Some(key), Some(Object::Runtime(r))) => r.snapshot(key),
            _ => Vec::new(),
        };
        g.answer(&bytes)
    })
}

/// What happened since the last call ([`crate::runtime::Effects::to_json`]), and forgets it.
#[no_mangle]
pub extern "C" fn pw_effects(handle: i32) -> i32 {
    runtime(handle, |r, _, out| {
        out.raw(&r.take_effects().to_json());
        Ok(())
    })
}

/// `{"signals":…,"renders":…,"assignments":…,"accepted":N|null,"session":T|null}`: the
/// device's state, for `signals()` and `assignments()`.
#[no_mangle]
pub extern "C" fn pw_state(handle: i32) -> i32 {
    runtime(handle, |r, _, out| {
        out.open_object();
        out.key("debug");
        out.raw(&r.debug_json());
        out.key("assignments");
        out.raw(&r.assignments_json());
        out.key("accepted");
        match r.accepted() {
            Some(v) => out.uint(v),
            None => out.null(),
        }
        out.key("session");
        match r.last_activity() {
            Some(t) => out.int(t),
            None => out.null(),
        }
        out.close_object();
        Ok(())
    })
}

/// The batches to send now: the input holds the site, then random bytes for batch ids (16 per
/// new batch; when they run out, ids repeat and the events wait). Answers `id\nbody\n` per
/// batch.
#[no_mangle]
pub extern "C" fn pw_batches(handle: i32) -> i32 {
    runtime(handle, |r, input, out| {
        let mut args = Args::new(input);
        let site = args.str();
        let random = args.blob().unwrap_or_default();
        let mut chunks = random.chunks_exact(16);
        let mut ids = || {
            let mut id = [0u8; 16];
            if let Some(chunk) = chunks.next() {
                id.copy_from_slice(chunk);
            }
            id
        };
        let mut text = String::new();
        for batch in r.take_batches(site, &mut ids) {
            text.push_str(&batch.id);
            text.push('\n');
            text.push_str(&batch.body);
            text.push('\n');
        }
        out.raw(&text);
        Ok(())
    })
}

/// The send of the batch whose id is the input was answered: `ok` 1 (a `2xx`) confirms it,
/// 0 keeps it to be sent again.
#[no_mangle]
pub extern "C" fn pw_settle(handle: i32, ok: i32) -> i32 {
    runtime(handle, |r, input, out| {
        out.bool(r.settle(Args::new(input).str(), ok == 1));
        Ok(())
    })
}
