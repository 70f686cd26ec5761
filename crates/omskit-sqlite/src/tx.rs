//! [`SqliteTx`]: the storage traits over one SQLite transaction.

use std::sync::MutexGuard;

use chrono::{DateTime, Utc};

use omskit_core::events::{ChainLink, EventRecord, Hash32};
use omskit_core::fulfillment::FulfillmentOrder;
use omskit_core::inventory::{Location, Reservation, StockLevel, StockMovement};
use omskit_core::order::{Channel, Customer, Order, OrderDraft, OrderLine, Totals};
use omskit_core::shipping::{ConditionReading, TrackingEvent};
use omskit_core::store::StoreTx;
use omskit_core::{Error, FulfillmentId, OrderId, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::cache::Cache;
use crate::codec::{db, from_json, from_name, json, name, parse, parse_decimal, parse_time, time};
use crate::fulfillment::{self, Known};
use crate::{SqliteStore, Writer};

enum Conn<'a> {
    /// The store's writer connection, held for the whole write transaction.
    Writer(MutexGuard<'a, Writer>),
    /// A pooled reader connection, given back when the transaction ends.
    Reader(Option<Connection>),
}

/// A transaction on a [`SqliteStore`]; rolled back when dropped uncommitted.
pub struct SqliteTx<'a> {
    store: &'a SqliteStore,
    conn: Conn<'a>,
    open: bool,
    /// In a write transaction, the orders and fulfilment orders as last
    /// read or written, by this transaction or committed ones before it:
    /// they answer reads, and an update writes only what changed (most
    /// updates change the status). Empty in a read transaction.
    cache: Cache,
}

impl std::fmt::Debug for SqliteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteTx")
            .field("path", &self.store.path())
            .field("open", &self.open)
            .finish()
    }
}

impl Conn<'_> {
    fn get(&self) -> &Connection {
        match self {
            Conn::Writer(guard) => &guard.conn,
            Conn::Reader(Some(conn)) => conn,
            Conn::Reader(None) => unreachable!("a reader connection is only taken in Drop"),
        }
    }
}

impl<'a> SqliteTx<'a> {
    pub(crate) fn write(
        store: &'a SqliteStore,
        mut writer: MutexGuard<'a, Writer>,
    ) -> Result<SqliteTx<'a>> {
        // IMMEDIATE takes the write lock now, so nothing read in this
        // transaction can be changed by another connection before commit.
        run(&writer.conn, "BEGIN IMMEDIATE")?;
        // Given back at commit only (see the cache module).
        let cache = std::mem::take(&mut writer.cache);
        Ok(SqliteTx { store, conn: Conn::Writer(writer), open: true, cache })
    }

    pub(crate) fn read(store: &'a SqliteStore, conn: Connection) -> Result<SqliteTx<'a>> {
        // If BEGIN fails, the connection still goes back to the pool in Drop.
        let mut tx = SqliteTx {
            store,
            conn: Conn::Reader(Some(conn)),
            open: false,
            cache: Cache::default(),
        };
        run(tx.conn(), "BEGIN")?;
        tx.open = true;
        Ok(tx)
    }

    fn conn(&self) -> &Connection {
        self.conn.get()
    }

    fn is_write(&self) -> bool {
        matches!(self.conn, Conn::Writer(_))
    }

    /// The connection, and in a write transaction the fulfilment orders it
    /// knows (a read transaction reads everything from the database).
    fn with_known(&mut self) -> Result<(&Connection, Option<&mut Known>)> {
        if !self.is_write() {
            return Ok((self.conn.get(), None));
        }
        self.cache.check(self.conn.get())?;
        Ok((self.conn.get(), Some(&mut self.cache.fulfillments)))
    }
}

/// Runs a statement without parameters, kept prepared: `BEGIN` and `COMMIT`
/// run in every transaction, and parsing them each time showed in profiles.
fn run(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql).map_err(db)?.execute([]).map_err(db)?;
    Ok(())
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing useful can be done with a failed rollback: SQLite rolls
            // back by itself when the connection is next used or closed.
            let _ = self.conn().execute_batch("ROLLBACK");
        }
        if let Conn::Reader(conn) = &mut self.conn {
            if let Some(conn) = conn.take() {
                self.store.give_back(conn);
            }
        }
    }
}

// The columns of `orders` and `order_lines`, as macros so that every
// statement using them is one literal: no SQL is formatted per call.
macro_rules! order_columns {
    () => {
        "id, channel, external_id, idempotency_key, customer_id, customer_name, \
         customer_email, customer_phone, ship_to, bill_to, currency, discounts, notes, subtotal, \
         discount_total, tax_total, shipping, grand_total, status, payment_status, authorized, \
         captured, payments, holds, cancel_reason, placed_at, updated_at, version, last_line_id"
    };
}

macro_rules! line_columns {
    () => {
        "line_id, sku, quantity, cancelled_quantity, unit_price, discount, tax_rate, \
         gross, line_discount, order_discount, tax, total"
    };
}

impl SqliteTx<'_> {
    fn read_order(&self, id: OrderId) -> Result<Option<Order>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(concat!("SELECT ", order_columns!(), " FROM orders WHERE id = ?1"))
            .map_err(db)?;
        let Some(mut order) =
            stmt.query_row([id.to_string()], order_from_row).optional().map_err(db)?.transpose()?
        else {
            return Ok(None);
        };
        let mut stmt = conn
            .prepare_cached(concat!(
                "SELECT ",
                line_columns!(),
                " FROM order_lines WHERE order_id = ?1 ORDER BY line_id"
            ))
            .map_err(db)?;
        let lines = stmt.query_map([id.to_string()], line_from_row).map_err(db)?;
        for line in lines {
            order.lines.push(line.map_err(db)??);
        }
        Ok(Some(order))
    }

    /// Updates an order whose only changes are its status, time and version.
    fn write_order_status(&self, order: &Order) -> Result<()> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE orders SET status = ?2, updated_at = ?3, version = ?4 WHERE id = ?1",
            )
            .map_err(db)?
            .execute(params![
                order.id.to_string(),
                order.status.as_str(),
                time(order.updated_at),
                i64::try_from(order.version).map_err(Error::storage)?,
            ])
            .map_err(db)?;
        if changed == 0 {
            return Err(Error::not_found("order", order.id));
        }
        Ok(())
    }

    /// Updates an order's row, and its lines when `lines_changed`.
    fn write_order(&self, order: &Order, lines_changed: bool) -> Result<()> {
        self.write_order_row(order, false, lines_changed)
    }

    fn write_order_row(&self, order: &Order, insert: bool, write_lines: bool) -> Result<()> {
        let conn = self.conn();
        let sql = if insert {
            concat!(
                "INSERT INTO orders (",
                order_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                 ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)"
            )
        } else {
            "UPDATE orders SET channel = ?2, external_id = ?3, idempotency_key = ?4, customer_id = ?5, \
             customer_name = ?6, customer_email = ?7, customer_phone = ?8, ship_to = ?9, bill_to = ?10, \
             currency = ?11, discounts = ?12, notes = ?13, subtotal = ?14, discount_total = ?15, \
             tax_total = ?16, shipping = ?17, grand_total = ?18, status = ?19, payment_status = ?20, \
             authorized = ?21, captured = ?22, payments = ?23, holds = ?24, cancel_reason = ?25, \
             placed_at = ?26, updated_at = ?27, version = ?28, last_line_id = ?29 WHERE id = ?1"
        };
        let id = order.id.to_string();
        let t = &order.totals;
        let changed = conn
            .prepare_cached(sql)
            .map_err(db)?
            .execute(params![
                id,
                order.channel.as_str(),
                order.external_id,
                order.idempotency_key,
                order.customer.id,
                order.customer.name,
                order.customer.email,
                order.customer.phone,
                order.ship_to.as_ref().map(json).transpose()?,
                order.bill_to.as_ref().map(json).transpose()?,
                order.currency.code(),
                json(&order.discounts)?,
                order.notes,
                t.subtotal.to_string(),
                t.discounts.to_string(),
                t.tax.to_string(),
                t.shipping.to_string(),
                t.grand_total.to_string(),
                order.status.as_str(),
                name(&order.payment_status)?,
                order.authorized.to_string(),
                order.captured.to_string(),
                json(&order.payments)?,
                json(&order.holds)?,
                order.cancel_reason,
                time(order.placed_at),
                time(order.updated_at),
                i64::try_from(order.version).map_err(Error::storage)?,
                order.last_line_id,
            ])
            .map_err(db)?;
        if changed == 0 {
            return Err(Error::not_found("order", order.id));
        }
        if !write_lines {
            return Ok(());
        }
        if !insert {
            conn.prepare_cached("DELETE FROM order_lines WHERE order_id = ?1")
                .map_err(db)?
                .execute([order.id.to_string()])
                .map_err(db)?;
        }
        let mut stmt = conn
            .prepare_cached(concat!(
                "INSERT INTO order_lines (order_id, ",
                line_columns!(),
                ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))
            .map_err(db)?;
        for line in &order.lines {
            stmt.execute(params![
                id,
                line.id,
                line.sku,
                line.quantity,
                line.cancelled_quantity,
                line.unit_price.to_string(),
                line.discount.as_ref().map(json).transpose()?,
                line.tax_rate.to_string(),
                line.gross.to_string(),
                line.line_discount.to_string(),
                line.order_discount.to_string(),
                line.tax.to_string(),
                line.total.to_string(),
            ])
            .map_err(db)?;
        }
        Ok(())
    }
}

fn order_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Order>> {
    let text = |i: usize| row.get::<_, String>(i);
    let opt = |i: usize| row.get::<_, Option<String>>(i);
    let (id, channel, currency) = (text(0)?, text(1)?, text(10)?);
    let (ship_to, bill_to, discounts) = (opt(8)?, opt(9)?, text(11)?);
    let amounts = [text(13)?, text(14)?, text(15)?, text(16)?, text(17)?, text(20)?, text(21)?];
    let (status, payment_status, payments, holds) = (text(18)?, text(19)?, text(22)?, text(23)?);
    let (placed_at, updated_at, version) = (text(25)?, text(26)?, row.get::<_, i64>(27)?);
    let last_line_id: u32 = row.get(28)?;
    let customer = Customer { id: text(4)?, name: text(5)?, email: opt(6)?, phone: opt(7)? };
    let (external_id, idempotency_key, notes, cancel_reason) =
        (opt(2)?, opt(3)?, opt(12)?, opt(24)?);
    Ok((|| {
        let [subtotal, discount_total, tax, shipping, grand_total, authorized, captured] =
            amounts.map(|a| parse_decimal(&a));
        Ok(Order {
            id: parse(&id, "order id")?,
            channel: parse::<Channel>(&channel, "channel")?,
            external_id,
            idempotency_key,
            customer,
            ship_to: ship_to.as_deref().map(|a| from_json(a, "address")).transpose()?,
            bill_to: bill_to.as_deref().map(|a| from_json(a, "address")).transpose()?,
            currency: parse(&currency, "currency")?,
            lines: Vec::new(),
            last_line_id,
            discounts: from_json(&discounts, "discounts")?,
            notes,
            totals: Totals {
                subtotal: subtotal?,
                discounts: discount_total?,
                tax: tax?,
                shipping: shipping?,
                grand_total: grand_total?,
            },
            status: from_name(&status, "order status")?,
            payment_status: from_name(&payment_status, "payment status")?,
            authorized: authorized?,
            captured: captured?,
            payments: from_json(&payments, "payments")?,
            holds: from_json(&holds, "holds")?,
            cancel_reason,
            placed_at: parse_time(&placed_at)?,
            updated_at: parse_time(&updated_at)?,
            version: u64::try_from(version).map_err(Error::storage)?,
        })
    })())
}

fn line_from_row(row: &Row<'_>) -> rusqlite::Result<Result<OrderLine>> {
    let text = |i: usize| row.get::<_, String>(i);
    let (id, sku, quantity, cancelled) = (row.get(0)?, text(1)?, row.get(2)?, row.get(3)?);
    let discount = row.get::<_, Option<String>>(5)?;
    let amounts = [text(4)?, text(6)?, text(7)?, text(8)?, text(9)?, text(10)?, text(11)?];
    Ok((|| {
        let [unit_price, tax_rate, gross, line_discount, order_discount, tax, total] =
            amounts.map(|a| parse_decimal(&a));
        Ok(OrderLine {
            id,
            sku,
            quantity,
            cancelled_quantity: cancelled,
            unit_price: unit_price?,
            discount: discount.as_deref().map(|d| from_json(d, "discount")).transpose()?,
            tax_rate: tax_rate?,
            gross: gross?,
            line_discount: line_discount?,
            order_discount: order_discount?,
            tax: tax?,
            total: total?,
        })
    })())
}

fn level_from_row(row: &Row<'_>) -> rusqlite::Result<StockLevel> {
    Ok(StockLevel {
        sku: row.get(0)?,
        location: row.get(1)?,
        on_hand: row.get(2)?,
        reserved: row.get(3)?,
    })
}

fn reservation_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Reservation>> {
    let text = |i: usize| row.get::<_, String>(i);
    let (id, order_id, status, created, updated) =
        (text(0)?, text(1)?, text(6)?, text(7)?, text(8)?);
    let (line_id, sku, location, quantity) = (row.get(2)?, text(3)?, text(4)?, row.get(5)?);
    Ok((|| {
        Ok(Reservation {
            id: parse(&id, "reservation id")?,
            order_id: parse(&order_id, "order id")?,
            line_id,
            sku,
            location,
            quantity,
            status: from_name(&status, "reservation status")?,
            created_at: parse_time(&created)?,
            updated_at: parse_time(&updated)?,
        })
    })())
}

fn movement_from_row(row: &Row<'_>) -> rusqlite::Result<Result<StockMovement>> {
    let text = |i: usize| row.get::<_, String>(i);
    let (id, at, kind) = (text(0)?, text(1)?, text(4)?);
    let (sku, location, on_hand_delta, reserved_delta) =
        (text(2)?, text(3)?, row.get(5)?, row.get(6)?);
    let (reason, reference) = (row.get(7)?, text(8)?);
    Ok((|| {
        Ok(StockMovement {
            id: parse(&id, "movement id")?,
            at: parse_time(&at)?,
            sku,
            location,
            kind: from_name(&kind, "movement kind")?,
            on_hand_delta,
            reserved_delta,
            reason,
            reference,
        })
    })())
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Result<EventRecord>> {
    let text = |i: usize| row.get::<_, String>(i);
    let (seq, stream, version) = (row.get::<_, i64>(0)?, text(1)?, row.get::<_, i64>(2)?);
    let (recorded_at, kind, payload, prev_hash, hash) =
        (text(3)?, text(4)?, text(5)?, text(6)?, text(7)?);
    Ok((|| {
        let hash_of = |h: &str| {
            Hash32::from_hex(h)
                .ok_or_else(|| Error::storage(format!("stored hash {h:?} unreadable")))
        };
        Ok(EventRecord {
            seq: u64::try_from(seq).map_err(Error::storage)?,
            stream,
            version: u64::try_from(version).map_err(Error::storage)?,
            recorded_at: parse_time(&recorded_at)?,
            kind,
            payload,
            prev_hash: hash_of(&prev_hash)?,
            hash: hash_of(&hash)?,
        })
    })())
}

/// Collects rows mapped to `rusqlite::Result<Result<T>>`.
fn collect<T>(rows: impl Iterator<Item = rusqlite::Result<Result<T>>>) -> Result<Vec<T>> {
    rows.map(|row| row.map_err(db)?).collect()
}

impl StoreTx for SqliteTx<'_> {
    fn order(&mut self, id: OrderId) -> Result<Option<Order>> {
        if !self.is_write() {
            return self.read_order(id);
        }
        self.cache.check(self.conn.get())?;
        if let Some(order) = self.cache.orders.get(&id) {
            return Ok(Some(order.clone()));
        }
        let order = self.read_order(id)?;
        if let Some(order) = &order {
            self.cache.orders.insert(order.id, order.clone());
        }
        Ok(order)
    }

    fn order_by_idempotency_key(&mut self, key: &str) -> Result<Option<(OrderId, OrderDraft)>> {
        let row: Option<(String, String)> = self
            .conn()
            .prepare_cached("SELECT order_id, draft FROM idempotency_keys WHERE key = ?1")
            .map_err(db)?
            .query_row([key], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
            .map_err(db)?;
        row.map(|(id, draft)| Ok((parse(&id, "order id")?, from_json(&draft, "order draft")?)))
            .transpose()
    }

    fn order_by_external_id(
        &mut self,
        channel: &Channel,
        external_id: &str,
    ) -> Result<Option<OrderId>> {
        let id: Option<String> = self
            .conn()
            .prepare_cached("SELECT id FROM orders WHERE channel = ?1 AND external_id = ?2")
            .map_err(db)?
            .query_row([channel.as_str(), external_id], |row| row.get(0))
            .optional()
            .map_err(db)?;
        id.map(|id| parse(&id, "order id")).transpose()
    }

    fn insert_order(&mut self, order: &Order, draft: &OrderDraft) -> Result<()> {
        self.write_order_row(order, true, true)?;
        if let Some(key) = &order.idempotency_key {
            self.conn()
                .prepare_cached(
                    "INSERT INTO idempotency_keys (key, order_id, draft) VALUES (?1, ?2, ?3)",
                )
                .map_err(db)?
                .execute(params![key, order.id.to_string(), json(draft)?])
                .map_err(db)?;
        }
        Ok(())
    }

    fn orders(&mut self, after: Option<OrderId>, limit: usize) -> Result<Vec<Order>> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn()
                .prepare_cached("SELECT id FROM orders WHERE id > ?1 ORDER BY id LIMIT ?2")
                .map_err(db)?;
            let after = after.map(|id| id.to_string()).unwrap_or_default();
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![after, limit], |row| row.get(0)).map_err(db)?;
            rows.collect::<rusqlite::Result<_>>().map_err(db)?
        };
        let mut orders = Vec::with_capacity(ids.len());
        for id in ids {
            let id: OrderId = parse(&id, "order id")?;
            orders.extend(self.read_order(id)?);
        }
        Ok(orders)
    }

    fn update_order(&mut self, order: &Order) -> Result<()> {
        self.cache.check(self.conn.get())?;
        // Forgotten first: if a write below fails, the row is not what is known.
        let result = match self.cache.orders.remove(&order.id) {
            Some(mut known) => {
                let lines_changed = known.lines != order.lines;
                known.status = order.status;
                known.updated_at = order.updated_at;
                known.version = order.version;
                if known == *order {
                    self.write_order_status(order)
                } else {
                    self.write_order(order, lines_changed)
                }
            }
            None => self.write_order(order, true),
        };
        if result.is_ok() {
            self.cache.orders.insert(order.id, order.clone());
        }
        result
    }

    fn location(&mut self, code: &str) -> Result<Option<Location>> {
        self.conn()
            .prepare_cached("SELECT code, name, priority, active FROM locations WHERE code = ?1")
            .map_err(db)?
            .query_row([code], location_from_row)
            .optional()
            .map_err(db)
    }

    fn locations(&mut self) -> Result<Vec<Location>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT code, name, priority, active FROM locations ORDER BY code")
            .map_err(db)?;
        let rows = stmt.query_map([], location_from_row).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn put_location(&mut self, location: &Location) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO locations (code, name, priority, active) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (code) DO UPDATE SET name = ?2, priority = ?3, active = ?4",
            )
            .map_err(db)?
            .execute(params![location.code, location.name, location.priority, location.active])
            .map_err(db)?;
        Ok(())
    }

    fn stock_for_update(&mut self, skus: &[&str]) -> Result<Vec<StockLevel>> {
        // The write transaction already holds the database's write lock, so
        // these rows cannot change until commit.
        // One point query per SKU: measured faster than one `sku IN (...)`
        // query, for which SQLite builds a temporary index on every run.
        let mut sorted = skus.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT sku, location, on_hand, reserved FROM stock_levels WHERE sku = ?1 ORDER BY location",
            )
            .map_err(db)?;
        let mut levels = Vec::new();
        for sku in sorted {
            let rows = stmt.query_map([sku], level_from_row).map_err(db)?;
            for row in rows {
                levels.push(row.map_err(db)?);
            }
        }
        Ok(levels)
    }

    fn put_stock_level(&mut self, level: &StockLevel) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO stock_levels (sku, location, on_hand, reserved) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (sku, location) DO UPDATE SET on_hand = ?3, reserved = ?4",
            )
            .map_err(db)?
            .execute(params![level.sku, level.location, level.on_hand, level.reserved])
            .map_err(db)?;
        Ok(())
    }

    fn all_stock_levels(&mut self) -> Result<Vec<StockLevel>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT sku, location, on_hand, reserved FROM stock_levels ORDER BY sku, location",
            )
            .map_err(db)?;
        let rows = stmt.query_map([], level_from_row).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)
    }

    fn reservations_for_order(&mut self, order: OrderId) -> Result<Vec<Reservation>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id, order_id, line_id, sku, location, quantity, status, created_at, updated_at \
                 FROM reservations WHERE order_id = ?1 ORDER BY id",
            )
            .map_err(db)?;
        let rows = stmt.query_map([order.to_string()], reservation_from_row).map_err(db)?;
        collect(rows)
    }

    fn put_reservation(&mut self, r: &Reservation) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO reservations (id, order_id, line_id, sku, location, quantity, status, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (order_id, id) DO UPDATE SET quantity = ?6, status = ?7, updated_at = ?9",
            )
            .map_err(db)?
            .execute(params![
                r.id.to_string(),
                r.order_id.to_string(),
                r.line_id,
                r.sku,
                r.location,
                r.quantity,
                r.status.as_str(),
                time(r.created_at),
                time(r.updated_at),
            ])
            .map_err(db)?;
        Ok(())
    }

    fn active_reservations(&mut self) -> Result<Vec<Reservation>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id, order_id, line_id, sku, location, quantity, status, created_at, updated_at \
                 FROM reservations WHERE status = 'active' ORDER BY id",
            )
            .map_err(db)?;
        let rows = stmt.query_map([], reservation_from_row).map_err(db)?;
        collect(rows)
    }

    fn append_movement(&mut self, m: StockMovement) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO stock_movements (id, at, sku, location, kind, on_hand_delta, reserved_delta, reason, reference) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(db)?
            .execute(params![
                m.id.to_string(),
                time(m.at),
                m.sku,
                m.location,
                m.kind.as_str(),
                m.on_hand_delta,
                m.reserved_delta,
                m.reason,
                m.reference,
            ])
            .map_err(db)?;
        Ok(())
    }

    fn movements(&mut self, sku: &str, location: Option<&str>) -> Result<Vec<StockMovement>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id, at, sku, location, kind, on_hand_delta, reserved_delta, reason, reference \
                 FROM stock_movements WHERE sku = ?1 AND (?2 IS NULL OR location = ?2) ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt.query_map(params![sku, location], movement_from_row).map_err(db)?;
        collect(rows)
    }

    fn fulfillment(&mut self, id: FulfillmentId) -> Result<Option<FulfillmentOrder>> {
        let (conn, known) = self.with_known()?;
        fulfillment::by_id(conn, known, id)
    }

    fn fulfillments_for_order(&mut self, order: OrderId) -> Result<Vec<FulfillmentOrder>> {
        let (conn, known) = self.with_known()?;
        fulfillment::for_order(conn, known, order)
    }

    fn fulfillment_by_tracking_number(
        &mut self,
        tracking_number: &str,
    ) -> Result<Option<FulfillmentOrder>> {
        let (conn, known) = self.with_known()?;
        fulfillment::by_tracking_number(conn, known, tracking_number)
    }

    fn put_fulfillment(&mut self, f: &FulfillmentOrder) -> Result<()> {
        self.cache.check(self.conn.get())?;
        fulfillment::put(self.conn.get(), &mut self.cache.fulfillments, f)
    }

    fn overdue_fulfillments(&mut self, now: DateTime<Utc>) -> Result<Vec<FulfillmentId>> {
        fulfillment::overdue(self.conn(), &time(now))
    }

    fn pending_fulfillments(
        &mut self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>> {
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let (conn, known) = self.with_known()?;
        fulfillment::pending(conn, known, &after, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    fn put_bin(&mut self, sku: &str, location: &str, bin: &str) -> Result<()> {
        fulfillment::put_bin(self.conn(), sku, location, bin)
    }

    fn bin(&mut self, sku: &str, location: &str) -> Result<Option<String>> {
        fulfillment::bin(self.conn(), sku, location)
    }

    fn insert_tracking_event(&mut self, event: &TrackingEvent) -> Result<bool> {
        fulfillment::insert_tracking_event(self.conn(), event)
    }

    fn tracking_events(&mut self, tracking_number: &str) -> Result<Vec<TrackingEvent>> {
        fulfillment::tracking_events(self.conn(), tracking_number)
    }

    fn append_condition_reading(
        &mut self,
        tracking_number: &str,
        reading: &ConditionReading,
    ) -> Result<()> {
        fulfillment::append_condition_reading(self.conn(), tracking_number, reading)
    }

    fn condition_readings(&mut self, tracking_number: &str) -> Result<Vec<ConditionReading>> {
        fulfillment::condition_readings(self.conn(), tracking_number)
    }

    fn stream_head(&mut self, stream: &str) -> Result<Option<ChainLink>> {
        let row: Option<(i64, String)> = self
            .conn()
            .prepare_cached(
                "SELECT version, hash FROM events WHERE stream = ?1 ORDER BY version DESC LIMIT 1",
            )
            .map_err(db)?
            .query_row([stream], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
            .map_err(db)?;
        row.map(|(version, hash)| {
            Ok(ChainLink {
                version: u64::try_from(version).map_err(Error::storage)?,
                hash: Hash32::from_hex(&hash)
                    .ok_or_else(|| Error::storage("stored hash unreadable"))?,
            })
        })
        .transpose()
    }

    fn append_event(&mut self, e: EventRecord) -> Result<u64> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO events (stream, version, recorded_at, kind, payload, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db)?
        .execute(params![
            e.stream,
            i64::try_from(e.version).map_err(Error::storage)?,
            time(e.recorded_at),
            e.kind,
            e.payload,
            e.prev_hash.to_string(),
            e.hash.to_string(),
        ])
        .map_err(db)?;
        u64::try_from(conn.last_insert_rowid()).map_err(Error::storage)
    }

    fn events_since(&mut self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT seq, stream, version, recorded_at, kind, payload, prev_hash, hash \
                 FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(db)?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![after, limit], event_from_row).map_err(db)?;
        collect(rows)
    }

    fn commit(mut self) -> Result<()> {
        run(self.conn(), "COMMIT")?;
        self.open = false;
        if let Conn::Writer(writer) = &mut self.conn {
            writer.cache = std::mem::take(&mut self.cache).committed();
        }
        Ok(())
    }
}

fn location_from_row(row: &Row<'_>) -> rusqlite::Result<Location> {
    Ok(Location {
        code: row.get(0)?,
        name: row.get(1)?,
        priority: row.get(2)?,
        active: row.get(3)?,
    })
}
