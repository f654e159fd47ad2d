//! Apache Parquet: one typed column per field, snappy-compressed, rows grouped by
//! [`ROW_GROUP_ROWS`].
//!
//! Strings are `BYTE_ARRAY (STRING)`; `seq` is `INT32`, `received_at`, `bundle` and `minute`
//! `INT64` (Unix seconds, version, Unix minutes), `control` `BOOLEAN`; only `goal` is optional
//! (conversions only). Every warehouse reads these types as they are (no unsigned or logical
//! timestamp types, which loaders disagree on).

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::{ExportError, RowWriter};
use crate::store::ExportRow;

/// The file's schema.
pub const SCHEMA: &str = "
message pathwise_event {
    REQUIRED BYTE_ARRAY batch (STRING);
    REQUIRED INT32 seq;
    REQUIRED INT64 received_at;
    REQUIRED BYTE_ARRAY site (STRING);
    REQUIRED INT64 bundle;
    REQUIRED BYTE_ARRAY type (STRING);
    REQUIRED BYTE_ARRAY rule (STRING);
    REQUIRED BYTE_ARRAY variant (STRING);
    REQUIRED BYTE_ARRAY slot (STRING);
    REQUIRED BOOLEAN control;
    OPTIONAL BYTE_ARRAY goal (STRING);
    REQUIRED INT64 minute;
}";

/// Rows per row group: large enough to compress well, small enough to keep memory modest.
const ROW_GROUP_ROWS: usize = 65_536;

/// Buffers rows and writes them a row group at a time.
pub struct ParquetWriter {
    file: SerializedFileWriter<Box<dyn Write + Send>>,
    buffered: Vec<ExportRow>,
}

impl ParquetWriter {
    /// A writer to `out` (the header is written at once).
    pub fn new(out: Box<dyn Write + Send>) -> Result<ParquetWriter, ExportError> {
        let schema = Arc::new(parse_message_type(SCHEMA)?);
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("pathwise {}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(ParquetWriter {
            file: SerializedFileWriter::new(out, schema, Arc::new(properties))?,
            buffered: Vec::new(),
        })
    }

    fn flush_row_group(&mut self) -> Result<(), ExportError> {
        if self.buffered.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.buffered);
        let text = |f: fn(&ExportRow) -> &str| -> Vec<ByteArray> {
            rows.iter()
                .map(|r| ByteArray::from(f(r).as_bytes().to_vec()))
                .collect()
        };
        let int64 = |f: fn(&ExportRow) -> i64| -> Vec<i64> { rows.iter().map(f).collect() };
        let mut group = self.file.next_row_group()?;
        let mut column = 0;
        while let Some(mut writer) = group.next_column()? {
            match column {
                0 => write(&mut writer, &text(|r| &r.batch), None)?,
                1 => {
                    let seq: Vec<i32> = rows
                        .iter()
                        .map(|r| i32::try_from(r.seq).unwrap_or(i32::MAX))
                        .collect();
                    writer.typed::<Int32Type>().write_batch(&seq, None, None)?;
                }
                2 => {
                    let values = int64(|r| r.received_at);
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&values, None, None)?;
                }
                3 => write(&mut writer, &text(|r| &r.site), None)?,
                4 => {
                    let values = int64(|r| i64::try_from(r.bundle).unwrap_or(i64::MAX));
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&values, None, None)?;
                }
                5 => write(&mut writer, &text(|r| r.kind.name()), None)?,
                6 => write(&mut writer, &text(|r| &r.rule), None)?,
                7 => write(&mut writer, &text(|r| &r.variant), None)?,
                8 => write(&mut writer, &text(|r| &r.slot), None)?,
                9 => {
                    let control: Vec<bool> = rows.iter().map(|r| r.control).collect();
                    writer
                        .typed::<BoolType>()
                        .write_batch(&control, None, None)?;
                }
                10 => {
                    // Only present values are written; the definition levels say which rows
                    // have one (1) and which are null (0).
                    let goals: Vec<ByteArray> = rows
                        .iter()
                        .filter_map(|r| r.goal.as_ref())
                        .map(|g| ByteArray::from(g.as_bytes().to_vec()))
                        .collect();
                    let levels: Vec<i16> =
                        rows.iter().map(|r| i16::from(r.goal.is_some())).collect();
                    write(&mut writer, &goals, Some(&levels))?;
                }
                _ => {
                    let values = int64(|r| r.minute);
                    writer
                        .typed::<Int64Type>()
                        .write_batch(&values, None, None)?;
                }
            }
            writer.close()?;
            column += 1;
        }
        group.close()?;
        Ok(())
    }
}

fn write(
    writer: &mut parquet::file::writer::SerializedColumnWriter<'_>,
    values: &[ByteArray],
    definition_levels: Option<&[i16]>,
) -> Result<(), ExportError> {
    writer
        .typed::<ByteArrayType>()
        .write_batch(values, definition_levels, None)?;
    Ok(())
}

impl RowWriter for ParquetWriter {
    fn write(&mut self, rows: &[ExportRow]) -> Result<(), ExportError> {
        for row in rows {
            self.buffered.push(row.clone());
            if self.buffered.len() >= ROW_GROUP_ROWS {
                self.flush_row_group()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), ExportError> {
        self.flush_row_group()?;
        let mut out = self.file.into_inner()?;
        out.flush()?;
        Ok(())
    }
}
