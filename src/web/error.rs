//! Errors and warnings as JavaScript sees them.
//!
//! Every failure that reaches JavaScript is a real `Error` (so `instanceof Error`, stack traces
//! and `console.error` work) with a stable snake_case `code` property that programs can switch on;
//! the message is for people and may be reworded. Warnings (storage fell back to memory, a
//! template is missing, …) are plain `{code, message}` objects: nothing failed, but someone
//! debugging the page wants to know.

use crate::prelude::*;
use core::fmt::Display;

use js_sys::Reflect;

use crate::json::write::Writer;
use wasm_bindgen::JsValue;

use crate::bundle::{BundleError, ParseError, ValidationErrors};
use crate::engine::DecideError;
use crate::envelope::EnvelopeError;
use crate::signals::SignalError;

/// A JavaScript `Error` with `message` and a `code` property.
pub(crate) fn coded(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error cannot fail; if it somehow did, the Error still
    // carries its message.
    let _ = Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// A core error that has a stable code.
pub(crate) trait Coded: Display {
    /// The stable code.
    fn code(&self) -> &'static str;

    /// This error as a JavaScript `Error` with `code`.
    fn to_js(&self) -> JsValue
    where
        Self: Sized,
    {
        coded_error(self)
    }
}

/// [`Coded::to_js`], compiled once for every error type (through the vtable) rather than once
/// per type: a smaller module.
#[inline(never)]
fn coded_error(error: &dyn Coded) -> JsValue {
    coded(error.code(), &error.to_string())
}

impl Coded for EnvelopeError {
    fn code(&self) -> &'static str {
        EnvelopeError::code(self)
    }
}

impl Coded for BundleError {
    fn code(&self) -> &'static str {
        BundleError::code(self)
    }
}

impl Coded for ParseError {
    fn code(&self) -> &'static str {
        ParseError::code(self)
    }
}

impl Coded for ValidationErrors {
    fn code(&self) -> &'static str {
        "bundle_invalid"
    }
}

impl Coded for DecideError {
    fn code(&self) -> &'static str {
        DecideError::code(self)
    }
}

impl Coded for SignalError {
    fn code(&self) -> &'static str {
        SignalError::code(self)
    }
}

/// Something the page's developer should know about that did not stop the SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// Stable snake_case code, e.g. `storage_unavailable`.
    pub code: &'static str,
    /// What happened, for people.
    pub message: String,
}

impl Warning {
    /// A warning.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
        }
    }

    /// The `{code, message}` object handed to `warning` handlers.
    pub fn to_js(&self) -> JsValue {
        // One JSON text parsed by JS, like the other plain-data payloads: smaller code than
        // building the object field by field.
        let mut w = Writer::new();
        w.open_object();
        w.key("code");
        w.string(self.code);
        w.key("message");
        w.string(&self.message);
        w.close_object();
        json_to_js(&w.finish())
    }
}

/// The message of a thrown JavaScript value (an `Error`'s or `DOMException`'s message, or its
/// string form).
pub(crate) fn describe(value: &JsValue) -> String {
    if let Some(message) = Reflect::get(value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
    {
        return message;
    }
    value
        .as_string()
        .unwrap_or_else(|| String::from("unknown error"))
}

/// Parses JSON text written by this crate into a JavaScript value (`undefined` if it somehow is
/// not JSON). Here rather than in `decision` because both modules (page and engine) use it.
pub(crate) fn json_to_js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::UNDEFINED)
}
