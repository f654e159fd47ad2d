//! Where the collector keeps beacon batches: an embedded SQLite file (the default, for the demo
//! and small sites) or a PostgreSQL database shared by any number of collector instances.
//!
//! Both stores promise the same things, which the collector's answers rely on:
//!
//! - **All or nothing per batch.** A batch's row and all its events are written in one
//!   transaction; a process killed mid-write leaves either the whole batch or none of it.
//! - **Durable before acknowledged.** [`Store::insert`] returns only after the transaction has
//!   committed (SQLite: WAL with `synchronous=FULL`; PostgreSQL: its default
//!   `synchronous_commit`), so `/pathwise/results` answers 204 only for a batch that survives a
//!   crash.
//! - **Stored once.** The batch id is unique in the store. A retried batch — sent again by the
//!   same device, or received by two instances at once — stores nothing new, and is reported as
//!   [`Stored::Duplicate`] only once the first copy is committed (PostgreSQL makes the second
//!   insert wait for the first transaction on the unique index).
//! - **The report in SQL.** [`Store::totals`] aggregates exposures and conversions per rule and
//!   arm in the store itself; only the statistics on those counts are computed in Rust.
//! - **Migrated by the tool.** Each store records its schema version and upgrades itself on
//!   open, in one transaction (PostgreSQL: under an advisory lock, so instances starting together
//!   do not race); a store written by a newer `pathwise` is refused rather than misread.

mod postgres;
mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use pathwise::report::payload::{Batch, EventType};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Where a store is: parsed from `--store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite:PATH`: a SQLite file (created, with its folder, if missing).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`: a PostgreSQL connection URL (libpq's URL form; a
    /// Unix socket folder goes in `?host=/path`).
    Postgres(String),
}

impl StoreUrl {
    /// The default store: the demo's SQLite file.
    pub const DEFAULT: &'static str = "sqlite:.pathwise/events.sqlite";
}

impl FromStr for StoreUrl {
    type Err = String;

    /// Accepts `sqlite:PATH` and `postgres://…` / `postgresql://…`.
    fn from_str(text: &str) -> Result<StoreUrl, String> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite: needs a file path (sqlite:.pathwise/events.sqlite)".into());
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            // Checked here so that a typo is a usage error, not a start-up failure later.
            postgres::parse_config(text)?;
            return Ok(StoreUrl::Postgres(text.to_owned()));
        }
        Err(format!(
            "{:?} is not a store: write sqlite:PATH or postgres://USER@HOST/DATABASE",
            redact_userinfo(text)
        ))
    }
}

impl fmt::Display for StoreUrl {
    /// The store for messages and logs: never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            StoreUrl::Postgres(url) => f.write_str(&redact_userinfo(url)),
        }
    }
}

/// `scheme://user:secret@host…` with the secret replaced by `***`.
fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let password = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{password}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite file's folder could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    Directory {
        /// The folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite refused.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused, or the connection broke.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool in time (the server is down,
    /// refuses, or every connection is busy).
    #[error("PostgreSQL connection pool: {0}")]
    Pool(String),
    /// The store is not usable as configured (for example TLS was required).
    #[error("{0}")]
    Config(String),
    /// The store was created or upgraded by a newer `pathwise`, whose schema this one cannot
    /// read or write safely.
    #[error(
        "the store has schema version {found}, but this pathwise knows only up to {known}: \
         upgrade pathwise (the store is left as it is)"
    )]
    NewerSchema {
        /// The version recorded in the store.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The SQLite connection lock was poisoned by a panic in another request.
    #[error("database connection unavailable (a previous request panicked)")]
    Poisoned,
    /// The blocking task that runs a SQLite statement did not finish (the runtime is shutting
    /// down).
    #[error("the database task did not finish: {0}")]
    Worker(String),
    /// A value does not fit the store's signed 64-bit integers.
    #[error("{0} is too large to store")]
    TooLarge(&'static str),
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// New batch: its row and events are committed.
    New,
    /// A batch with this id was already committed: nothing written.
    Duplicate,
}

/// One aggregated count: events of one kind for one (rule, arm, goal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    /// Rule id.
    pub rule: String,
    /// Slot id (the smallest seen, should the events disagree).
    pub slot: String,
    /// Whether the events came from the control (or holdout).
    pub control: bool,
    /// Variant id (the slot's default id for a control).
    pub variant: String,
    /// Exposure or conversion.
    pub kind: EventType,
    /// The goal, for conversions.
    pub goal: Option<String>,
    /// How many events.
    pub count: u64,
}

/// Everything the report is computed from.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Stored batches.
    pub batches: u64,
    /// Stored events.
    pub events: u64,
    /// Sum of the batches' `dropped` counters.
    pub dropped: u64,
    /// Per (rule, arm, kind, goal) counts.
    pub rows: Vec<CountRow>,
}

impl Totals {
    /// Totals from a store's batch count, its sum of `dropped` and its count rows (the event
    /// count is their sum).
    fn new(batches: i64, dropped: i64, rows: Vec<CountRow>) -> Totals {
        Totals {
            batches: u64::try_from(batches).unwrap_or(0),
            events: rows.iter().map(|r| r.count).sum(),
            dropped: u64::try_from(dropped).unwrap_or(0),
            rows,
        }
    }
}

/// One stored event with its batch's fields: a row of `pathwise export`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// The batch id (32 hex digits).
    pub batch: String,
    /// The event's position in its batch, from 0: with `batch`, the event's unique key.
    pub seq: u32,
    /// When the collector stored the batch (Unix seconds, collector clock).
    pub received_at: i64,
    /// The batch's site.
    pub site: String,
    /// The bundle version the events were decided under.
    pub bundle: u64,
    /// Exposure or conversion.
    pub kind: EventType,
    /// Rule id.
    pub rule: String,
    /// Variant id (the slot's default for a control).
    pub variant: String,
    /// Slot id.
    pub slot: String,
    /// Whether the device was in the rule's control group or the global holdout.
    pub control: bool,
    /// The goal, for conversions.
    pub goal: Option<String>,
    /// Unix minutes, device clock.
    pub minute: i64,
}

/// Where an export page starts: after this row's key, in the export order
/// (`received_at`, `batch`, `seq`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCursor {
    /// The last row's `received_at`.
    pub received_at: i64,
    /// The last row's batch id.
    pub batch: String,
    /// The last row's `seq`.
    pub seq: u32,
}

impl ExportRow {
    /// The cursor that continues after this row.
    pub fn cursor(&self) -> ExportCursor {
        ExportCursor {
            received_at: self.received_at,
            batch: self.batch.clone(),
            seq: self.seq,
        }
    }
}

/// An open store.
#[derive(Clone)]
pub enum Store {
    /// The SQLite file.
    Sqlite(Arc<SqliteStore>),
    /// The PostgreSQL pool.
    Postgres(PostgresStore),
}

impl Store {
    /// Opens the store at `url`, creating or migrating its schema. PostgreSQL connections are
    /// pooled (at most `pool_size`).
    pub async fn open(url: &StoreUrl, pool_size: usize) -> Result<Store, StoreError> {
        match url {
            StoreUrl::Sqlite(path) => {
                let path = path.clone();
                blocking(move || SqliteStore::open(&path))
                    .await
                    .map(|s| Store::Sqlite(Arc::new(s)))
            }
            StoreUrl::Postgres(url) => PostgresStore::open(url, pool_size)
                .await
                .map(Store::Postgres),
        }
    }

    /// Stores a validated batch in one transaction, or recognises it as already stored. Returns
    /// only once the batch is durably committed (see the module documentation).
    pub async fn insert(&self, batch: Arc<Batch>, received_at: i64) -> Result<Stored, StoreError> {
        match self {
            Store::Sqlite(store) => {
                let store = Arc::clone(store);
                blocking(move || store.insert(&batch, received_at)).await
            }
            Store::Postgres(store) => store.insert(&batch, received_at).await,
        }
    }

    /// Aggregated counts, restricted to batches for `site` when given.
    pub async fn totals(&self, site: Option<String>) -> Result<Totals, StoreError> {
        match self {
            Store::Sqlite(store) => {
                let store = Arc::clone(store);
                blocking(move || store.totals(site.as_deref())).await
            }
            Store::Postgres(store) => store.totals(site.as_deref()).await,
        }
    }

    /// Up to `limit` events of batches received at or after `since`, in export order, starting
    /// after `after` (keyset pagination: memory stays flat however large the store).
    pub async fn export_page(
        &self,
        since: i64,
        after: Option<ExportCursor>,
        limit: u32,
    ) -> Result<Vec<ExportRow>, StoreError> {
        match self {
            Store::Sqlite(store) => {
                let store = Arc::clone(store);
                blocking(move || store.export_page(since, after.as_ref(), limit)).await
            }
            Store::Postgres(store) => store.export_page(since, after.as_ref(), limit).await,
        }
    }
}

/// Typed access to a result row's columns, whichever store it came from (integers are read as
/// 64-bit).
trait Columns {
    /// A `TEXT` column.
    fn text(&self, index: usize) -> Result<String, StoreError>;
    /// A `TEXT` column that may be `NULL`.
    fn optional_text(&self, index: usize) -> Result<Option<String>, StoreError>;
    /// An integer column (64-bit).
    fn integer(&self, index: usize) -> Result<i64, StoreError>;
    /// A boolean column (SQLite: 0 or 1).
    fn flag(&self, index: usize) -> Result<bool, StoreError>;
}

impl CountRow {
    /// A row of the totals query: rule, slot, control, variant, type, goal, count.
    fn read(row: &impl Columns) -> Result<CountRow, StoreError> {
        Ok(CountRow {
            rule: row.text(0)?,
            slot: row.text(1)?,
            control: row.flag(2)?,
            variant: row.text(3)?,
            kind: kind_from_name(&row.text(4)?),
            goal: row.optional_text(5)?,
            count: u64::try_from(row.integer(6)?).unwrap_or(0),
        })
    }
}

impl ExportRow {
    /// A row of the export query: batch, seq, received_at, site, bundle, type, rule, variant,
    /// slot, control, goal, minute.
    fn read(row: &impl Columns) -> Result<ExportRow, StoreError> {
        Ok(ExportRow {
            batch: row.text(0)?,
            seq: u32::try_from(row.integer(1)?).unwrap_or(0),
            received_at: row.integer(2)?,
            site: row.text(3)?,
            bundle: u64::try_from(row.integer(4)?).unwrap_or(0),
            kind: kind_from_name(&row.text(5)?),
            rule: row.text(6)?,
            variant: row.text(7)?,
            slot: row.text(8)?,
            control: row.flag(9)?,
            goal: row.optional_text(10)?,
            minute: row.integer(11)?,
        })
    }
}

/// Runs a SQLite call on tokio's blocking pool, so a slow disk never stalls the threads that
/// serve connections.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Worker(e.to_string()))?
}

/// The event type a store read back (`exposure` is the only other value the schema allows).
fn kind_from_name(name: &str) -> EventType {
    if name == "conversion" {
        EventType::Conversion
    } else {
        EventType::Exposure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_parse_and_never_show_a_password() {
        assert_eq!(
            "sqlite:state/events.sqlite".parse::<StoreUrl>(),
            Ok(StoreUrl::Sqlite("state/events.sqlite".into()))
        );
        assert_eq!(
            "sqlite:///abs/events.sqlite".parse::<StoreUrl>(),
            Ok(StoreUrl::Sqlite("/abs/events.sqlite".into()))
        );
        let url: StoreUrl = "postgres://pw:s3cret@db.internal:5432/events"
            .parse()
            .unwrap();
        assert_eq!(url.to_string(), "postgres://pw:***@db.internal:5432/events");
        let socket: StoreUrl = "postgresql:///events?host=/run/pg&user=pw".parse().unwrap();
        assert_eq!(
            socket.to_string(),
            "postgresql:///events?host=/run/pg&user=pw"
        );
        for bad in ["sqlite:", "mysql://x/y", "events.sqlite"] {
            assert!(bad.parse::<StoreUrl>().is_err(), "{bad}");
        }
        let refused = "redis://u:s3cret@h/".parse::<StoreUrl>().unwrap_err();
        assert!(!refused.contains("s3cret"), "{refused}");
    }
}
