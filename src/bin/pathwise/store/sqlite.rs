//! The embedded store: one SQLite file, one row per accepted batch, one per event.
//!
//! The database runs in WAL mode with `synchronous=FULL`, so a transaction that returned from
//! `COMMIT` is on disk. One connection behind a mutex: SQLite serialises writers anyway, and
//! each batch is one short transaction.
//!
//! The schema version is SQLite's `user_version`. Version 1 is the collector's first schema
//! (files written before versioning have `user_version` 0 and exactly these tables, so
//! migration 1 is a no-op on them); version 2 numbers each event within its batch (`seq`,
//! backfilled in arrival order), the key exports and warehouses deduplicate on.

use std::path::Path;
use std::sync::Mutex;

use pathwise::report::payload::Batch;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{Columns, CountRow, ExportCursor, ExportRow, StoreError, Stored, Totals};

/// The schema migrations, in order: migration `i` takes the store from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: batches and their events.
    "
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
    ",
    // 2: each event's position in its batch, and the export order's index.
    "
    ALTER TABLE events ADD COLUMN seq INTEGER;
    UPDATE events SET seq = (
        SELECT COUNT(*) FROM events AS earlier
        WHERE earlier.batch = events.batch AND earlier.rowid < events.rowid
    );
    CREATE UNIQUE INDEX events_by_batch_seq ON events(batch, seq);
    DROP INDEX events_by_batch;
    CREATE INDEX batches_by_received_at ON batches(received_at, id);
    ",
];

/// The SQLite store.
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`, creating its folder, and sets WAL mode,
    /// `synchronous=FULL` and the current schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        // journal_mode answers with the mode in force; WAL persists in the file.
        let _: String = connection.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        connection.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        migrate(&mut connection)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }

    /// Stores a validated batch in one transaction, or recognises it as a duplicate. Returns
    /// only after the transaction is committed.
    pub fn insert(&self, batch: &Batch, received_at: i64) -> Result<Stored, StoreError> {
        let bundle = i64::try_from(batch.bundle).map_err(|_| StoreError::TooLarge("bundle"))?;
        let dropped = i64::try_from(batch.dropped).unwrap_or(i64::MAX);
        let mut connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = connection.transaction()?;
        let inserted = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO batches (id, received_at, site, bundle, dropped) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                batch.batch,
                received_at,
                batch.site,
                bundle,
                dropped
            ])?;
        if inserted == 0 {
            // Already stored: nothing to write. Dropping `tx` rolls back the empty transaction.
            return Ok(Stored::Duplicate);
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (batch, seq, type, rule, variant, slot, control, goal, minute) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (seq, e) in batch.events.iter().enumerate() {
                insert.execute(params![
                    batch.batch,
                    seq,
                    e.kind.name(),
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
        let mut result = statement.query(params![site])?;
        let mut rows = Vec::new();
        while let Some(row) = result.next()? {
            rows.push(CountRow::read(row)?);
        }
        Ok(Totals::new(batches, dropped, rows))
    }

    /// One page of the export (see [`super::Store::export_page`]).
    pub fn export_page(
        &self,
        since: i64,
        after: Option<&ExportCursor>,
        limit: u32,
    ) -> Result<Vec<ExportRow>, StoreError> {
        let connection = self.connection.lock().map_err(|_| StoreError::Poisoned)?;
        let mut statement = connection.prepare_cached(
            "SELECT b.id, e.seq, b.received_at, b.site, b.bundle, e.type, e.rule, e.variant, \
                    e.slot, e.control, e.goal, e.minute \
             FROM batches b JOIN events e ON e.batch = b.id \
             WHERE b.received_at >= ?1 \
               AND (?2 IS NULL OR (b.received_at, b.id, e.seq) > (?2, ?3, ?4)) \
             ORDER BY b.received_at, b.id, e.seq \
             LIMIT ?5",
        )?;
        let mut result = statement.query(params![
            since,
            after.map(|c| c.received_at),
            after.map(|c| c.batch.as_str()),
            after.map(|c| c.seq),
            limit
        ])?;
        let mut rows = Vec::new();
        while let Some(row) = result.next()? {
            rows.push(ExportRow::read(row)?);
        }
        Ok(rows)
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

impl Columns for rusqlite::Row<'_> {
    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.get(index)?)
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(index)?)
    }
    fn integer(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.get(index)?)
    }
    fn flag(&self, index: usize) -> Result<bool, StoreError> {
        Ok(self.get(index)?)
    }
}

/// Brings the schema to the newest version, in one immediate transaction (a second process
/// opening the same file waits for it), or refuses a file from a newer `pathwise`.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(StoreError::NewerSchema { found, known });
    }
    for migration in MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0)) {
        tx.execute_batch(migration)?;
    }
    if found < known {
        tx.execute_batch(&format!("PRAGMA user_version = {known}"))?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use pathwise::report::payload::EventType;

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

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pathwise-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn stores_once_and_counts_by_arm() {
        let dir = scratch("once");
        let store = SqliteStore::open(&dir.join("sub/events.sqlite")).unwrap();
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

        // Reopening keeps everything (and the migrations do not run twice).
        drop(store);
        let store = SqliteStore::open(&dir.join("sub/events.sqlite")).unwrap();
        assert_eq!(store.totals(None).unwrap().batches, 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn export_pages_follow_arrival_order_without_gaps_or_repeats() {
        let dir = scratch("export");
        let store = SqliteStore::open(&dir.join("events.sqlite")).unwrap();
        let ids = [
            "00000000000000000000000000000003",
            "00000000000000000000000000000001",
            "00000000000000000000000000000002",
        ];
        for (i, id) in ids.iter().enumerate() {
            store
                .insert(&batch(id, "x.example"), 100 + i as i64 % 2)
                .unwrap();
        }
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let page = store.export_page(0, after.as_ref(), 2).unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.cursor());
            rows.extend(page);
        }
        let keys: Vec<(i64, &str, u32)> = rows
            .iter()
            .map(|r| (r.received_at, &r.batch[28..], r.seq))
            .collect();
        assert_eq!(
            keys,
            vec![
                (100, "0002", 0),
                (100, "0002", 1),
                (100, "0002", 2),
                (100, "0003", 0),
                (100, "0003", 1),
                (100, "0003", 2),
                (101, "0001", 0),
                (101, "0001", 1),
                (101, "0001", 2),
            ]
        );
        assert_eq!(rows[1].goal.as_deref(), Some("g"));
        assert_eq!(store.export_page(101, None, 100).unwrap().len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_from_before_versioning_is_migrated_in_place() {
        let dir = scratch("legacy");
        let path = dir.join("events.sqlite");
        std::fs::create_dir_all(&dir).unwrap();
        {
            let legacy = Connection::open(&path).unwrap();
            legacy.execute_batch(MIGRATIONS[0]).unwrap();
            legacy
                .execute_batch(
                    "INSERT INTO batches VALUES ('aa', 5, 'x.example', 1, 0);
                     INSERT INTO events VALUES ('aa', 'exposure', 'r', 'v', 's', 0, NULL, 1);
                     INSERT INTO events VALUES ('aa', 'conversion', 'r', 'v', 's', 0, 'g', 2);",
                )
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let rows = store.export_page(0, None, 10).unwrap();
        let seqs: Vec<(u32, EventType)> = rows.iter().map(|r| (r.seq, r.kind)).collect();
        assert_eq!(
            seqs,
            vec![(0, EventType::Exposure), (1, EventType::Conversion)]
        );
        drop(store);

        // A file from a newer pathwise is refused, not misread.
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let refused = SqliteStore::open(&path).err().unwrap();
        assert!(matches!(refused, StoreError::NewerSchema { found: 99, .. }));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
