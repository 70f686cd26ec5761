//! PostgreSQL storage for omskit, for users who outgrow one machine.
//!
//! The same schema as the SQLite backend, in plain SQL without server-side
//! functions. Transactions run at READ COMMITTED with explicit row locks:
//! a use case locks the stock rows it changes with `SELECT … FOR UPDATE` in
//! (sku, location) order, so concurrent orders never deadlock, and the order
//! row before changing an order. Serialization failures, deadlocks and
//! unique-key races are reported as retryable and the engine retries the use
//! case a bounded number of times before answering `Conflict`; the one
//! exception is a tracking number that a concurrent transaction gave another
//! shipment, which no retry can fix: that is a `Conflict` on
//! `tracking_number` at once. A lost connection is a `Storage` error; the
//! pool drops it and opens a new one.
//!
//! Round trips are what a use case mostly waits for, so a transaction
//! sends as few as it can: `BEGIN` goes with its first read, and the rows
//! it writes wait and go together (one statement for every table) with its
//! next statement or its `COMMIT`, in one round trip
//! (`tokio_postgres` pipelining). Placing an order takes two: the stock
//! rows (locked, with the locations), then everything it writes with the
//! commit.
//!
//! The event log's sequence numbers are positions ordered by writing
//! transaction: `events_since` only returns events of transactions older
//! than every transaction still running, so an event that commits late can
//! never be skipped by a reader that moved on. The price: an event becomes
//! readable once every older transaction has ended, and when two
//! transactions on one aggregate overlap, the newer version of that
//! aggregate's stream can come first in the feed. Every event carries its
//! stream version; apply one aggregate's events in version order.
//!
//! The store blocks the calling thread, like the rest of omskit: each pooled
//! connection drives its own single-threaded tokio runtime. Call it from
//! ordinary threads; from async code, go through
//! `tokio::task::spawn_blocking`. Calling it on an async task's thread makes
//! tokio panic ("Cannot start a runtime from within a runtime").
#![forbid(unsafe_code)]

mod codec;
mod pool;
mod schema;
mod tx;

use omskit_core::store::{Store, TxMode};
use omskit_core::{Error, Result};

pub use pool::PgOptions;
pub use schema::SCHEMA_VERSION;
pub use tx::PgTx;

/// A [`Store`] in a PostgreSQL database (or schema).
#[derive(Debug)]
pub struct PgStore {
    pool: pool::Pool,
}

impl PgStore {
    /// Connects to `url` (`postgresql://user@host:port/db`) with default
    /// options and brings the schema up to date.
    ///
    /// # Errors
    /// `Storage` when the server cannot be reached or the schema cannot be
    /// created; `UnsupportedSchema` when it was written by a newer omskit.
    pub fn connect(url: &str) -> Result<PgStore> {
        PgStore::connect_with(url, PgOptions::default())
    }

    /// Connects with `options` (pool size, schema).
    ///
    /// # Errors
    /// As [`PgStore::connect`]; `Validation` (field `url`) for a malformed URL.
    pub fn connect_with(url: &str, options: PgOptions) -> Result<PgStore> {
        let pool = pool::Pool::new(url, options)?;
        let mut conn = pool.get()?;
        schema::migrate(&mut conn)?;
        pool.put(conn);
        Ok(PgStore { pool })
    }
}

impl Store for PgStore {
    type Tx<'a> = PgTx<'a>;

    fn begin(&self, mode: TxMode) -> Result<PgTx<'_>> {
        PgTx::begin(&self.pool, mode)
    }
}

/// The error for a malformed connection URL.
fn bad_url(e: impl std::fmt::Display) -> Error {
    Error::validation("url", format!("not a PostgreSQL connection URL: {e}"))
}
