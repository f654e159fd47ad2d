//! The object table: programs, runtimes and engines behind handles, the output buffer, and the
//! errors the exports answer as JSON.

use super::{with, Globals};
use crate::engine::headless::Headless;
use crate::json::Writer;
use crate::prelude::*;
use crate::program::Program;
use crate::runtime::Runtime;
use crate::signals::SignalError;
use crate::time::Clock;

/// What a handle names.
pub(super) enum Object {
    Free,
    #[cfg_attr(not(any(feature = "page", feature = "envelope")), allow(dead_code))]
    Program(Box<Program>),
    #[cfg_attr(not(feature = "page"), allow(dead_code))]
    Runtime(Box<Runtime>),
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    Engine(Box<Headless>),
}

impl Globals {
    /// A new handle for `object` (a freed entry is reused).
    pub(super) fn add(&mut self, object: Object) -> i32 {
        let at = match self.objects.iter().position(|o| matches!(o, Object::Free)) {
            Some(at) => {
                self.objects[at] = object;
                at
            }
            None => {
                self.objects.push(object);
                self.objects.len() - 1
            }
        };
        at as i32 + 1
    }

    pub(super) fn object(&mut self, handle: i32) -> Option<&mut Object> {
        let at = usize::try_from(handle).ok()?.checked_sub(1)?;
        self.objects.get_mut(at)
    }

    pub(super) fn take(&mut self, handle: i32) -> Object {
        match self.object(handle) {
            Some(o) => core::mem::replace(o, Object::Free),
            None => Object::Free,
        }
    }

    /// Answers `bytes`: their length.
    pub(super) fn answer(&mut self, bytes: &[u8]) -> i32 {
        self.output.clear();
        self.output.extend_from_slice(bytes);
        bytes.len() as i32
    }

    /// Answers with an error (JSON `{"code":…}`): `-(length + 1)`.
    pub(super) fn fail(&mut self, json: &str) -> i32 {
        -(self.answer(json.as_bytes()) + 1)
    }
}

/// `{"code":"CODE"}`.
pub(super) fn code(code: &str) -> String {
    let mut w = Writer::new();
    w.open_object();
    w.key("code");
    w.string(code);
    w.close_object();
    w.finish()
}

/// A signal store's refusal as `{"code", "name", "kind"?}` (the shell words the message).
pub(super) fn signal_error(e: &SignalError) -> String {
    let mut w = Writer::new();
    w.open_object();
    w.key("code");
    w.string(e.code());
    let (name, detail) = match e {
        SignalError::Undeclared { name }
        | SignalError::BuiltIn { name }
        | SignalError::IsEvent { name }
        | SignalError::NonFinite { name } => (name, None),
        SignalError::WrongKind { name, declared, .. }
        | SignalError::NotEvent { name, declared } => (name, Some(declared.name())),
        SignalError::StringTooLong { name, .. } | SignalError::ListTooLong { name, .. } => {
            (name, None)
        }
    };
    w.key("name");
    w.string(name);
    if let Some(kind) = detail {
        w.key("kind");
        w.string(kind);
    }
    w.close_object();
    w.finish()
}

/// A program's refusal by its checks (what `pw_program` answers) as `{"code":…, …facts}`: the
/// shell words the message. Only the refusals a verified payload can meet are named here, so a
/// module without envelope verification carries none of the others' codes.
pub(super) fn program_error(e: &crate::envelope::EnvelopeError) -> String {
    use crate::envelope::EnvelopeError;
    let mut w = Writer::new();
    w.open_object();
    w.key("code");
    match e {
        EnvelopeError::Program(p) => {
            w.string(p.code());
            w.key("reason");
            w.string(p.problem.code());
            w.key("offset");
            w.uint(p.at as u64);
        }
        EnvelopeError::SiteMismatch { found, .. } => {
            w.string("site_mismatch");
            w.key("found");
            w.string(found);
        }
        EnvelopeError::Expired { expires_at, .. } => {
            w.string("expired");
            w.key("expires_at");
            w.int(expires_at.0);
        }
        EnvelopeError::VersionInFuture { version, .. } => {
            w.string("version_in_future");
            w.key("version");
            w.uint(*version);
        }
        EnvelopeError::Rollback { version, accepted } => {
            w.string("rollback");
            w.key("version");
            w.uint(*version);
            w.key("accepted");
            w.uint(*accepted);
        }
        _ => w.string("invalid_argument"),
    }
    w.close_object();
    w.finish()
}

/// An envelope's refusal (what `pw_open` answers) as `{"code":…, …facts}`.
#[cfg(feature = "envelope")]
pub(super) fn envelope_error(e: &crate::envelope::EnvelopeError) -> String {
    use crate::envelope::EnvelopeError;
    let mut w = Writer::new();
    w.open_object();
    w.key("code");
    w.string(e.code());
    match e {
        EnvelopeError::InvalidThreshold { threshold, pinned } => {
            w.key("threshold");
            w.uint(*threshold as u64);
            w.key("pinned");
            w.uint(*pinned as u64);
        }
        EnvelopeError::SignatureThresholdNotMet {
            verified, required, ..
        } => {
            w.key("verified");
            w.uint(*verified as u64);
            w.key("required");
            w.uint(*required as u64);
        }
        EnvelopeError::Program(_)
        | EnvelopeError::SiteMismatch { .. }
        | EnvelopeError::Expired { .. }
        | EnvelopeError::VersionInFuture { .. }
        | EnvelopeError::Rollback { .. } => return program_error(e),
        _ => {}
    }
    w.close_object();
    w.finish()
}

/// The clock of an export's `(now_s, offset_min)` arguments.
pub(super) fn clock(now: f64, offset: i32) -> Clock {
    Clock {
        // `as` saturates: an absurd clock gives an absurd but harmless time, never a trap.
        now: now as i64,
        utc_offset_minutes: offset,
    }
}

/// Where the last answer was written.
#[no_mangle]
pub extern "C" fn pw_output() -> *const u8 {
    with(|g| g.output.as_ptr())
}

/// Releases the program, runtime or engine `handle`.
#[no_mangle]
pub extern "C" fn pw_free(handle: i32) {
    with(|g| {
        g.take(handle);
    });
}

/// A number about `handle`, for the shell (negative: none): `what` 0 the version of the program
/// (a program handle, or the runtime's program in use), 1 the highest version the runtime
/// accepted, 2 its last activity (Unix seconds), 4 how many slots this page view decided.
#[no_mangle]
pub extern "C" fn pw_query(handle: i32, what: u32) -> f64 {
    #[cfg(feature = "page")]
    let num = |v: Option<u64>| v.map_or(-1.0, |v| v as f64);
    with(|g: &mut Globals| match (g.object(handle), what) {
        (Some(Object::Program(p)), 0) => p.version() as f64,
        #[cfg(feature = "page")]
        (Some(Object::Runtime(r)), 0) => num(r.version()),
        #[cfg(feature = "page")]
        (Some(Object::Runtime(r)), 1) => num(r.accepted()),
        #[cfg(feature = "page")]
        (Some(Object::Runtime(r)), 2) => r.last_activity().map_or(-1.0, |t| t as f64),
        #[cfg(feature = "page")]
        (Some(Object::Runtime(r)), 4) => r.decided() as f64,
        _ => -1.0,
    })
}
