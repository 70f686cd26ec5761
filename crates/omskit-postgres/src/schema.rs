//! Embedded, versioned migrations, applied on connect.

use omskit_core::{Error, Result};

use crate::codec::db;
use crate::pool::Conn;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_fulfillment.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema to [`SCHEMA_VERSION`]. Concurrent callers serialize on
/// the version table's lock, so each migration runs once.
pub(crate) fn migrate(conn: &mut Conn) -> Result<()> {
    let client = &mut conn.client;
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS omskit_schema (version BIGINT NOT NULL)")
        .or_else(|e| {
            // Two processes creating the table at once: one wins, which is fine.
            if e.as_db_error().is_some() {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(db)?;
    loop {
        let mut tx = client.transaction().map_err(db)?;
        tx.batch_execute("LOCK TABLE omskit_schema IN EXCLUSIVE MODE").map_err(db)?;
        let found: i64 = tx
            .query_opt("SELECT version FROM omskit_schema", &[])
            .map_err(db)?
            .map_or(0, |row| row.get(0));
        if found > SCHEMA_VERSION {
            return Err(Error::UnsupportedSchema { found, supported: SCHEMA_VERSION });
        }
        if found == SCHEMA_VERSION {
            return tx.commit().map_err(db);
        }
        let index = usize::try_from(found).map_err(Error::storage)?;
        tx.batch_execute(MIGRATIONS[index]).map_err(db)?;
        tx.execute("DELETE FROM omskit_schema", &[]).map_err(db)?;
        tx.execute("INSERT INTO omskit_schema (version) VALUES ($1)", &[&(found + 1)])
            .map_err(db)?;
        tx.commit().map_err(db)?;
    }
}
