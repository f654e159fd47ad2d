//! The headless engine's exports (`pathwise/engine`): [`Headless`] behind a handle.

use super::{call, clock, code, signal_error, with, Args, Globals, Object};
use crate::engine::headless::{Headless, VisitorError};
use crate::prelude::*;

/// An engine deciding from program `program` (a handle from `pw_open`, consumed) at the clock
/// given; returns its handle.
#[no_mangle]
pub extern "C" fn pw_engine(program: i32, now: f64, offset: i32) -> i32 {
    call(|g, _| match g.take(program) {
        Object::Program(p) => g.add(Object::Engine(Box::new(Headless::new(
            *p,
            clock(now, offset),
        )))),
        _ => g.fail(&code("invalid_argument")),
    })
}

fn engine(
    handle: i32,
    f: impl FnOnce(&mut Headless, &[u8], &mut Vec<u8>) -> Result<(), String>,
) -> i32 {
    call(|g: &mut Globals, input| {
        let mut out = Vec::new();
        let result = match g.object(handle) {
            Some(Object::Engine(e)) => f(e, input, &mut out),
            _ => Err(code("invalid_argument")),
        };
        match result {
            Ok(()) => g.answer(&out),
            Err(e) => g.fail(&e),
        }
    })
}

/// What the engine's indexes mean ([`Headless::tables_json`]).
#[no_mangle]
pub extern "C" fn pw_engine_tables(handle: i32) -> i32 {
    engine(handle, |e, _, out| {
        out.extend_from_slice(e.tables_json().as_bytes());
        Ok(())
    })
}

/// Sets the unit (the input's string).
#[no_mangle]
pub extern "C" fn pw_engine_unit(handle: i32) -> i32 {
    engine(handle, |e, input, _| {
        e.set_unit(Args::new(input).str());
        Ok(())
    })
}

/// Sets the page path (the input's string).
#[no_mangle]
pub extern "C" fn pw_engine_page(handle: i32) -> i32 {
    engine(handle, |e, input, _| {
        e.set_page(Args::new(input).str());
        Ok(())
    })
}

/// Sets the clock.
#[no_mangle]
pub extern "C" fn pw_engine_clock(handle: i32, now: f64, offset: i32) -> i32 {
    engine(handle, |e, _, _| {
        e.set_clock(clock(now, offset));
        Ok(())
    })
}

/// Sets a visitor from the input's first `len` bytes ([`Headless::set_visitor`]).
#[no_mangle]
pub extern "C" fn pw_engine_visitor(handle: i32, len: usize) -> i32 {
    engine(handle, |e, input, _| {
        let bytes = input.get(..len).unwrap_or(input);
        e.set_visitor(bytes).map_err(|err| match err {
            VisitorError::Signal(s) => signal_error(&s),
            VisitorError::Malformed => code("invalid_argument"),
        })
    })
}

/// Decides every slot; answers one little-endian `u32` choice index per slot.
#[no_mangle]
pub extern "C" fn pw_engine_decide(handle: i32) -> i32 {
    with(|g| {
        let mut indexes = Vec::new();
        match g.object(handle) {
            Some(Object::Engine(e)) => e.decide_all(&mut indexes),
            _ => return -1,
        }
        let mut bytes = Vec::with_capacity(indexes.len() * 4);
        for i in indexes {
            bytes.extend_from_slice(&i.to_le_bytes());
        }
        g.answer(&bytes)
    })
}
