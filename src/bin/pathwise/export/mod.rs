//! `pathwise export`: every stored event, one row each, for a warehouse.
//!
//! ```text
//! pathwise export [--store sqlite:PATH | postgres://…] --format ndjson|parquet [--since T]
//!                 [--out FILE]
//! ```
//!
//! A row is one event with its batch's fields: `batch`, `seq` (the event's position in its
//! batch), `received_at`, `site`, `bundle`, `type`, `rule`, `variant`, `slot`, `control`,
//! `goal`, `minute` ([`ExportRow`]). `batch` and `seq` together identify an event, so a
//! warehouse table keyed by them (ClickHouse's `ReplacingMergeTree`, a BigQuery `MERGE`) keeps
//! one copy of each event however often overlapping exports are loaded; docs/warehouse.md shows
//! both, with the report's queries. Rows come in the order `received_at`, `batch`, `seq`, read
//! from the store a page at a time, so memory stays flat however large the store is.
//!
//! `--since` keeps batches the collector received at or after that instant (Unix seconds or
//! RFC 3339). Several collectors each stamp `received_at` with their own clock, and a batch is
//! visible only once committed, so an incremental export should start a few minutes before the
//! previous one ended and let the warehouse's key drop the overlap.
//!
//! With `--out FILE` the file is written beside its final name and renamed into place once
//! complete, so a failed export never leaves half a file where a loader would pick it up.

mod ndjson;
mod parquet;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::common::{note, parse_time};
use crate::failure::{Exit, Failure};
use crate::store::{ExportRow, Store, StoreUrl};

/// Rows read from the store per query.
const PAGE_ROWS: u32 = 10_000;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Newline-delimited JSON: one object per line.
    Ndjson,
    /// Apache Parquet: typed columns, snappy-compressed.
    Parquet,
}

/// Options of `pathwise export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The collector's store: `sqlite:PATH` or `postgres://USER@HOST/DATABASE`.
    #[arg(long, default_value = StoreUrl::DEFAULT)]
    pub store: StoreUrl,
    /// The output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Only batches received at or after this instant (Unix seconds or RFC 3339).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<pathwise::time::Timestamp>,
    /// Write here instead of stdout (replaced atomically when the export is complete).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// The Parquet encoder refused.
    #[error("cannot encode Parquet: {0}")]
    Parquet(#[from] ::parquet::errors::ParquetError),
}

/// Writes rows in one format.
trait RowWriter {
    /// Writes these rows after the ones before.
    fn write(&mut self, rows: &[ExportRow]) -> Result<(), ExportError>;
    /// Writes what is buffered and the format's trailer, and flushes.
    fn finish(self: Box<Self>) -> Result<(), ExportError>;
}

fn row_writer(
    format: Format,
    out: Box<dyn Write + Send>,
) -> Result<Box<dyn RowWriter>, ExportError> {
    Ok(match format {
        Format::Ndjson => Box::new(ndjson::NdjsonWriter::new(out)),
        Format::Parquet => Box::new(parquet::ParquetWriter::new(out)?),
    })
}

/// Runs `pathwise export`.
pub fn run(args: &ExportArgs) -> Result<(), Failure> {
    if args.format == Format::Parquet && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::new(
            Exit::Usage,
            "Parquet is binary: give --out FILE, or redirect stdout to a file",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Exit::Io, format!("cannot start the runtime: {e}")))?;
    let store = runtime
        .block_on(Store::open(&args.store, 1))
        .map_err(|e| Failure::new(Exit::Io, format!("{}: {e}", args.store)))?;
    let since = args.since.map_or(i64::MIN, |t| t.seconds());
    let (out, staged): (Box<dyn Write + Send>, Option<Staged>) = match &args.out {
        Some(path) => {
            let staged = Staged::create(path)?;
            (Box::new(BufWriter::new(staged.file()?)), Some(staged))
        }
        None => (Box::new(BufWriter::new(std::io::stdout())), None),
    };
    let write_failed = |e: ExportError| Failure::new(Exit::Io, e.to_string());
    let mut writer = row_writer(args.format, out).map_err(write_failed)?;
    let mut exported: u64 = 0;
    let mut after = None;
    loop {
        let page = runtime
            .block_on(store.export_page(since, after.take(), PAGE_ROWS))
            .map_err(|e| Failure::new(Exit::Io, format!("{}: {e}", args.store)))?;
        let Some(last) = page.last() else { break };
        after = Some(last.cursor());
        writer.write(&page).map_err(write_failed)?;
        exported += page.len() as u64;
    }
    writer.finish().map_err(write_failed)?;
    let target = match staged {
        Some(staged) => staged.commit()?,
        None => "stdout".to_owned(),
    };
    note(&format!(
        "exported {exported} event(s) from {} to {target}",
        args.store
    ));
    Ok(())
}

/// An output file written beside its final name, renamed into place on success and removed if
/// dropped before.
struct Staged {
    temporary: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Staged {
    fn create(path: &Path) -> Result<Staged, Failure> {
        let name = path.file_name().ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                format!("--out {}: not a file name", path.display()),
            )
        })?;
        let mut temporary_name = std::ffi::OsString::from(".");
        temporary_name.push(name);
        temporary_name.push(format!(".{}.partial", std::process::id()));
        Ok(Staged {
            temporary: path.with_file_name(temporary_name),
            path: path.to_path_buf(),
            committed: false,
        })
    }

    fn file(&self) -> Result<File, Failure> {
        File::create(&self.temporary).map_err(|e| {
            Failure::new(
                Exit::Io,
                format!("cannot create {}: {e}", self.temporary.display()),
            )
        })
    }

    fn commit(mut self) -> Result<String, Failure> {
        std::fs::rename(&self.temporary, &self.path).map_err(|e| {
            Failure::new(
                Exit::Io,
                format!("cannot move the export to {}: {e}", self.path.display()),
            )
        })?;
        self.committed = true;
        Ok(self.path.display().to_string())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}
