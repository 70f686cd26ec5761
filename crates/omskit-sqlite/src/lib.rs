//! SQLite storage for omskit: the embedded default.
//!
//! One database file in WAL mode, `synchronous=FULL` unless configured
//! otherwise, foreign keys on, and a busy timeout so several processes can
//! share the file. The schema is created and upgraded by embedded, versioned
//! migrations when the file is opened; a file written by a newer schema is
//! refused with [`omskit_core::Error::UnsupportedSchema`] and left untouched. The tables
//! are plain and normalized, readable with the `sqlite3` shell; money is
//! stored as exact decimal text.
//!
//! Writers take the database's write lock up front (`BEGIN IMMEDIATE`), so
//! the stock rows a use case reads cannot change under it, in this process
//! or any other; readers use their own connections and see the last commit.
//! The writer keeps the orders and fulfilment orders its committed
//! transactions last read or wrote, for the next one; it drops them as soon
//! as `PRAGMA data_version` shows a commit by any other connection.
//!
//! ```
//! use omskit_core::Oms;
//! use omskit_sqlite::SqliteStore;
//!
//! let dir = std::env::temp_dir().join(format!("omskit-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let oms = Oms::new(SqliteStore::open(dir.join("shop.db"))?);
//! oms.add_location("WH-EAST", "East DC", 1)?;
//! oms.receive_stock("SKU-1", "WH-EAST", 100, "PO-77")?;
//! assert_eq!(oms.available("SKU-1")?, 100);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), omskit_core::Error>(())
//! ```
#![forbid(unsafe_code)]

mod cache;
mod codec;
mod fulfillment;
mod schema;
mod tx;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use omskit_core::store::{Store, TxMode};
use omskit_core::Result;
use rusqlite::Connection;

pub use schema::SCHEMA_VERSION;
pub use tx::SqliteTx;

/// How hard SQLite works to make a commit survive a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Survives application crashes; the last commits may be lost on power
    /// loss (the WAL is synced at checkpoints only).
    Normal,
    /// Survives application crashes and power loss: every commit syncs the WAL.
    #[default]
    Full,
}

/// Settings for opening a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability of commits; `Full` by default.
    pub synchronous: Synchronous,
    /// How long a writer waits for another process's write lock before the
    /// attempt fails (and the engine retries); 5 s by default.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions { synchronous: Synchronous::Full, busy_timeout: Duration::from_secs(5) }
    }
}

/// A [`Store`] in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    options: SqliteOptions,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
}

/// The connection write transactions run on, and what it knows of the
/// database between them.
#[derive(Debug)]
struct Writer {
    conn: Connection,
    cache: cache::Cache,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with default options.
    ///
    /// # Errors
    /// `Storage` when the file cannot be opened or migrated;
    /// `UnsupportedSchema` when it was written by a newer omskit.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// Opens (creating if needed) the database at `path`.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let mut writer = connect(&path, options)?;
        schema::migrate(&mut writer)?;
        Ok(SqliteStore {
            path,
            options,
            writer: Mutex::new(Writer { conn: writer, cache: cache::Cache::default() }),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The options it was opened with.
    pub fn options(&self) -> SqliteOptions {
        self.options
    }

    fn reader(&self) -> Result<Connection> {
        let pooled = lock(&self.readers).pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => connect(&self.path, self.options),
        }
    }

    fn give_back(&self, conn: Connection) {
        const KEEP: usize = 8;
        let mut readers = lock(&self.readers);
        if readers.len() < KEEP {
            readers.push(conn);
        }
    }
}

impl Store for SqliteStore {
    type Tx<'a> = SqliteTx<'a>;

    fn begin(&self, mode: TxMode) -> Result<SqliteTx<'_>> {
        match mode {
            TxMode::Write => SqliteTx::write(self, lock(&self.writer)),
            TxMode::Read => SqliteTx::read(self, self.reader()?),
        }
    }
}

/// Locks a mutex; a poisoned one is still consistent because every
/// transaction rolls back in `Drop`.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn connect(path: &Path, options: SqliteOptions) -> Result<Connection> {
    let conn = Connection::open(path).map_err(codec::db)?;
    conn.busy_timeout(options.busy_timeout).map_err(codec::db)?;
    let synchronous = match options.synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    // temp_store: statement journals keep their data in memory.
    // wal_autocheckpoint: an order writes some 20 pages, so checkpoint every
    // ~500 orders (a WAL of up to 40 MB) rather than every ~50.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 10000;"
    ))
    .map_err(codec::db)?;
    // Keep each cached statement's plan: without this, SQLite (built with
    // STAT4) re-plans statements with bound parameters on every run.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(codec::db)?;
    // Every statement the store runs stays prepared: some 55 distinct ones
    // with fulfilment, so room to grow without evicting any.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}
