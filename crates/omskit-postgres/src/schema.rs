//! Embedded, versioned migrations, applied on connect.

use omskit_core::{Error, Result};

use crate::codec::db;
use crate::pool::Conn;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_fulfillment.sql"),
    include_str!("../migrations/0003_pending_fulfillment.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema to [`SCHEMA_VERSION`]. Concurrent callers serialize on
/// the version table's lock, so each migration runs once.
pub(crate) fn migrate(conn: &mut Conn) -> Result<()> {
    conn.batch_execute("CREATE TABLE IF NOT EXISTS omskit_schema (version BIGINT NOT NULL)")
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
        // A failure leaves the transaction open: the caller drops the connection.
        conn.batch_execute("BEGIN; LOCK TABLE omskit_schema IN EXCLUSIVE MODE").map_err(db)?;
        let rows = conn.query("SELECT version FROM omskit_schema", &[])?;
        let found: i64 = rows.first().map_or(Ok(0), |row| row.try_get(0)).map_err(db)?;
        if found > SCHEMA_VERSION {
            return Err(Error::UnsupportedSchema { found, supported: SCHEMA_VERSION });
        }
        if found == SCHEMA_VERSION {
            return conn.batch_execute("COMMIT").map_err(db);
        }
        let index = usize::try_from(found).map_err(Error::storage)?;
        conn.batch_execute(MIGRATIONS[index]).map_err(db)?;
        conn.batch_execute(&format!(
            "DELETE FROM omskit_schema; INSERT INTO omskit_schema (version) VALUES ({}); COMMIT",
            found + 1
        ))
        .map_err(db)?;
    }
}
