//! The collector's SQLite store: one row per accepted batch, one per event.
//!
//! Durability is the point: the database runs in WAL mode with `synchronous=FULL`, so a
//! transaction that returned from `COMMIT` is on disk, and `/collect` answers 204 only after
//! that. Each batch is stored in one transaction (its `batches` row and all its events, or
//! nothing), so a process killed mid-write leaves either the whole batch or none of it. The batch
//! id is the primary key: a retried batch is recognised and stores nothing new.

use std::path::Path;
use std::sync::Mutex;

use pathwise::report::payload::{Batch, EventType};
use rusqlite::{params, Connection, OptionalExtension};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batches (
    id          TEXT PRIMARY KEY,        -- 32 hex digits, random per batch
    received_at INTEGER NOT NULL,        -- Unix seconds, collector clock
    site        TEXT NOT NULL,
    bundle      INTEGER NOT NULL,        -- bundle version the events were decided under
    dropped     INTEGER NOT NULL         -- events the device dropped from a full queue
);
CREATE TABLE IF NOT EXISTS events (
    batch    TEXT NOT NULL REFERENCES batches(id),
    type     TEXT NOT NULL CHECK (type IN ('exposure', 'conversion')),
    rule     TEXT NOT NULL,
    variant  TEXT NOT NULL,
    slot     TEXT NOT NULL,
    control  INTEGER NOT NULL CHECK (control IN (0, 1)),
    goal     TEXT,                       -- conversions only
    minute   INTEGER NOT NULL            -- Unix minutes
);
CREATE INDEX IF NOT EXISTS events_by_batch ON events(batch);
CREATE INDEX IF NOT EXISTS events_by_rule ON events(rule);
";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database directory could not be created.
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite refused.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The connection lock was poisoned by a panic in another request.
    #[error("database connection unavailable (a previous request panicked)")]
    Poisoned,
    /// A value does not fit SQLite's signed 64-bit integers.
    #[error("{0} is too large to store")]
    TooLarge(&'static str),
}

/// What storing a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// New batch: its row and events are committed.
    New,
    /// A batch with this id was stored before: nothing written.
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

/// The store. One connection behind a mutex: SQLite serialises writers anyway, and a demo's
/// traffic is far below what one connection handles.
pub struct Store {
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (or creates) the database at `path`, creating its directory, and sets WAL mode,
    /// `synchronous=FULL` and the schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        // journal_mode answers with the mode in force; WAL persists in the file.
        let _: String = connection.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        connection.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        connection.execute_batch(SCHEMA)?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    /// Stores a validated batch in one transaction, or recognises it as a duplicate. Returns
    /// only after the transaction is committed (durable, see the module docs).
    pub fn insert(&self, batch: &Batch, received_at: i64) -> Result<Stored, StoreError> {
        let bundle = i64::try_from(batch.bundle).map_err(|_| StoreError::TooLarge("bundle"))?;
        let dropped = i64::try_from(batch.dropped).unwrap_or(i64::MAX);
        let mut connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = connection.transaction()?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO batches (id, received_at, site, bundle, dropped) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![batch.batch, received_at, batch.site, bundle, dropped],
        )?;
        if inserted == 0 {
            // Already stored: nothing to write. Dropping `tx` rolls back the empty transaction.
            return Ok(Stored::Duplicate);
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (batch, type, rule, variant, slot, control, goal, minute) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for e in &batch.events {
                insert.execute(params![
                    batch.batch,
                    kind_name(e.kind),
                    e.rule,
                    e.variant,
                    e.slot,
                    e.control,
                    e.goal,
                    e.minute
                ])?;
            }
        }
        tx.commit()?;
        Ok(Stored::New)
    }

    /// Aggregated counts, restricted to batches for `site` when given.
    pub fn totals(&self, site: Option<&str>) -> Result<Totals, StoreError> {
        let connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        let (batches, dropped): (i64, i64) = connection.query_row(
            "SELECT COUNT(*), COALESCE(SUM(dropped), 0) FROM batches \
             WHERE ?1 IS NULL OR site = ?1",
            params![site],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut statement = connection.prepare(
            "SELECT e.rule, MIN(e.slot), e.control, e.variant, e.type, e.goal, COUNT(*) \
             FROM events e JOIN batches b ON b.id = e.batch \
             WHERE ?1 IS NULL OR b.site = ?1 \
             GROUP BY e.rule, e.control, e.variant, e.type, e.goal \
             ORDER BY e.rule, e.control DESC, e.variant, e.type, e.goal",
        )?;
        let rows = statement
            .query_map(params![site], |r| {
                let kind: String = r.get(4)?;
                let count: i64 = r.get(6)?;
                Ok(CountRow {
                    rule: r.get(0)?,
                    slot: r.get(1)?,
                    control: r.get(2)?,
                    variant: r.get(3)?,
                    kind: if kind == "conversion" {
                        EventType::Conversion
                    } else {
                        EventType::Exposure
                    },
                    goal: r.get(5)?,
                    count: u64::try_from(count).unwrap_or(0),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let events = rows.iter().map(|r| r.count).sum();
        Ok(Totals {
            batches: u64::try_from(batches).unwrap_or(0),
            events,
            dropped: u64::try_from(dropped).unwrap_or(0),
            rows,
        })
    }

    /// Whether a batch id is stored (for tests and diagnostics).
    #[allow(dead_code)]
    pub fn has_batch(&self, id: &str) -> Result<bool, StoreError> {
        let connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(connection
            .query_row("SELECT 1 FROM batches WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

fn kind_name(kind: EventType) -> &'static str {
    match kind {
        EventType::Exposure => "exposure",
        EventType::Conversion => "conversion",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: &str, site: &str) -> Batch {
        let body = format!(
            r#"{{"schema":1,"site":"{site}","bundle":7,"batch":"{id}","dropped":2,"events":[
            {{"type":"exposure","rule":"r","variant":"v","slot":"s","control":false,"minute":5}},
            {{"type":"conversion","rule":"r","variant":"v","slot":"s","control":false,"goal":"g","minute":6}},
            {{"type":"exposure","rule":"r","variant":"default","slot":"s","control":true,"minute":5}}]}}"#
        );
        Batch::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn stores_once_and_counts_by_arm() {
        let dir = std::env::temp_dir().join(format!("pathwise-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir.join("sub/events.sqlite")).unwrap();
        let a = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            store.insert(&batch(a, "x.example"), 1).unwrap(),
            Stored::New
        );
        assert_eq!(
            store.insert(&batch(a, "x.example"), 2).unwrap(),
            Stored::Duplicate
        );
        let b = "fedcba9876543210fedcba9876543210";
        assert_eq!(
            store.insert(&batch(b, "y.example"), 3).unwrap(),
            Stored::New
        );
        assert!(store.has_batch(a).unwrap());

        let t = store.totals(Some("x.example")).unwrap();
        assert_eq!((t.batches, t.events, t.dropped), (1, 3, 2));
        let control = t.rows.iter().find(|r| r.control).unwrap();
        assert_eq!((control.variant.as_str(), control.count), ("default", 1));
        let conversion = t
            .rows
            .iter()
            .find(|r| r.kind == EventType::Conversion)
            .unwrap();
        assert_eq!(conversion.goal.as_deref(), Some("g"));
        assert_eq!(store.totals(None).unwrap().events, 6);

        // Reopening keeps everything (and the schema statements are idempotent).
        drop(store);
        let store = Store::open(&dir.join("sub/events.sqlite")).unwrap();
        assert_eq!(store.totals(None).unwrap().batches, 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
