//! Embedded, versioned migrations, applied when a database is opened.

use omskit_core::{Error, Result};
use rusqlite::Connection;

use crate::codec::db;

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_fulfillment.sql"),
    include_str!("../migrations/0003_pending_fulfillment.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to [`SCHEMA_VERSION`], each migration in its own
/// transaction together with the version bump (`PRAGMA user_version`).
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    loop {
        let tx =
            conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db)?;
        let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(db)?;
        if found > SCHEMA_VERSION {
            return Err(Error::UnsupportedSchema { found, supported: SCHEMA_VERSION });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let index = usize::try_from(found).map_err(Error::storage)?;
        tx.execute_batch(MIGRATIONS[index]).map_err(db)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", found + 1)).map_err(db)?;
        tx.commit().map_err(db)?;
    }
}
