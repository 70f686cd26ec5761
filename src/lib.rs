//! # omskit
//!
//! An embeddable order-management library: capture orders from any channel,
//! reserve stock across locations atomically, and keep a tamper-evident
//! event log of every change — in memory, in one SQLite file, or in
//! PostgreSQL.
//!
//! This crate is the facade applications depend on. It re-exports the pure
//! domain core ([`omskit_core`]) and adds [`Oms`], the engine over whichever
//! store you open:
//!
//! ```
//! use omskit::{Oms, OrderDraft, LineDraft, Channel, Currency};
//!
//! let oms = Oms::in_memory();               // or Oms::open("shop.db")?
//! oms.add_location("WH-EAST", "East DC", 1)?;
//! oms.receive_stock("SKU-1", "WH-EAST", 10, "PO-77")?;
//! let order = oms.place_order(
//!     &OrderDraft::new(Channel::Web, Currency::USD)
//!         .customer("c-42", "Ada Lovelace", "ada@example.com")
//!         .line(LineDraft::new("SKU-1", 2, "19.99".parse().unwrap())),
//! )?;
//! oms.cancel_order(order.id, "customer changed their mind")?;
//! assert_eq!(oms.available("SKU-1")?, 10);
//! # Ok::<(), omskit::Error>(())
//! ```
//!
//! Features: `sqlite` (default) adds [`Oms::open`]; `postgres` adds [`Oms::connect`].
#![forbid(unsafe_code)]

use std::ops::Deref;
use std::sync::Arc;

pub use omskit_core::*;

/// The domain core, for code that names its modules (`omskit::core::order`).
pub use omskit_core as core;
#[cfg(feature = "postgres")]
pub use omskit_postgres as postgres;
#[cfg(feature = "sqlite")]
pub use omskit_sqlite as sqlite;

/// The engine over a store type of your own: `Engine<MyStore>`.
pub type Engine<S> = omskit_core::Oms<S>;

/// The order-management engine over the store it was opened with. Every use
/// case of [`Engine`] is available on it (through `Deref`).
#[derive(Debug)]
pub struct Oms {
    engine: Engine<AnyStore>,
}

impl Deref for Oms {
    type Target = Engine<AnyStore>;

    fn deref(&self) -> &Engine<AnyStore> {
        &self.engine
    }
}

impl Oms {
    /// An engine over a fresh in-memory store: nothing is persisted.
    pub fn in_memory() -> Oms {
        Oms::from_store(MemoryStore::new())
    }

    /// An engine over the SQLite file at `path` (created if missing), with
    /// `synchronous=FULL`.
    ///
    /// # Errors
    /// `Storage` when the file cannot be opened; `UnsupportedSchema` when a
    /// newer omskit wrote it.
    #[cfg(feature = "sqlite")]
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Oms> {
        Ok(Oms::from_store(omskit_sqlite::SqliteStore::open(path)?))
    }

    /// An engine over the SQLite file at `path` with explicit options.
    ///
    /// # Errors
    /// As [`Oms::open`].
    #[cfg(feature = "sqlite")]
    pub fn open_with(
        path: impl AsRef<std::path::Path>,
        options: omskit_sqlite::SqliteOptions,
    ) -> Result<Oms> {
        Ok(Oms::from_store(omskit_sqlite::SqliteStore::open_with(path, options)?))
    }

    /// An engine over the PostgreSQL database at `url`
    /// (`postgresql://user@host:port/db`).
    ///
    /// # Errors
    /// `Validation` (field `url`) for a malformed URL; `Storage` when the
    /// server cannot be reached.
    #[cfg(feature = "postgres")]
    pub fn connect(url: &str) -> Result<Oms> {
        Ok(Oms::from_store(omskit_postgres::PgStore::connect(url)?))
    }

    /// An engine over PostgreSQL with explicit options (pool size, schema).
    ///
    /// # Errors
    /// As [`Oms::connect`].
    #[cfg(feature = "postgres")]
    pub fn connect_with(url: &str, options: omskit_postgres::PgOptions) -> Result<Oms> {
        Ok(Oms::from_store(omskit_postgres::PgStore::connect_with(url, options)?))
    }

    /// An engine over any store.
    pub fn from_store<S: Store + 'static>(store: S) -> Oms {
        Oms { engine: Engine::new(AnyStore::new(store)) }
    }

    /// Uses `clock` for every timestamp.
    #[must_use]
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Oms {
        Oms { engine: self.engine.with_clock(clock) }
    }

    /// Uses `ids` for every new id.
    #[must_use]
    pub fn with_ids(self, ids: Arc<dyn IdGenerator>) -> Oms {
        Oms { engine: self.engine.with_ids(ids) }
    }

    /// Applies hold rules to every new or edited order.
    #[must_use]
    pub fn with_hold_rules(self, rules: HoldRules) -> Oms {
        Oms { engine: self.engine.with_hold_rules(rules) }
    }

    /// Registers a carrier to ship with (see [`shipping::TableRateCarrier`]
    /// for the built-in one).
    #[must_use]
    pub fn with_carrier(self, carrier: Arc<dyn shipping::Carrier>) -> Oms {
        Oms { engine: self.engine.with_carrier(carrier) }
    }

    /// The engine itself, for code written against [`Engine`].
    pub fn engine(&self) -> &Engine<AnyStore> {
        &self.engine
    }
}

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
