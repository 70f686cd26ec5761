//! Writes that wait: rows nothing in the transaction reads before its next
//! statement are kept in [`Pending`] and sent together right before the
//! next statement of any other kind, and before commit.
//!
//! Each table's rows become one `INSERT … SELECT FROM unnest(…)` (or
//! `UPDATE … FROM unnest(…)`) with one array per column, and the statements
//! of every table with rows are joined into one with data-modifying `WITH`
//! queries: a flush is one round trip, whatever it holds. The parts of that
//! statement all see its start and foreign keys are checked at its end, so
//! an order and its lines can be in the same flush; a violated constraint
//! fails the flush with its own error (a unique key taken concurrently is
//! retryable, as for a statement sent at once).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use omskit_core::events::EventRecord;
use omskit_core::inventory::{Reservation, StockLevel, StockMovement};
use omskit_core::order::{Order, OrderLine};
use omskit_core::{Decimal, Error, Result};
use tokio_postgres::types::ToSql;

use crate::codec::{json, name};

/// A parameter of a flush: an array of one column's values (or a scalar).
type Param<'p> = Box<dyn ToSql + Sync + 'p>;

/// Rows not sent yet, in one list per table.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// New orders (their lines are in `lines`).
    pub(super) orders: Vec<OrderRow>,
    /// Idempotency keys of new orders: `(key, order id, draft as JSON)`.
    pub(super) keys: Vec<(String, String, String)>,
    /// Lines of orders whose row is written: `(order id, line)`.
    pub(super) lines: Vec<(String, OrderLine)>,
    /// Updates of stock rows the transaction has locked; at most one per row.
    pub(super) levels: Vec<StockLevel>,
    pub(super) movements: Vec<StockMovement>,
    /// At most one per id: a later put replaces an earlier one.
    pub(super) reservations: Vec<Reservation>,
    /// With their positions.
    pub(super) events: Vec<(i64, EventRecord)>,
}

impl Pending {
    pub(super) fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.keys.is_empty()
            && self.lines.is_empty()
            && self.levels.is_empty()
            && self.movements.is_empty()
            && self.reservations.is_empty()
            && self.events.is_empty()
    }

    /// The flush that writes every pending row. `txid` numbers the events
    /// (required when there are any).
    pub(super) fn flush(&self, txid: Option<i64>) -> Result<Flush<'_>> {
        let mut flush = Flush { shape: 0, params: Vec::new() };
        if !self.orders.is_empty() {
            let o = &self.orders;
            flush.part(
                Table::Orders,
                vec![
                    column(o, |o| &o.id),
                    column(o, |o| &o.channel),
                    column(o, |o| &o.external_id),
                    column(o, |o| &o.idempotency_key),
                    column(o, |o| &o.customer_id),
                    column(o, |o| &o.customer_name),
                    column(o, |o| &o.customer_email),
                    column(o, |o| &o.customer_phone),
                    column(o, |o| &o.ship_to),
                    column(o, |o| &o.bill_to),
                    column(o, |o| &o.currency),
                    column(o, |o| &o.discounts),
                    column(o, |o| &o.notes),
                    column(o, |o| o.subtotal),
                    column(o, |o| o.discount_total),
                    column(o, |o| o.tax_total),
                    column(o, |o| o.shipping),
                    column(o, |o| o.grand_total),
                    column(o, |o| o.status),
                    column(o, |o| &o.payment_status),
                    column(o, |o| o.authorized),
                    column(o, |o| o.captured),
                    column(o, |o| &o.payments),
                    column(o, |o| &o.holds),
                    column(o, |o| &o.cancel_reason),
                    column(o, |o| o.placed_at),
                    column(o, |o| o.updated_at),
                    column(o, |o| o.version),
                    column(o, |o| o.last_line_id),
                ],
            );
        }
        if !self.keys.is_empty() {
            let k = &self.keys;
            flush.part(
                Table::Keys,
                vec![column(k, |k| &k.0), column(k, |k| &k.1), column(k, |k| &k.2)],
            );
        }
        if !self.lines.is_empty() {
            let l = &self.lines;
            let ids = l.iter().map(|(_, l)| line_id(l.id)).collect::<Result<Vec<i32>>>()?;
            let discounts = l
                .iter()
                .map(|(_, l)| l.discount.as_ref().map(json).transpose())
                .collect::<Result<Vec<Option<String>>>>()?;
            flush.part(
                Table::Lines,
                vec![
                    column(l, |(order, _)| order.as_str()),
                    Box::new(ids),
                    column(l, |(_, l)| l.sku.as_str()),
                    column(l, |(_, l)| i64::from(l.quantity)),
                    column(l, |(_, l)| i64::from(l.cancelled_quantity)),
                    column(l, |(_, l)| l.unit_price),
                    Box::new(discounts),
                    column(l, |(_, l)| l.tax_rate),
                    column(l, |(_, l)| l.gross),
                    column(l, |(_, l)| l.line_discount),
                    column(l, |(_, l)| l.order_discount),
                    column(l, |(_, l)| l.tax),
                    column(l, |(_, l)| l.total),
                ],
            );
        }
        if !self.levels.is_empty() {
            let v = &self.levels;
            flush.part(
                Table::Levels,
                vec![
                    column(v, |l| l.sku.as_str()),
                    column(v, |l| l.location.as_str()),
                    column(v, |l| l.on_hand),
                    column(v, |l| l.reserved),
                ],
            );
        }
        if !self.reservations.is_empty() {
            let r = &self.reservations;
            let lines = r.iter().map(|r| line_id(r.line_id)).collect::<Result<Vec<i32>>>()?;
            flush.part(
                Table::Reservations,
                vec![
                    column(r, |r| r.id.to_string()),
                    column(r, |r| r.order_id.to_string()),
                    Box::new(lines),
                    column(r, |r| r.sku.as_str()),
                    column(r, |r| r.location.as_str()),
                    column(r, |r| r.quantity),
                    column(r, |r| r.status.as_str()),
                    column(r, |r| r.created_at),
                    column(r, |r| r.updated_at),
                ],
            );
        }
        if !self.movements.is_empty() {
            let m = &self.movements;
            flush.part(
                Table::Movements,
                vec![
                    column(m, |m| m.id.to_string()),
                    column(m, |m| m.at),
                    column(m, |m| m.sku.as_str()),
                    column(m, |m| m.location.as_str()),
                    column(m, |m| m.kind.as_str()),
                    column(m, |m| m.on_hand_delta),
                    column(m, |m| m.reserved_delta),
                    column(m, |m| m.reason.as_deref()),
                    column(m, |m| m.reference.as_str()),
                ],
            );
        }
        if !self.events.is_empty() {
            let txid = txid.ok_or_else(|| Error::storage("events pending without a txid"))?;
            let e = &self.events;
            let versions = e
                .iter()
                .map(|(_, e)| i64::try_from(e.version).map_err(Error::storage))
                .collect::<Result<Vec<i64>>>()?;
            flush.part(
                Table::Events,
                vec![
                    Box::new(txid),
                    column(e, |(seq, _)| *seq),
                    column(e, |(_, e)| e.stream.as_str()),
                    Box::new(versions),
                    column(e, |(_, e)| e.recorded_at),
                    column(e, |(_, e)| e.kind.as_str()),
                    column(e, |(_, e)| e.payload.as_str()),
                    column(e, |(_, e)| e.prev_hash.to_string()),
                    column(e, |(_, e)| e.hash.to_string()),
                ],
            );
        }
        Ok(flush)
    }
}

/// A line id as stored (`INTEGER`).
pub(super) fn line_id(id: u32) -> Result<i32> {
    i32::try_from(id).map_err(Error::storage)
}

/// One column of `rows` as an array parameter.
fn column<'p, R, T: ToSql + Sync + 'p>(rows: &'p [R], value: impl Fn(&'p R) -> T) -> Param<'p> {
    Box::new(rows.iter().map(value).collect::<Vec<T>>())
}

/// A table's statement in a flush.
#[derive(Clone, Copy)]
enum Table {
    Orders,
    Keys,
    Lines,
    Levels,
    Reservations,
    Movements,
    Events,
}

impl Table {
    /// Every table, in the order of their parameters in a flush.
    const ALL: [Table; 7] = [
        Table::Orders,
        Table::Keys,
        Table::Lines,
        Table::Levels,
        Table::Reservations,
        Table::Movements,
        Table::Events,
    ];

    /// The statement that writes this table's rows (parameters from `$1`).
    fn sql(self) -> &'static str {
        match self {
            Table::Orders => ORDERS_INSERT,
            Table::Keys => KEYS_INSERT,
            Table::Lines => LINES_INSERT,
            Table::Levels => LEVELS_UPDATE,
            Table::Reservations => RESERVATIONS_UPSERT,
            Table::Movements => MOVEMENTS_INSERT,
            Table::Events => EVENTS_INSERT,
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The pending rows as one statement: which tables it writes (its shape,
/// which decides the statement's text) and its parameters.
pub(super) struct Flush<'p> {
    /// One [`Table::bit`] per table with rows.
    pub(super) shape: u8,
    pub(super) params: Vec<Param<'p>>,
}

impl<'p> Flush<'p> {
    /// Adds the parameters of `table`: tables come in [`Table::ALL`] order,
    /// as in the text [`Flush::sql`] makes.
    fn part(&mut self, table: Table, params: Vec<Param<'p>>) {
        self.shape |= table.bit();
        self.params.extend(params);
    }

    /// The text of a flush of this shape: each table's statement with its
    /// parameters numbered after the previous ones', every one but the last
    /// as a `WITH` query of the last.
    pub(super) fn sql(shape: u8) -> String {
        let mut parts = Vec::new();
        let mut params = 0;
        for table in Table::ALL.into_iter().filter(|t| shape & t.bit() != 0) {
            let (sql, count) = renumber(table.sql(), params);
            parts.push(sql);
            params += count;
        }
        let last = parts.pop().unwrap_or_default();
        if parts.is_empty() {
            return last;
        }
        let with: Vec<String> =
            parts.iter().enumerate().map(|(i, part)| format!("w{i} AS ({part})")).collect();
        format!("WITH {} {last}", with.join(", "))
    }
}

/// `sql` with its parameters `$1`, `$2`… renumbered from `$(offset + 1)`,
/// and how many it has (its highest number).
fn renumber(sql: &str, offset: usize) -> (String, usize) {
    let mut out = String::with_capacity(sql.len() + 32);
    let mut count = 0;
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse::<usize>() {
            let _ = write!(out, "{}", n + offset);
            count = count.max(n);
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    (out, count)
}

/// An order's column values, in the order of the `orders` table.
#[derive(Debug)]
pub(super) struct OrderRow {
    pub(super) id: String,
    channel: String,
    external_id: Option<String>,
    idempotency_key: Option<String>,
    customer_id: String,
    customer_name: String,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    ship_to: Option<String>,
    bill_to: Option<String>,
    currency: String,
    discounts: String,
    notes: Option<String>,
    subtotal: Decimal,
    discount_total: Decimal,
    tax_total: Decimal,
    shipping: Decimal,
    grand_total: Decimal,
    status: &'static str,
    payment_status: String,
    authorized: Decimal,
    captured: Decimal,
    payments: String,
    holds: String,
    cancel_reason: Option<String>,
    placed_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    last_line_id: i32,
}

impl OrderRow {
    pub(super) fn of(order: &Order) -> Result<OrderRow> {
        let t = &order.totals;
        Ok(OrderRow {
            id: order.id.to_string(),
            channel: order.channel.as_str().to_owned(),
            external_id: order.external_id.clone(),
            idempotency_key: order.idempotency_key.clone(),
            customer_id: order.customer.id.clone(),
            customer_name: order.customer.name.clone(),
            customer_email: order.customer.email.clone(),
            customer_phone: order.customer.phone.clone(),
            ship_to: order.ship_to.as_ref().map(json).transpose()?,
            bill_to: order.bill_to.as_ref().map(json).transpose()?,
            currency: order.currency.code().to_owned(),
            discounts: json(&order.discounts)?,
            notes: order.notes.clone(),
            subtotal: t.subtotal,
            discount_total: t.discounts,
            tax_total: t.tax,
            shipping: t.shipping,
            grand_total: t.grand_total,
            status: order.status.as_str(),
            payment_status: name(&order.payment_status)?,
            authorized: order.authorized,
            captured: order.captured,
            payments: json(&order.payments)?,
            holds: json(&order.holds)?,
            cancel_reason: order.cancel_reason.clone(),
            placed_at: order.placed_at,
            updated_at: order.updated_at,
            version: i64::try_from(order.version).map_err(Error::storage)?,
            last_line_id: line_id(order.last_line_id)?,
        })
    }

    /// The values as the parameters `$1`…`$29` of one statement.
    pub(super) fn params(&self) -> [&(dyn ToSql + Sync); 29] {
        [
            &self.id,
            &self.channel,
            &self.external_id,
            &self.idempotency_key,
            &self.customer_id,
            &self.customer_name,
            &self.customer_email,
            &self.customer_phone,
            &self.ship_to,
            &self.bill_to,
            &self.currency,
            &self.discounts,
            &self.notes,
            &self.subtotal,
            &self.discount_total,
            &self.tax_total,
            &self.shipping,
            &self.grand_total,
            &self.status,
            &self.payment_status,
            &self.authorized,
            &self.captured,
            &self.payments,
            &self.holds,
            &self.cancel_reason,
            &self.placed_at,
            &self.updated_at,
            &self.version,
            &self.last_line_id,
        ]
    }
}

const ORDERS_INSERT: &str = "INSERT INTO orders (id, channel, external_id, idempotency_key, customer_id, \
    customer_name, customer_email, customer_phone, ship_to, bill_to, currency, discounts, notes, subtotal, \
    discount_total, tax_total, shipping, grand_total, status, payment_status, authorized, captured, \
    payments, holds, cancel_reason, placed_at, updated_at, version, last_line_id) \
    SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], \
    $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::TEXT[], \
    $14::NUMERIC[], $15::NUMERIC[], $16::NUMERIC[], $17::NUMERIC[], $18::NUMERIC[], $19::TEXT[], \
    $20::TEXT[], $21::NUMERIC[], $22::NUMERIC[], $23::TEXT[], $24::TEXT[], $25::TEXT[], \
    $26::TIMESTAMPTZ[], $27::TIMESTAMPTZ[], $28::BIGINT[], $29::INT[])";

const KEYS_INSERT: &str = "INSERT INTO idempotency_keys (key, order_id, draft) \
    SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[])";

const LINES_INSERT: &str =
    "INSERT INTO order_lines (order_id, line_id, sku, quantity, cancelled_quantity, \
    unit_price, discount, tax_rate, gross, line_discount, order_discount, tax, total) \
    SELECT * FROM unnest($1::TEXT[], $2::INT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[], \
    $6::NUMERIC[], $7::TEXT[], $8::NUMERIC[], $9::NUMERIC[], $10::NUMERIC[], $11::NUMERIC[], \
    $12::NUMERIC[], $13::NUMERIC[])";

const LEVELS_UPDATE: &str = "UPDATE stock_levels s SET on_hand = v.on_hand, reserved = v.reserved \
    FROM unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[]) \
    AS v (sku, location, on_hand, reserved) WHERE s.sku = v.sku AND s.location = v.location";

const RESERVATIONS_UPSERT: &str =
    "INSERT INTO reservations (id, order_id, line_id, sku, location, \
    quantity, status, created_at, updated_at) \
    SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::INT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], \
    $7::TEXT[], $8::TIMESTAMPTZ[], $9::TIMESTAMPTZ[]) \
    ON CONFLICT (id) DO UPDATE SET quantity = EXCLUDED.quantity, status = EXCLUDED.status, \
    updated_at = EXCLUDED.updated_at";

/// Ordered by the arrays' ordinality: `seq` (the ledger's order) follows the append order.
const MOVEMENTS_INSERT: &str = "INSERT INTO stock_movements (id, at, sku, location, kind, \
    on_hand_delta, reserved_delta, reason, reference) \
    SELECT id, at, sku, location, kind, on_hand_delta, reserved_delta, reason, reference \
    FROM unnest($1::TEXT[], $2::TIMESTAMPTZ[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], \
    $7::BIGINT[], $8::TEXT[], $9::TEXT[]) WITH ORDINALITY \
    AS m (id, at, sku, location, kind, on_hand_delta, reserved_delta, reason, reference, n) ORDER BY n";

const EVENTS_INSERT: &str = "INSERT INTO events (seq, txid, stream, version, recorded_at, kind, payload, \
    prev_hash, hash) \
    SELECT seq, $1::BIGINT, stream, version, recorded_at, kind, payload, prev_hash, hash \
    FROM unnest($2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::TIMESTAMPTZ[], $6::TEXT[], $7::TEXT[], \
    $8::TEXT[], $9::TEXT[]) AS e (seq, stream, version, recorded_at, kind, payload, prev_hash, hash)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renumbered_after_the_earlier_parts() {
        assert_eq!(
            renumber("SELECT $1, $2::INT[], $10", 3),
            ("SELECT $4, $5::INT[], $13".into(), 10)
        );
        let sql = Flush::sql(Table::Keys.bit() | Table::Levels.bit() | Table::Events.bit());
        assert!(sql.starts_with("WITH w0 AS (INSERT INTO idempotency_keys "), "{sql}");
        assert!(sql.contains("$3::TEXT[])), w1 AS (UPDATE stock_levels "), "{sql}");
        assert!(sql.contains("$7::BIGINT[]) AS v "), "{sql}");
        assert!(sql.contains(") INSERT INTO events "), "{sql}");
        assert!(sql.ends_with("$16::TEXT[]) AS e (seq, stream, version, recorded_at, kind, payload, prev_hash, hash)"), "{sql}");
        assert_eq!(Flush::sql(Table::Lines.bit()), LINES_INSERT);
    }
}
