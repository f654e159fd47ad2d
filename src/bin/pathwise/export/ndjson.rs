//! Newline-delimited JSON: one object per event, the fields in the order of the Parquet schema.

use std::io::Write;

use serde::Serialize;

use super::{ExportError, RowWriter};
use crate::store::ExportRow;

/// One line of the export.
#[derive(Serialize)]
struct Line<'a> {
    batch: &'a str,
    seq: u32,
    received_at: i64,
    site: &'a str,
    bundle: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    rule: &'a str,
    variant: &'a str,
    slot: &'a str,
    control: bool,
    goal: Option<&'a str>,
    minute: i64,
}

impl<'a> From<&'a ExportRow> for Line<'a> {
    fn from(row: &'a ExportRow) -> Line<'a> {
        Line {
            batch: &row.batch,
            seq: row.seq,
            received_at: row.received_at,
            site: &row.site,
            bundle: row.bundle,
            kind: row.kind.name(),
            rule: &row.rule,
            variant: &row.variant,
            slot: &row.slot,
            control: row.control,
            goal: row.goal.as_deref(),
            minute: row.minute,
        }
    }
}

/// Writes each row as a JSON line.
pub struct NdjsonWriter {
    out: Box<dyn Write + Send>,
}

impl NdjsonWriter {
    /// A writer to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> NdjsonWriter {
        NdjsonWriter { out }
    }
}

impl RowWriter for NdjsonWriter {
    fn write(&mut self, rows: &[ExportRow]) -> Result<(), ExportError> {
        for row in rows {
            serde_json::to_writer(&mut self.out, &Line::from(row)).map_err(std::io::Error::from)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), ExportError> {
        self.out.flush()?;
        Ok(())
    }
}
