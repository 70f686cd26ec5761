//! What the writer connection knows of orders and fulfilment orders between
//! write transactions.
//!
//! Every step of an order's life (fulfil, pick, pack, ship, deliver) reads
//! the order and its fulfilment orders again: two and three queries, and the
//! parsing of their JSON and decimal columns, which made about a sixth of a
//! full lifecycle on SQLite. What a committed write transaction last read or
//! wrote of them is kept here and answers the next transaction.
//!
//! It must always equal what is stored:
//! - a write transaction takes the cache and gives it back only when it
//!   commits, so nothing of a rolled-back transaction stays (the cache is
//!   then empty, and is filled again by reads);
//! - another connection, in this process or another, may have committed in
//!   between: before the first use of the cache in a transaction (which
//!   holds the write lock, so nothing changes after), `PRAGMA data_version`
//!   is compared with its value when the cache was filled, and the cache is
//!   emptied if it moved. Commits of this connection do not move it.

use std::collections::HashMap;

use omskit_core::order::Order;
use omskit_core::{OrderId, Result};
use rusqlite::Connection;

use crate::codec::db;
use crate::fulfillment::Known;

/// Entries kept at most (of each kind); beyond, the cache starts over, so it
/// holds the orders in progress without growing with the history.
const CAPACITY: usize = 1024;

/// Orders and fulfilment orders as stored, with the data version they were read at.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// `PRAGMA data_version` of the writer connection when the entries were
    /// last checked; `None` when nothing was ever checked.
    data_version: Option<i64>,
    /// Whether the entries were checked in the current transaction.
    checked: bool,
    pub(crate) orders: HashMap<OrderId, Order>,
    pub(crate) fulfillments: Known,
}

impl Cache {
    /// Makes the entries safe to use in the current write transaction:
    /// empties them if another connection committed since they were checked.
    pub(crate) fn check(&mut self, conn: &Connection) -> Result<()> {
        if self.checked {
            return Ok(());
        }
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")
            .map_err(db)?
            .query_row([], |row| row.get(0))
            .map_err(db)?;
        if self.data_version != Some(version) {
            self.orders.clear();
            self.fulfillments.forget_all();
            self.data_version = Some(version);
        }
        self.checked = true;
        Ok(())
    }

    /// Forgets every entry (the transaction rolled back part of its work).
    pub(crate) fn forget_all(&mut self) {
        self.orders.clear();
        self.fulfillments.forget_all();
    }

    /// The cache for the next transaction, after this one committed.
    pub(crate) fn committed(mut self) -> Cache {
        if self.orders.len() > CAPACITY || self.fulfillments.len() > CAPACITY {
            self.forget_all();
        }
        self.checked = false;
        self
    }
}
