//! Measurement: what is reported, when, and in which form.
//!
//! An **exposure** is recorded when a variant (or, for a control, the default) is actually
//! rendered; a **conversion** when one of the rule's goal events is tracked after an exposure.
//! Both are reported in batches by beacon, carrying no install id, no signal name or value, no URL
//! and no user agent: only which rule showed which variant in which slot, and the minute.

pub mod payload;
pub mod stats;
