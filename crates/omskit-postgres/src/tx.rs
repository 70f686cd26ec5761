//! [`PgTx`]: the storage traits over one PostgreSQL transaction.

mod fulfillment;
mod pending;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use omskit_core::events::{ChainLink, EventRecord, Hash32};
use omskit_core::fulfillment::FulfillmentOrder;
use omskit_core::inventory::{Location, Reservation, StockLevel, StockMovement};
use omskit_core::order::{Channel, Customer, Order, OrderDraft, OrderLine, Totals};
use omskit_core::shipping::{ConditionReading, TrackingEvent};
use omskit_core::store::{StoreTx, TxMode};
use omskit_core::{Error, FulfillmentId, OrderId, Result};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use crate::codec::{db, from_json, from_name, int, json, parse};
use crate::pool::{Answer, Conn, Pool, Request};
use pending::{Flush, OrderRow, Pending};

/// Bits of an event position that number events within one transaction.
const EVENT_INDEX_BITS: u32 = 20;

/// A transaction on a [`crate::PgStore`]; rolled back when dropped uncommitted.
pub struct PgTx<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
    mode: TxMode,
    /// Whether `BEGIN` has been sent.
    begun: bool,
    /// Stock rows this transaction has locked: they are updated in place;
    /// any other is inserted, and losing that insert race is retried.
    locked: HashSet<(String, String)>,
    events: u64,
    /// `txid_current()`: read with the first rows the transaction locks,
    /// or asked when the first event is appended.
    txid: Option<i64>,
    /// The locations read with the stock rows: every use case that locks
    /// stock reads them next, and this saves it a round trip.
    locations: Option<Vec<Location>>,
    /// Rows not sent yet (see [`pending`]).
    pending: Pending,
    open: bool,
}

/// What a request sent by [`PgTx::send`] is.
enum Kind {
    /// A statement that returns rows.
    Query,
    /// A statement whose answer is the number of rows it changed.
    Execute,
    /// A command without parameters (`BEGIN`, `COMMIT`).
    Command,
}

impl std::fmt::Debug for PgTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTx")
            .field("mode", &self.mode)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl<'a> PgTx<'a> {
    /// A transaction on a pooled connection. Nothing is sent yet: `BEGIN`
    /// goes with the first statement (see [`PgTx::send`]).
    pub(crate) fn begin(pool: &'a Pool, mode: TxMode) -> Result<PgTx<'a>> {
        Ok(PgTx {
            pool,
            conn: Some(pool.get()?),
            mode,
            begun: false,
            locked: HashSet::new(),
            events: 0,
            txid: None,
            locations: None,
            pending: Pending::default(),
            open: true,
        })
    }

    fn conn(&mut self) -> Result<&mut Conn> {
        self.conn.as_mut().ok_or_else(|| Error::storage("transaction already ended"))
    }

    fn query(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        Ok(self.send(Kind::Query, sql, params)?.rows())
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        Ok(self.send(Kind::Execute, sql, params)?.changed())
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.send(Kind::Command, sql, &[]).map(drop)
    }

    /// Sends a request after what must come first: `BEGIN` if it has not
    /// been sent, then the pending rows (one statement, see [`pending`]).
    /// They all go in one round trip (the server refuses the rest of a
    /// transaction after an error, so nothing runs without what precedes
    /// it), except that `BEGIN` goes alone before a write: should it ever
    /// fail, the write would run outside the transaction, which a read can
    /// do harmlessly.
    fn send(&mut self, kind: Kind, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Answer> {
        let pending = std::mem::take(&mut self.pending);
        let flush = if pending.is_empty() { None } else { Some(pending.flush(self.txid)?) };
        let begin = (!self.begun).then_some(match self.mode {
            TxMode::Write => "BEGIN ISOLATION LEVEL READ COMMITTED",
            TxMode::Read => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        });
        self.begun = true;
        let conn = self.conn()?;
        let flush = match &flush {
            Some(flush) => {
                let params: Vec<&(dyn ToSql + Sync)> =
                    flush.params.iter().map(|p| &**p as _).collect();
                Some((conn.flush_statement(flush.shape, Flush::sql)?, params))
            }
            None => None,
        };
        let statement;
        let last = match kind {
            Kind::Command => Request::Command(sql),
            Kind::Query => {
                statement = conn.statement(sql)?;
                Request::Query(&statement, params)
            }
            Kind::Execute => {
                statement = conn.statement(sql)?;
                Request::Execute(&statement, params)
            }
        };
        let mut requests = Vec::with_capacity(3);
        if let Some(begin) = begin {
            if flush.is_none() && matches!(last, Request::Query(..)) {
                requests.push(Request::Command(begin));
            } else {
                conn.pipeline(&[Request::Command(begin)])?;
            }
        }
        if let Some((statement, params)) = &flush {
            requests.push(Request::Execute(statement, params));
        }
        requests.push(last);
        Ok(conn.pipeline(&requests)?.pop().unwrap_or(Answer::Done))
    }

    fn write_mode(&self) -> bool {
        self.mode == TxMode::Write
    }

    /// The order with its lines; `lock` takes its row lock until commit.
    fn read_order(&mut self, id: OrderId, lock: bool) -> Result<Option<Order>> {
        let key = id.to_string();
        let rows = if lock {
            self.query(ORDER_FOR_UPDATE, &[&key])?
        } else {
            self.query(ORDER_SELECT, &[&key])?
        };
        let Some(row) = rows.first() else { return Ok(None) };
        if lock && self.txid.is_none() {
            self.txid = Some(row.try_get(29).map_err(db)?);
        }
        let mut order = order_from_row(row)?;
        for row in self.query(LINES_SELECT, &[&key])? {
            order.lines.push(line_from_row(&row)?);
        }
        Ok(Some(order))
    }

    /// Queues an order's lines, to be written with the next flush.
    fn add_lines(&mut self, id: &str, lines: &[OrderLine]) -> Result<()> {
        for line in lines {
            pending::line_id(line.id)?;
            self.pending.lines.push((id.to_owned(), line.clone()));
        }
        Ok(())
    }

    fn end(&mut self, sql: &str) -> Result<()> {
        // Nothing sent, nothing to end.
        let result = if self.begun || !self.pending.is_empty() { self.batch(sql) } else { Ok(()) };
        self.open = false;
        if let Some(conn) = self.conn.take() {
            if result.is_ok() {
                self.pool.put(conn);
            } else {
                // A connection whose transaction state is unknown is not reused.
                self.pool.forget();
            }
        }
        result
    }
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Rows never sent need no rolling back.
            self.pending = Pending::default();
            let _ = self.end("ROLLBACK");
        }
    }
}

/// An order's columns (then `$columns`) of the orders `$where` selects.
macro_rules! order_select {
    ($columns:literal, $where:literal) => {
        concat!(
            "SELECT id, channel, external_id, idempotency_key, customer_id, customer_name, \
             customer_email, customer_phone, ship_to, bill_to, currency, discounts, notes, subtotal, \
             discount_total, tax_total, shipping, grand_total, status, payment_status, authorized, captured, \
             payments, holds, cancel_reason, placed_at, updated_at, version, last_line_id",
            $columns,
            " FROM orders WHERE ",
            $where
        )
    };
}
const ORDER_SELECT: &str = order_select!("", "id = $1");
/// Locks the order, and reads the transaction id (column 29) on the way:
/// the lock assigned it.
const ORDER_FOR_UPDATE: &str = order_select!(", txid_current()", "id = $1 FOR NO KEY UPDATE");
/// A page of orders, by id.
const ORDER_PAGE: &str = order_select!("", "id > $1 ORDER BY id LIMIT $2");
/// The stock rows of the SKUs `$1` (`FALSE`: sku, location, on hand,
/// reserved in columns 1, 2, 5 and 6) locked in (sku, location) order
/// (ORDER BY under FOR UPDATE locks rows in that order, so concurrent
/// transactions never deadlock on them), every location (`TRUE`: code,
/// name, priority, active in columns 1 to 4) and the transaction id
/// (column 7, on every row): what every use case that changes stock
/// reads first, in one round trip.
macro_rules! stock_select {
    ($lock:literal, $txid:literal) => {
        concat!(
            "WITH s AS (SELECT sku, location, on_hand, reserved FROM stock_levels WHERE sku = ANY($1) \
             ORDER BY sku COLLATE \"C\", location COLLATE \"C\"",
            $lock,
            ") SELECT FALSE, sku, location, NULL::INT, NULL::BOOLEAN, on_hand, reserved, ",
            $txid,
            " FROM s UNION ALL SELECT TRUE, code, name, priority, active, NULL, NULL, ",
            $txid,
            " FROM locations"
        )
    };
}
const STOCK_FOR_UPDATE: &str = stock_select!(" FOR UPDATE", "txid_current()");
/// As [`STOCK_FOR_UPDATE`], without locks or transaction id (read-only).
const STOCK_SELECT: &str = stock_select!("", "NULL::BIGINT");
const ORDER_UPDATE: &str = "UPDATE orders SET channel = $2, external_id = $3, idempotency_key = $4, \
    customer_id = $5, customer_name = $6, customer_email = $7, customer_phone = $8, ship_to = $9, \
    bill_to = $10, currency = $11, discounts = $12, notes = $13, subtotal = $14, discount_total = $15, \
    tax_total = $16, shipping = $17, grand_total = $18, status = $19, payment_status = $20, \
    authorized = $21, captured = $22, payments = $23, holds = $24, cancel_reason = $25, placed_at = $26, \
    updated_at = $27, version = $28, last_line_id = $29 WHERE id = $1";
/// The columns [`line_from_row`] reads, then `$columns`, of the lines `$where` selects.
macro_rules! lines_select {
    ($columns:literal, $where:literal) => {
        concat!(
            "SELECT line_id, sku, quantity, cancelled_quantity, unit_price, discount, \
             tax_rate, gross, line_discount, order_discount, tax, total",
            $columns,
            " FROM order_lines WHERE ",
            $where
        )
    };
}
const LINES_SELECT: &str = lines_select!("", "order_id = $1 ORDER BY line_id");
/// The lines of the orders `$1` (an array of ids), with their order's id
/// in column 12.
const PAGE_LINES_SELECT: &str =
    lines_select!(", order_id", "order_id = ANY($1) ORDER BY order_id, line_id");

fn order_from_row(row: &Row) -> Result<Order> {
    let get_text = |i: usize| -> Result<String> { row.try_get(i).map_err(db) };
    let get_opt = |i: usize| -> Result<Option<String>> { row.try_get(i).map_err(db) };
    let ship_to = get_opt(8)?;
    let bill_to = get_opt(9)?;
    Ok(Order {
        id: parse(&get_text(0)?, "order id")?,
        channel: parse::<Channel>(&get_text(1)?, "channel")?,
        external_id: get_opt(2)?,
        idempotency_key: get_opt(3)?,
        customer: Customer {
            id: get_text(4)?,
            name: get_text(5)?,
            email: get_opt(6)?,
            phone: get_opt(7)?,
        },
        ship_to: ship_to.as_deref().map(|a| from_json(a, "address")).transpose()?,
        bill_to: bill_to.as_deref().map(|a| from_json(a, "address")).transpose()?,
        currency: parse(&get_text(10)?, "currency")?,
        lines: Vec::new(),
        last_line_id: int(i64::from(row.try_get::<_, i32>(28).map_err(db)?), "last line id")?,
        discounts: from_json(&get_text(11)?, "discounts")?,
        notes: get_opt(12)?,
        totals: Totals {
            subtotal: row.try_get(13).map_err(db)?,
            discounts: row.try_get(14).map_err(db)?,
            tax: row.try_get(15).map_err(db)?,
            shipping: row.try_get(16).map_err(db)?,
            grand_total: row.try_get(17).map_err(db)?,
        },
        status: from_name(&get_text(18)?, "order status")?,
        payment_status: from_name(&get_text(19)?, "payment status")?,
        authorized: row.try_get(20).map_err(db)?,
        captured: row.try_get(21).map_err(db)?,
        payments: from_json(&get_text(22)?, "payments")?,
        holds: from_json(&get_text(23)?, "holds")?,
        cancel_reason: get_opt(24)?,
        placed_at: row.try_get(25).map_err(db)?,
        updated_at: row.try_get(26).map_err(db)?,
        version: int(row.try_get(27).map_err(db)?, "order version")?,
    })
}

fn line_from_row(row: &Row) -> Result<OrderLine> {
    let discount: Option<String> = row.try_get(5).map_err(db)?;
    Ok(OrderLine {
        id: int(i64::from(row.try_get::<_, i32>(0).map_err(db)?), "line id")?,
        sku: row.try_get(1).map_err(db)?,
        quantity: int(row.try_get(2).map_err(db)?, "quantity")?,
        cancelled_quantity: int(row.try_get(3).map_err(db)?, "cancelled quantity")?,
        unit_price: row.try_get(4).map_err(db)?,
        discount: discount.as_deref().map(|d| from_json(d, "discount")).transpose()?,
        tax_rate: row.try_get(6).map_err(db)?,
        gross: row.try_get(7).map_err(db)?,
        line_discount: row.try_get(8).map_err(db)?,
        order_discount: row.try_get(9).map_err(db)?,
        tax: row.try_get(10).map_err(db)?,
        total: row.try_get(11).map_err(db)?,
    })
}

fn level_from_row(row: &Row) -> Result<StockLevel> {
    Ok(StockLevel {
        sku: row.try_get(0).map_err(db)?,
        location: row.try_get(1).map_err(db)?,
        on_hand: row.try_get(2).map_err(db)?,
        reserved: row.try_get(3).map_err(db)?,
    })
}

fn location_from_row(row: &Row) -> Result<Location> {
    Ok(Location {
        code: row.try_get(0).map_err(db)?,
        name: row.try_get(1).map_err(db)?,
        priority: row.try_get(2).map_err(db)?,
        active: row.try_get(3).map_err(db)?,
    })
}

fn reservation_from_row(row: &Row) -> Result<Reservation> {
    Ok(Reservation {
        id: parse(&row.try_get::<_, String>(0).map_err(db)?, "reservation id")?,
        order_id: parse(&row.try_get::<_, String>(1).map_err(db)?, "order id")?,
        line_id: int(i64::from(row.try_get::<_, i32>(2).map_err(db)?), "line id")?,
        sku: row.try_get(3).map_err(db)?,
        location: row.try_get(4).map_err(db)?,
        quantity: row.try_get(5).map_err(db)?,
        status: from_name(&row.try_get::<_, String>(6).map_err(db)?, "reservation status")?,
        created_at: row.try_get(7).map_err(db)?,
        updated_at: row.try_get(8).map_err(db)?,
    })
}

fn movement_from_row(row: &Row) -> Result<StockMovement> {
    Ok(StockMovement {
        id: parse(&row.try_get::<_, String>(0).map_err(db)?, "movement id")?,
        at: row.try_get(1).map_err(db)?,
        sku: row.try_get(2).map_err(db)?,
        location: row.try_get(3).map_err(db)?,
        kind: from_name(&row.try_get::<_, String>(4).map_err(db)?, "movement kind")?,
        on_hand_delta: row.try_get(5).map_err(db)?,
        reserved_delta: row.try_get(6).map_err(db)?,
        reason: row.try_get(7).map_err(db)?,
        reference: row.try_get(8).map_err(db)?,
    })
}

fn hash_of(text: &str) -> Result<Hash32> {
    Hash32::from_hex(text).ok_or_else(|| Error::storage(format!("stored hash {text:?} unreadable")))
}

fn event_from_row(row: &Row) -> Result<EventRecord> {
    Ok(EventRecord {
        seq: int(row.try_get(0).map_err(db)?, "event position")?,
        stream: row.try_get(1).map_err(db)?,
        version: int(row.try_get(2).map_err(db)?, "event version")?,
        recorded_at: row.try_get(3).map_err(db)?,
        kind: row.try_get(4).map_err(db)?,
        payload: row.try_get(5).map_err(db)?,
        prev_hash: hash_of(&row.try_get::<_, String>(6).map_err(db)?)?,
        hash: hash_of(&row.try_get::<_, String>(7).map_err(db)?)?,
    })
}

fn all<T>(rows: Vec<Row>, decode: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(decode).collect()
}

impl StoreTx for PgTx<'_> {
    fn order(&mut self, id: OrderId) -> Result<Option<Order>> {
        let lock = self.write_mode();
        self.read_order(id, lock)
    }

    fn order_by_idempotency_key(&mut self, key: &str) -> Result<Option<(OrderId, OrderDraft)>> {
        let rows =
            self.query("SELECT order_id, draft FROM idempotency_keys WHERE key = $1", &[&key])?;
        rows.first()
            .map(|row| {
                let id: String = row.try_get(0).map_err(db)?;
                let draft: String = row.try_get(1).map_err(db)?;
                Ok((parse(&id, "order id")?, from_json(&draft, "order draft")?))
            })
            .transpose()
    }

    fn order_by_external_id(
        &mut self,
        channel: &Channel,
        external_id: &str,
    ) -> Result<Option<OrderId>> {
        let rows = self.query(
            "SELECT id FROM orders WHERE channel = $1 AND external_id = $2",
            &[&channel.as_str(), &external_id],
        )?;
        rows.first()
            .map(|row| parse(&row.try_get::<_, String>(0).map_err(db)?, "order id"))
            .transpose()
    }

    fn insert_order(&mut self, order: &Order, draft: &OrderDraft) -> Result<()> {
        // Sent with the next flush: a key or id taken meanwhile fails it
        // as a unique violation, retryable like any other.
        let row = OrderRow::of(order)?;
        if let Some(key) = &order.idempotency_key {
            self.pending.keys.push((key.clone(), row.id.clone(), json(draft)?));
        }
        self.add_lines(&row.id, &order.lines)?;
        self.pending.orders.push(row);
        Ok(())
    }

    fn orders(&mut self, after: Option<OrderId>, limit: usize) -> Result<Vec<Order>> {
        // Two round trips for the page, whatever its size: the orders, then
        // the lines of exactly those orders. Listing never locks, even in a
        // write transaction.
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut orders = all(self.query(ORDER_PAGE, &[&after, &limit])?, order_from_row)?;
        if orders.is_empty() {
            return Ok(orders);
        }
        let ids: Vec<String> = orders.iter().map(|o| o.id.to_string()).collect();
        let at: HashMap<&str, usize> =
            ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        for row in self.query(PAGE_LINES_SELECT, &[&ids])? {
            let owner: String = row.try_get(12).map_err(db)?;
            let Some(&i) = at.get(owner.as_str()) else {
                return Err(Error::storage(format!("line of order {owner} outside the page")));
            };
            orders[i].lines.push(line_from_row(&row)?);
        }
        Ok(orders)
    }

    fn update_order(&mut self, order: &Order) -> Result<()> {
        let row = OrderRow::of(order)?;
        if self.execute(ORDER_UPDATE, &row.params())? == 0 {
            return Err(Error::not_found("order", order.id));
        }
        self.execute("DELETE FROM order_lines WHERE order_id = $1", &[&row.id])?;
        self.add_lines(&row.id, &order.lines)
    }

    fn location(&mut self, code: &str) -> Result<Option<Location>> {
        let rows = if self.write_mode() {
            self.query(
                "SELECT code, name, priority, active FROM locations WHERE code = $1 FOR NO KEY UPDATE",
                &[&code],
            )?
        } else {
            self.query(
                "SELECT code, name, priority, active FROM locations WHERE code = $1",
                &[&code],
            )?
        };
        rows.first().map(location_from_row).transpose()
    }

    fn locations(&mut self) -> Result<Vec<Location>> {
        if let Some(locations) = self.locations.take() {
            return Ok(locations);
        }
        let rows = self.query(
            "SELECT code, name, priority, active FROM locations ORDER BY code COLLATE \"C\"",
            &[],
        )?;
        all(rows, location_from_row)
    }

    fn put_location(&mut self, l: &Location) -> Result<()> {
        self.locations = None;
        self.execute(
            "INSERT INTO locations (code, name, priority, active) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET name = $2, priority = $3, active = $4",
            &[&l.code, &l.name, &l.priority, &l.active],
        )?;
        Ok(())
    }

    fn stock_for_update(&mut self, skus: &[&str]) -> Result<Vec<StockLevel>> {
        let mut sorted: Vec<&str> = skus.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let sql = if self.write_mode() { STOCK_FOR_UPDATE } else { STOCK_SELECT };
        let rows = self.query(sql, &[&sorted])?;
        let mut levels = Vec::new();
        let mut locations = Vec::new();
        for row in &rows {
            if row.try_get::<_, bool>(0).map_err(db)? {
                locations.push(Location {
                    code: row.try_get(1).map_err(db)?,
                    name: row.try_get(2).map_err(db)?,
                    priority: row.try_get(3).map_err(db)?,
                    active: row.try_get(4).map_err(db)?,
                });
            } else {
                levels.push(StockLevel {
                    sku: row.try_get(1).map_err(db)?,
                    location: row.try_get(2).map_err(db)?,
                    on_hand: row.try_get(5).map_err(db)?,
                    reserved: row.try_get(6).map_err(db)?,
                });
            }
            if self.txid.is_none() {
                self.txid = row.try_get(7).map_err(db)?;
            }
        }
        // Both are sorted already; this only guards against a server
        // that returns the branches of the UNION in another order.
        levels.sort_unstable_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
        locations.sort_unstable_by(|a, b| a.code.cmp(&b.code));
        self.locations = Some(locations);
        if self.write_mode() {
            self.locked.extend(levels.iter().map(|l| (l.sku.clone(), l.location.clone())));
        }
        Ok(levels)
    }

    fn put_stock_level(&mut self, level: &StockLevel) -> Result<()> {
        let key = (level.sku.clone(), level.location.clone());
        if self.locked.contains(&key) {
            let pending = &mut self.pending.levels;
            match pending.iter_mut().find(|l| l.sku == level.sku && l.location == level.location) {
                Some(l) => l.clone_from(level),
                None => pending.push(level.clone()),
            }
            return Ok(());
        }
        let inserted = self.execute(
            "INSERT INTO stock_levels (sku, location, on_hand, reserved) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sku, location) DO NOTHING",
            &[&level.sku, &level.location, &level.on_hand, &level.reserved],
        )?;
        if inserted == 0 {
            // Another transaction created this row since we looked: our
            // numbers are stale, so run the use case again.
            return Err(Error::Storage {
                message: "stock row created concurrently".into(),
                retryable: true,
            });
        }
        self.locked.insert(key);
        Ok(())
    }

    fn all_stock_levels(&mut self) -> Result<Vec<StockLevel>> {
        let rows = self.query(
            "SELECT sku, location, on_hand, reserved FROM stock_levels ORDER BY sku COLLATE \"C\", location COLLATE \"C\"",
            &[],
        )?;
        all(rows, level_from_row)
    }

    fn reservations_for_order(&mut self, order: OrderId) -> Result<Vec<Reservation>> {
        const SQL: &str = "SELECT id, order_id, line_id, sku, location, quantity, status, created_at, updated_at \
             FROM reservations WHERE order_id = $1 ORDER BY id";
        let rows = self.query(SQL, &[&order.to_string()])?;
        all(rows, reservation_from_row)
    }

    fn put_reservation(&mut self, r: &Reservation) -> Result<()> {
        pending::line_id(r.line_id)?;
        let pending = &mut self.pending.reservations;
        match pending.iter_mut().find(|p| p.id == r.id) {
            Some(p) => p.clone_from(r),
            None => pending.push(r.clone()),
        }
        Ok(())
    }

    fn active_reservations(&mut self) -> Result<Vec<Reservation>> {
        const SQL: &str = "SELECT id, order_id, line_id, sku, location, quantity, status, created_at, updated_at \
             FROM reservations WHERE status = 'active' ORDER BY id";
        let rows = self.query(SQL, &[])?;
        all(rows, reservation_from_row)
    }

    fn append_movement(&mut self, m: StockMovement) -> Result<()> {
        self.pending.movements.push(m);
        Ok(())
    }

    fn movements(&mut self, sku: &str, location: Option<&str>) -> Result<Vec<StockMovement>> {
        const SQL: &str = "SELECT id, at, sku, location, kind, on_hand_delta, reserved_delta, reason, reference \
             FROM stock_movements WHERE sku = $1 AND ($2::TEXT IS NULL OR location = $2) ORDER BY seq";
        let rows = self.query(SQL, &[&sku, &location])?;
        all(rows, movement_from_row)
    }

    fn fulfillment(&mut self, id: FulfillmentId) -> Result<Option<FulfillmentOrder>> {
        self.read_fulfillment(id)
    }

    fn fulfillments_for_order(&mut self, order: OrderId) -> Result<Vec<FulfillmentOrder>> {
        self.read_fulfillments_for_order(order)
    }

    fn fulfillment_by_tracking_number(
        &mut self,
        tracking_number: &str,
    ) -> Result<Option<FulfillmentOrder>> {
        self.read_fulfillment_by_tracking_number(tracking_number)
    }

    fn put_fulfillment(&mut self, fulfillment: &FulfillmentOrder) -> Result<()> {
        self.write_fulfillment(fulfillment)
    }

    fn overdue_fulfillments(&mut self, now: DateTime<Utc>) -> Result<Vec<FulfillmentId>> {
        self.read_overdue_fulfillments(now)
    }

    fn pending_fulfillments(
        &mut self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>> {
        self.read_pending_fulfillments(after, limit)
    }

    fn put_bin(&mut self, sku: &str, location: &str, bin: &str) -> Result<()> {
        self.write_bin(sku, location, bin)
    }

    fn bin(&mut self, sku: &str, location: &str) -> Result<Option<String>> {
        self.read_bin(sku, location)
    }

    fn insert_tracking_event(&mut self, event: &TrackingEvent) -> Result<bool> {
        self.write_tracking_event(event)
    }

    fn tracking_events(&mut self, tracking_number: &str) -> Result<Vec<TrackingEvent>> {
        self.read_tracking_events(tracking_number)
    }

    fn append_condition_reading(
        &mut self,
        tracking_number: &str,
        reading: &ConditionReading,
    ) -> Result<()> {
        self.write_condition_reading(tracking_number, reading)
    }

    fn condition_readings(&mut self, tracking_number: &str) -> Result<Vec<ConditionReading>> {
        self.read_condition_readings(tracking_number)
    }

    fn stream_head(&mut self, stream: &str) -> Result<Option<ChainLink>> {
        let rows = self.query(
            "SELECT version, hash FROM events WHERE stream = $1 ORDER BY version DESC LIMIT 1",
            &[&stream],
        )?;
        rows.first()
            .map(|row| {
                Ok(ChainLink {
                    version: int(row.try_get(0).map_err(db)?, "event version")?,
                    hash: hash_of(&row.try_get::<_, String>(1).map_err(db)?)?,
                })
            })
            .transpose()
    }

    fn append_event(&mut self, e: EventRecord) -> Result<u64> {
        if self.events >= 1 << EVENT_INDEX_BITS {
            return Err(Error::storage("too many events in one transaction"));
        }
        let txid = match self.txid {
            Some(txid) => txid,
            None => {
                let rows = self.query("SELECT txid_current()", &[])?;
                let row =
                    rows.first().ok_or_else(|| Error::storage("txid_current() returned no row"))?;
                let txid: i64 = row.try_get(0).map_err(db)?;
                self.txid = Some(txid);
                txid
            }
        };
        let index = i64::try_from(self.events).map_err(Error::storage)?;
        self.events += 1;
        let seq = (txid << EVENT_INDEX_BITS) | index;
        self.pending.events.push((seq, e));
        int(seq, "event position")
    }

    fn events_since(&mut self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        // Only events of transactions older than every running one: those
        // can no longer be joined by an event with a lower position.
        const SQL: &str = "SELECT seq, stream, version, recorded_at, kind, payload, prev_hash, hash FROM events \
             WHERE seq > $1 AND txid < txid_snapshot_xmin(txid_current_snapshot()) ORDER BY seq LIMIT $2";
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(SQL, &[&after, &limit])?;
        all(rows, event_from_row)
    }

    fn commit(mut self) -> Result<()> {
        self.end("COMMIT")
    }
}
