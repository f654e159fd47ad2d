//! The shared store: a PostgreSQL database that any number of collector instances write to.
//!
//! Tables are prefixed `pathwise_` so the store can live in a database that holds other things.
//! A batch is stored by **one statement** (so one round trip, and atomic by itself): a CTE
//! inserts the batch row with `ON CONFLICT (id) DO NOTHING` and, only if that inserted a row,
//! all its events from parallel arrays (`unnest`). The statement commits before it returns
//! (PostgreSQL's default `synchronous_commit = on` waits for the WAL flush). Zero events
//! inserted means the batch id was already committed: a batch always holds at least one event.
//! When two instances receive the same batch at once, the second insert waits on the unique
//! index until the first commits, then inserts nothing — so both acknowledge, and it is stored
//! once.
//!
//! Connections come from a small pool ([`deadpool_postgres`]), so a restarted database or a
//! broken connection costs the requests in flight an error (the SDK retries them), not the
//! process.
//!
//! TLS is not built in: connect over a Unix socket, a private network, or a local TLS proxy.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use pathwise::report::payload::Batch;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Config, NoTls, Row};

use super::{Columns, CountRow, ExportCursor, ExportRow, StoreError, Stored, Totals};

/// The schema migrations, in order: migration `i` takes the store from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: batches and their events, each event keyed by its batch and position.
    "
    CREATE TABLE pathwise_batches (
        id          text PRIMARY KEY,        -- 32 hex digits, random per batch
        received_at bigint NOT NULL,         -- Unix seconds, collector clock
        site        text NOT NULL,
        bundle      bigint NOT NULL,         -- bundle version the events were decided under
        dropped     bigint NOT NULL          -- events the device dropped from a full queue
    );
    CREATE INDEX pathwise_batches_by_received_at ON pathwise_batches (received_at, id);
    CREATE TABLE pathwise_events (
        batch    text NOT NULL REFERENCES pathwise_batches (id),
        seq      integer NOT NULL,           -- position in the batch, from 0
        type     text NOT NULL CHECK (type IN ('exposure', 'conversion')),
        rule     text NOT NULL,
        variant  text NOT NULL,
        slot     text NOT NULL,
        control  boolean NOT NULL,
        goal     text,                       -- conversions only
        minute   bigint NOT NULL,            -- Unix minutes, device clock
        PRIMARY KEY (batch, seq)
    );
    ",
];

/// Taken for the duration of a migration, so instances starting together migrate one at a
/// time (any constant works; this one spells `pathwise` in ASCII).
const MIGRATION_LOCK: i64 = 0x7061_7468_7769_7365;

const INSERT: &str = "
    WITH batch AS (
        INSERT INTO pathwise_batches (id, received_at, site, bundle, dropped)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (id) DO NOTHING
        RETURNING id
    )
    INSERT INTO pathwise_events (batch, seq, type, rule, variant, slot, control, goal, minute)
    SELECT batch.id, e.seq, e.type, e.rule, e.variant, e.slot, e.control, e.goal, e.minute
    FROM batch,
         unnest($6::integer[], $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[],
                $12::text[], $13::bigint[])
           AS e (seq, type, rule, variant, slot, control, goal, minute)";

const TOTALS_BATCHES: &str = "
    SELECT COUNT(*), COALESCE(SUM(dropped), 0)::bigint FROM pathwise_batches
    WHERE $1::text IS NULL OR site = $1";

// Grouped and ordered in byte order (`COLLATE \"C\"`), as SQLite does, whatever the database's
// collation: the report takes the first variant it meets for a control arm.
const TOTALS_ROWS: &str = "
    SELECT e.rule, MIN(e.slot COLLATE \"C\"), e.control, e.variant, e.type, e.goal, COUNT(*)
    FROM pathwise_events e JOIN pathwise_batches b ON b.id = e.batch
    WHERE $1::text IS NULL OR b.site = $1
    GROUP BY e.rule, e.control, e.variant, e.type, e.goal
    ORDER BY e.rule COLLATE \"C\", e.control DESC, e.variant COLLATE \"C\", e.type,
             e.goal COLLATE \"C\"";

const EXPORT_PAGE: &str = "
    SELECT b.id, e.seq::bigint, b.received_at, b.site, b.bundle, e.type, e.rule, e.variant, e.slot,
           e.control, e.goal, e.minute
    FROM pathwise_batches b JOIN pathwise_events e ON e.batch = b.id
    WHERE b.received_at >= $1
      AND ($2::bigint IS NULL
           OR (b.received_at, b.id COLLATE \"C\", e.seq) > ($2, $3::text COLLATE \"C\", $4::integer))
    ORDER BY b.received_at, b.id COLLATE \"C\", e.seq
    LIMIT $5";

/// How long a request waits for a pooled connection, and for a new one to be made.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// Parses a PostgreSQL URL, refusing settings this build cannot honour.
pub fn parse_config(url: &str) -> Result<Config, String> {
    let config: Config = url
        .parse()
        .map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
    if config.get_ssl_mode() == SslMode::Require {
        return Err(
            "sslmode=require: TLS to PostgreSQL is not built into pathwise; connect over a Unix \
             socket, a private network or a local TLS proxy, and drop sslmode=require"
                .into(),
        );
    }
    if config.get_dbname().is_none() && config.get_user().is_none() {
        return Err("name the database (postgres://USER@HOST/DATABASE)".into());
    }
    Ok(config)
}

/// The PostgreSQL store: a connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    /// Connects (at most `pool_size` connections), then creates or migrates the schema.
    pub async fn open(url: &str, pool_size: usize) -> Result<PostgresStore, StoreError> {
        let mut config = parse_config(url).map_err(StoreError::Config)?;
        if config.get_application_name().is_none() {
            config.application_name("pathwise");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(POOL_TIMEOUT);
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => StoreError::Postgres(e),
            e => StoreError::Pool(e.to_string()),
        })
    }

    /// Brings the schema to the newest version under the migration lock, or refuses a store
    /// from a newer `pathwise`.
    async fn migrate(&self) -> Result<(), StoreError> {
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS pathwise_schema (version bigint NOT NULL)")
            .await?;
        let found: Option<i64> = match tx
            .query_opt("SELECT version FROM pathwise_schema", &[])
            .await?
        {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        };
        let found_version = found.unwrap_or(0);
        if found_version > known {
            return Err(StoreError::NewerSchema {
                found: found_version,
                known,
            });
        }
        for migration in MIGRATIONS
            .iter()
            .skip(usize::try_from(found_version).unwrap_or(0))
        {
            tx.batch_execute(migration).await?;
        }
        if found.is_none() {
            tx.execute(
                "INSERT INTO pathwise_schema (version) VALUES ($1)",
                &[&known],
            )
            .await?;
        } else if found_version < known {
            tx.execute("UPDATE pathwise_schema SET version = $1", &[&known])
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a validated batch with one statement (see the module documentation), or
    /// recognises it as already committed.
    pub async fn insert(&self, batch: &Batch, received_at: i64) -> Result<Stored, StoreError> {
        let bundle = i64::try_from(batch.bundle).map_err(|_| StoreError::TooLarge("bundle"))?;
        let dropped = i64::try_from(batch.dropped).unwrap_or(i64::MAX);
        let events = &batch.events;
        // At most MAX_EVENTS_PER_BATCH (1 000) events: every position fits an i32.
        let seq: Vec<i32> = (0..events.len())
            .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
            .collect();
        let kind: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
        let rule: Vec<&str> = events.iter().map(|e| e.rule.as_str()).collect();
        let variant: Vec<&str> = events.iter().map(|e| e.variant.as_str()).collect();
        let slot: Vec<&str> = events.iter().map(|e| e.slot.as_str()).collect();
        let control: Vec<bool> = events.iter().map(|e| e.control).collect();
        let goal: Vec<Option<&str>> = events.iter().map(|e| e.goal.as_deref()).collect();
        let minute: Vec<i64> = events.iter().map(|e| e.minute).collect();

        let client = self.client().await?;
        let statement = client.prepare_cached(INSERT).await?;
        let inserted = client
            .execute(
                &statement,
                &[
                    &batch.batch,
                    &received_at,
                    &batch.site,
                    &bundle,
                    &dropped,
                    &seq,
                    &kind,
                    &rule,
                    &variant,
                    &slot,
                    &control,
                    &goal,
                    &minute,
                ],
            )
            .await?;
        Ok(if inserted == 0 {
            Stored::Duplicate
        } else {
            Stored::New
        })
    }

    /// Aggregated counts, restricted to batches for `site` when given.
    pub async fn totals(&self, site: Option<&str>) -> Result<Totals, StoreError> {
        let client = self.client().await?;
        let head = client.query_one(TOTALS_BATCHES, &[&site]).await?;
        let (batches, dropped): (i64, i64) = (head.try_get(0)?, head.try_get(1)?);
        let rows = client
            .query(TOTALS_ROWS, &[&site])
            .await?
            .iter()
            .map(CountRow::read)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Totals::new(batches, dropped, rows))
    }

    /// One page of the export (see [`super::Store::export_page`]).
    pub async fn export_page(
        &self,
        since: i64,
        after: Option<&ExportCursor>,
        limit: u32,
    ) -> Result<Vec<ExportRow>, StoreError> {
        let client = self.client().await?;
        let seq = after.map(|c| i32::try_from(c.seq).unwrap_or(i32::MAX));
        let rows = client
            .query(
                EXPORT_PAGE,
                &[
                    &since,
                    &after.map(|c| c.received_at),
                    &after.map(|c| c.batch.as_str()),
                    &seq,
                    &i64::from(limit),
                ],
            )
            .await?;
        rows.iter().map(ExportRow::read).collect()
    }
}

impl Columns for Row {
    fn text(&self, index: usize) -> Result<String, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn integer(&self, index: usize) -> Result<i64, StoreError> {
        Ok(self.try_get(index)?)
    }
    fn flag(&self, index: usize) -> Result<bool, StoreError> {
        Ok(self.try_get(index)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_cannot_work_are_refused_with_the_reason() {
        assert!(parse_config("postgres://pw@localhost/events").is_ok());
        assert!(parse_config("postgresql:///events?host=/run/pg&user=pw").is_ok());
        let tls = parse_config("postgres://pw@db/events?sslmode=require").unwrap_err();
        assert!(tls.contains("TLS"), "{tls}");
        assert!(parse_config("postgres://pw@db:notaport/events").is_err());
    }
}
