//! The headless engine's calls (`pathwise/engine`): [`Headless`] behind a handle, through one
//! export, `pw_engine(op, handle, a, b, now_s, offset_min)`, as `pw_page` does for the page.

use super::{clock, code, signal_error, Args, Globals, Object};
use crate::engine::headless::{Headless, VisitorError};
use crate::prelude::*;

/// An engine deciding from program handle `a` (from `pw_open`, consumed) at the clock given;
/// returns its handle.
pub const NEW: u32 = 0;
/// What the engine's indexes mean ([`Headless::tables_json`]).
pub const TABLES: u32 = 1;
/// Sets the unit (the input's string).
pub const UNIT: u32 = 2;
/// Sets the page path (the input's string).
pub const PATH: u32 = 3;
/// Sets the clock.
pub const CLOCK: u32 = 4;
/// Sets a visitor from the input's first `a` bytes ([`Headless::set_visitor`]).
pub const VISITOR: u32 = 5;
/// Decides every slot; answers one little-endian `u32` choice index per slot.
pub const DECIDE: u32 = 6;

/// The engine's calls (see the module documentation).
#[no_mangle]
pub extern "C" fn pw_engine(op: u32, handle: i32, a: f64, _b: f64, now: f64, offset: i32) -> i32 {
    super::call(|g: &mut Globals, input| {
        let clock = clock(now, offset);
        if op == NEW {
            return match g.take(a as i32) {
                Object::Program(p) => g.add(Object::Engine(Box::new(Headless::new(*p, clock)))),
                _ => g.fail(&code("invalid_argument")),
            };
        }
        let Some(Object::Engine(e)) = g.object(handle) else {
            return g.fail(&code("invalid_argument"));
        };
        let mut out = Vec::new();
        let result = match op {
            TABLES => {
                out = e.tables_json().into_bytes();
                Ok(())
            }
            UNIT => {
                e.set_unit(Args::new(input).str());
                Ok(())
            }
            PATH => {
                e.set_page(Args::new(input).str());
                Ok(())
            }
            CLOCK => {
                e.set_clock(clock);
                Ok(())
            }
            VISITOR => {
                let bytes = input.get(..a as usize).unwrap_or(input);
                e.set_visitor(bytes).map_err(|err| match err {
                    VisitorError::Signal(s) => signal_error(&s),
                    VisitorError::Malformed => code("invalid_argument"),
                })
            }
            DECIDE => {
                // Sized once: growing both lists push by push was a tenth of deciding ten slots.
                let slots = e.program().slots.len();
                let mut indexes = Vec::with_capacity(slots);
                e.decide_all(&mut indexes);
                out.reserve_exact(4 * slots);
                for i in indexes {
                    out.extend_from_slice(&i.to_le_bytes());
                }
                Ok(())
            }
            _ => Err(code("invalid_argument")),
        };
        match result {
            Ok(()) => g.answer(&out),
            Err(e) => g.fail(&e),
        }
    })
}
