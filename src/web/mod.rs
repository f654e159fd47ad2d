//! The WebAssembly boundary: a few exported functions that pass bytes (wasm32 only).
//!
//! The module exports plain functions and its memory, and imports nothing; the hand-written
//! JavaScript shell (`js/`) instantiates it and owns everything a browser or a server process
//! does — DOM, storage, network, timers, the public API. The Rust side is thin: every export
//! reads its arguments from one input buffer, calls the core ([`crate::program`],
//! [`crate::envelope`], [`crate::runtime`], [`crate::engine::headless`]) and writes its answer
//! into one output buffer.
//!
//! | export | does |
//! |---|---|
//! | `pw_input(len) → ptr` | makes room for `len` input bytes and returns where the shell writes them |
//! | `pw_output() → ptr` | where the last answer was written |
//! | `pw_query(handle, what)` | a number about a program or a runtime |
//! | `pw_program`, `pw_page(op, …)` | a verified payload's program read and checked; the page runtime's calls ([`page`], feature `page`) |
//! | `pw_open` | an envelope's parts verified, its payload inflated, its program read and checked ([`envelope`], feature `envelope`) |
//! | `pw_engine(op, …)` | the headless engine's calls ([`engine`], feature `engine`) |
//! | `pw_free(handle)` | releases a program, runtime or engine |
//!
//! **Conventions.** Objects live in a table inside the module and cross as handles (small
//! integers, never pointers). Strings cross as UTF-8, each preceded by its length as a
//! little-endian `u32`. An export that answers returns the answer's length `n ≥ 0` (the bytes
//! at `pw_output()`), or `-(n + 1)` when the answer is an error: `{"code": …, …}` as JSON, which
//! the shell turns into an `Error` with that `code` and a message of its own — the module holds
//! codes and facts, no message text. Times cross as Unix seconds (`f64`) plus the UTC offset in
//! minutes.
//!
//! **One thread, no reentrancy.** The module never calls out, so no export runs while another
//! is running; the table and the buffers are reached through [`with`], the one `unsafe` of this
//! layer (besides the allocator).

#[cfg(feature = "engine")]
mod engine;
#[cfg(feature = "envelope")]
mod envelope;
mod objects;
#[cfg(feature = "page")]
mod page;

use core::cell::UnsafeCell;

use objects::*;

use crate::prelude::*;

/// The module's state: the input and output buffers and the object table.
struct Globals {
    input: Vec<u8>,
    output: Vec<u8>,
    objects: Vec<Object>,
}

struct Global(UnsafeCell<Option<Globals>>);

// SAFETY: the module is single-threaded (no `atomics`), and no export runs inside another (the
// module imports nothing, so it never calls out while an export runs).
unsafe impl Sync for Global {}

static GLOBALS: Global = Global(UnsafeCell::new(None));

/// Runs `f` with the module's state.
fn with<R>(f: impl FnOnce(&mut Globals) -> R) -> R {
    // SAFETY: see `Global`: one export at a time, and `with` is never nested (no export calls
    // another), so this is the only reference.
    let globals = unsafe { &mut *GLOBALS.0.get() };
    f(globals.get_or_insert_with(|| Globals {
        input: Vec::new(),
        output: Vec::new(),
        objects: Vec::new(),
    }))
}

/// Runs `f` with the module's state and the input the shell wrote (taken out of the state for
/// the call, so both can be used).
fn call(f: impl FnOnce(&mut Globals, &[u8]) -> i32) -> i32 {
    with(|g| {
        let input = core::mem::take(&mut g.input);
        let answer = f(g, &input);
        g.input = input;
        answer
    })
}

/// The pinned key in the first 32 bytes.
#[cfg(feature = "envelope")]
fn key(bytes: &[u8]) -> Option<Result<crate::envelope::PublicKey, crate::envelope::KeyError>> {
    let array: [u8; 32] = bytes.get(..32)?.try_into().ok()?;
    Some(crate::envelope::PublicKey::from_bytes(&array))
}

/// The strings of the input, each a little-endian `u32` length and UTF-8 bytes.
struct Args<'a> {
    bytes: &'a [u8],
}

impl<'a> Args<'a> {
    fn new(bytes: &'a [u8]) -> Args<'a> {
        Args { bytes }
    }

    fn raw(&mut self, len: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.bytes.get(..len)?, self.bytes.get(len..)?);
        self.bytes = rest;
        Some(head)
    }

    fn len(&mut self) -> Option<usize> {
        let b = self.raw(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn blob(&mut self) -> Option<&'a [u8]> {
        let len = self.len()?;
        self.raw(len)
    }

    /// The next string (empty when the input ends or is not UTF-8).
    fn str(&mut self) -> &'a str {
        self.blob()
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }

    /// Every remaining string.
    #[cfg_attr(not(feature = "page"), allow(dead_code))]
    fn rest(mut self) -> Vec<&'a str> {
        let mut out = Vec::new();
        while !self.bytes.is_empty() {
            out.push(self.str());
        }
        out
    }
}

/// Makes room for `len` input bytes; returns where the shell writes them (0 when the memory
/// cannot be had).
#[no_mangle]
pub extern "C" fn pw_input(len: usize) -> *mut u8 {
    with(|g| {
        g.input.clear();
        if g.input.try_reserve_exact(len).is_err() {
            return core::ptr::null_mut();
        }
        g.input.resize(len, 0);
        g.input.as_mut_ptr()
    })
}
