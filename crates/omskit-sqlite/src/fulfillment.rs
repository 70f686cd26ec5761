//! Fulfilment orders (with lines, packages and shipment), bins, tracking
//! events and condition readings: their SQL and row conversion.
//!
//! A fulfilment order is one row of `fulfillment_orders` plus rows in
//! `fulfillment_lines`, `packages`, `package_lines` and `shipments`. It is
//! read with three statements whatever the number of fulfilment orders
//! (the row joined with its shipment, the lines, the packages joined with
//! their lines) and written as a diff against the state the transaction last
//! read or wrote, when it knows one ([`Known`]); otherwise the row is
//! upserted and its children replaced. In a write transaction, what it
//! knows also answers reads.

use std::collections::HashMap;

use omskit_core::fulfillment::{FulfillmentLine, FulfillmentOrder, Package, PackageLine};
use omskit_core::shipping::{
    ConditionReading, ConditionThresholds, Parcel, Shipment, TrackingEvent, TrackingUpdate,
};
use omskit_core::{Error, FulfillmentId, OrderId, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::codec::{db, from_json, from_name, json, parse, parse_decimal, parse_time, time};

/// The fulfilment orders as write transactions last read or wrote them
/// (this one, or committed ones before it: see the cache module), so that
/// reading one again needs no query and writing one touches only the tables
/// whose part changed. It must always equal what is stored (nothing else
/// writes while the transaction holds the write lock): an entry is dropped
/// when a write of it fails.
#[derive(Debug, Default)]
pub(crate) struct Known(HashMap<FulfillmentId, FulfillmentOrder>);

impl Known {
    pub(crate) fn remember(&mut self, fulfillments: &[FulfillmentOrder]) {
        for f in fulfillments {
            self.0.insert(f.id, f.clone());
        }
    }

    pub(crate) fn forget_all(&mut self) {
        self.0.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// A fulfilment order (`f`) joined with its shipment (`s`, all NULL without
/// one), selected by `$filter`.
macro_rules! fulfillment_select {
    ($filter:literal) => {
        concat!(
            "SELECT f.id, f.order_id, f.location, f.status, f.held_from, f.reason, f.created_at, \
             f.updated_at, s.tracking_number, s.carrier, s.service, s.label_reference, s.cost, \
             s.currency, s.shipped_at, s.promised_delivery, s.rejected_quotes, s.last_status_at, \
             s.delivered_at, s.proof, s.min_temperature_c, s.max_temperature_c, s.max_shock_g, \
             s.delay_notified \
             FROM fulfillment_orders f LEFT JOIN shipments s ON s.fulfillment_id = f.id WHERE ",
            $filter,
            " ORDER BY f.id"
        )
    };
}

macro_rules! lines_select {
    ($filter:literal) => {
        concat!(
            "SELECT l.fulfillment_id, l.line_id, l.sku, l.quantity \
             FROM fulfillment_orders f JOIN fulfillment_lines l ON l.fulfillment_id = f.id WHERE ",
            $filter,
            " ORDER BY f.id, l.position"
        )
    };
}

/// Packages with their lines; a package without lines comes back once with
/// NULL line columns.
macro_rules! packages_select {
    ($filter:literal) => {
        concat!(
            "SELECT p.fulfillment_id, p.position, p.package_id, p.weight_kg, p.length_cm, \
             p.width_cm, p.height_cm, pl.line_id, pl.quantity \
             FROM fulfillment_orders f JOIN packages p ON p.fulfillment_id = f.id \
             LEFT JOIN package_lines pl \
             ON pl.fulfillment_id = p.fulfillment_id AND pl.package_position = p.position WHERE ",
            $filter,
            " ORDER BY f.id, p.position, pl.position"
        )
    };
}

/// The three statements that load fulfilment orders selected one way.
struct Queries {
    orders: &'static str,
    lines: &'static str,
    packages: &'static str,
}

const BY_ID: Queries = Queries {
    orders: fulfillment_select!("f.id = ?1"),
    lines: lines_select!("f.id = ?1"),
    packages: packages_select!("f.id = ?1"),
};

const BY_ORDER: Queries = Queries {
    orders: fulfillment_select!("f.order_id = ?1"),
    lines: lines_select!("f.order_id = ?1"),
    packages: packages_select!("f.order_id = ?1"),
};

/// Loads the fulfilment orders a query selects, by id, complete.
fn load(conn: &Connection, queries: &Queries, key: &str) -> Result<Vec<FulfillmentOrder>> {
    let mut found: Vec<(String, FulfillmentOrder)> = Vec::new();
    {
        let mut stmt = conn.prepare_cached(queries.orders).map_err(db)?;
        let mut rows = stmt.query([key]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let id: String = row.get(0).map_err(db)?;
            let f = fulfillment_from_row(row)?;
            found.push((id, f));
        }
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    // Children come sorted by fulfilment id, as the orders do: walk both.
    {
        let mut stmt = conn.prepare_cached(queries.lines).map_err(db)?;
        let mut rows = stmt.query([key]).map_err(db)?;
        let mut at = 0;
        while let Some(row) = rows.next().map_err(db)? {
            let owner: String = row.get(0).map_err(db)?;
            at = seek(&found, at, &owner)?;
            found[at].1.lines.push(FulfillmentLine {
                line_id: row.get(1).map_err(db)?,
                sku: row.get(2).map_err(db)?,
                quantity: row.get(3).map_err(db)?,
            });
        }
    }
    {
        let mut stmt = conn.prepare_cached(queries.packages).map_err(db)?;
        let mut rows = stmt.query([key]).map_err(db)?;
        let mut at = 0;
        let mut current: Option<(usize, i64)> = None;
        while let Some(row) = rows.next().map_err(db)? {
            let owner: String = row.get(0).map_err(db)?;
            let position: i64 = row.get(1).map_err(db)?;
            at = seek(&found, at, &owner)?;
            if current != Some((at, position)) {
                current = Some((at, position));
                found[at].1.packages.push(package_from_row(row)?);
            }
            let line_id: Option<u32> = row.get(7).map_err(db)?;
            let quantity: Option<u32> = row.get(8).map_err(db)?;
            if let (Some(line_id), Some(quantity)) = (line_id, quantity) {
                if let Some(package) = found[at].1.packages.last_mut() {
                    package.lines.push(PackageLine { line_id, quantity });
                }
            }
        }
    }
    Ok(found.into_iter().map(|(_, f)| f).collect())
}

/// The index of fulfilment order `id` in `found`, at or after `from`.
fn seek(found: &[(String, FulfillmentOrder)], from: usize, id: &str) -> Result<usize> {
    found[from..].iter().position(|(f, _)| f == id).map(|i| from + i).ok_or_else(|| {
        Error::storage(format!("stored child rows of fulfillment order {id} out of order"))
    })
}

/// A fulfilment order (and shipment) row, without lines or packages.
fn fulfillment_from_row(row: &Row<'_>) -> Result<FulfillmentOrder> {
    let text = |i: usize| row.get::<_, String>(i).map_err(db);
    let opt = |i: usize| row.get::<_, Option<String>>(i).map_err(db);
    let held_from = opt(4)?;
    let shipment = match opt(8)? {
        None => None,
        Some(tracking_number) => Some(shipment_from_row(row, tracking_number)?),
    };
    Ok(FulfillmentOrder {
        id: parse(&text(0)?, "fulfillment id")?,
        order_id: parse::<OrderId>(&text(1)?, "order id")?,
        location: text(2)?,
        status: from_name(&text(3)?, "fulfillment status")?,
        held_from: held_from.as_deref().map(|s| from_name(s, "fulfillment status")).transpose()?,
        reason: opt(5)?,
        lines: Vec::new(),
        packages: Vec::new(),
        shipment,
        created_at: parse_time(&text(6)?)?,
        updated_at: parse_time(&text(7)?)?,
    })
}

/// The shipment columns (8 to 23) of a fulfilment order row.
fn shipment_from_row(row: &Row<'_>, tracking_number: String) -> Result<Shipment> {
    let text = |i: usize| row.get::<_, String>(i).map_err(db);
    let opt = |i: usize| row.get::<_, Option<String>>(i).map_err(db);
    let time_opt = |i: usize| opt(i)?.as_deref().map(parse_time).transpose();
    let decimal_opt = |i: usize| opt(i)?.as_deref().map(parse_decimal).transpose();
    Ok(Shipment {
        tracking_number,
        carrier: text(9)?,
        service: text(10)?,
        label_reference: text(11)?,
        cost: parse_decimal(&text(12)?)?,
        currency: parse(&text(13)?, "currency")?,
        shipped_at: parse_time(&text(14)?)?,
        promised_delivery: parse_time(&text(15)?)?,
        rejected_quotes: from_json(&text(16)?, "rejected quotes")?,
        last_status_at: time_opt(17)?,
        delivered_at: time_opt(18)?,
        proof: opt(19)?.as_deref().map(|p| from_json(p, "delivery proof")).transpose()?,
        thresholds: ConditionThresholds {
            min_temperature_c: decimal_opt(20)?,
            max_temperature_c: decimal_opt(21)?,
            max_shock_g: decimal_opt(22)?,
        },
        delay_notified: row.get(23).map_err(db)?,
    })
}

/// A package (columns 2 to 6), without its lines.
fn package_from_row(row: &Row<'_>) -> Result<Package> {
    let decimal = |i: usize| parse_decimal(&row.get::<_, String>(i).map_err(db)?);
    Ok(Package {
        id: row.get(2).map_err(db)?,
        parcel: Parcel {
            weight_kg: decimal(3)?,
            length_cm: decimal(4)?,
            width_cm: decimal(5)?,
            height_cm: decimal(6)?,
        },
        lines: Vec::new(),
    })
}

/// The fulfilment order with this id. `known` is given in a write
/// transaction: what it holds is what is stored, so it answers without a query.
pub(crate) fn by_id(
    conn: &Connection,
    known: Option<&mut Known>,
    id: FulfillmentId,
) -> Result<Option<FulfillmentOrder>> {
    if let Some(f) = known.as_ref().and_then(|k| k.0.get(&id)) {
        return Ok(Some(f.clone()));
    }
    let found = load(conn, &BY_ID, &id.to_string())?;
    if let Some(known) = known {
        known.remember(&found);
    }
    Ok(found.into_iter().next())
}

/// Every fulfilment order of an order, by id. With `known`, only their ids
/// are queried when it holds all of them.
pub(crate) fn for_order(
    conn: &Connection,
    known: Option<&mut Known>,
    order: OrderId,
) -> Result<Vec<FulfillmentOrder>> {
    let order = order.to_string();
    let Some(known) = known else {
        return load(conn, &BY_ORDER, &order);
    };
    let ids: Vec<String> = {
        let mut stmt = conn
            .prepare_cached("SELECT id FROM fulfillment_orders WHERE order_id = ?1 ORDER BY id")
            .map_err(db)?;
        let rows = stmt.query_map([&order], |row| row.get(0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)?
    };
    let mut hits = Vec::with_capacity(ids.len());
    for id in &ids {
        let id: FulfillmentId = parse(id, "fulfillment id")?;
        match known.0.get(&id) {
            Some(f) => hits.push(f.clone()),
            None => break,
        }
    }
    if hits.len() == ids.len() {
        return Ok(hits);
    }
    let found = load(conn, &BY_ORDER, &order)?;
    known.remember(&found);
    Ok(found)
}

/// The fulfilment order shipped under a tracking number.
pub(crate) fn by_tracking_number(
    conn: &Connection,
    known: Option<&mut Known>,
    tracking_number: &str,
) -> Result<Option<FulfillmentOrder>> {
    match shipped_under(conn, tracking_number)? {
        Some(id) => by_id(conn, known, parse(&id, "fulfillment id")?),
        None => Ok(None),
    }
}

/// The id (as stored) of the fulfilment order shipped under a tracking number.
fn shipped_under(conn: &Connection, tracking_number: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT fulfillment_id FROM shipments WHERE tracking_number = ?1")
        .map_err(db)?
        .query_row([tracking_number], |row| row.get(0))
        .optional()
        .map_err(db)
}

/// Stores `f`, writing only the parts that differ from `known`'s copy; on
/// success `known` holds `f`, on failure it forgets `f`.
pub(crate) fn put(conn: &Connection, known: &mut Known, f: &FulfillmentOrder) -> Result<()> {
    let before = known.0.remove(&f.id);
    write(conn, f, before.as_ref())?;
    known.0.insert(f.id, f.clone());
    Ok(())
}

fn write(conn: &Connection, f: &FulfillmentOrder, before: Option<&FulfillmentOrder>) -> Result<()> {
    let id = f.id.to_string();
    // A tracking number new to this fulfilment order may belong to another
    // one: check before writing anything, so a conflict leaves no trace.
    if let Some(s) = &f.shipment {
        let same = before
            .and_then(|b| b.shipment.as_ref())
            .is_some_and(|old| old.tracking_number == s.tracking_number);
        if !same {
            if let Some(owner) = shipped_under(conn, &s.tracking_number)? {
                if owner != id {
                    return Err(Error::conflict(
                        Some("tracking_number"),
                        format!(
                            "tracking number {:?} belongs to fulfillment order {owner}",
                            s.tracking_number
                        ),
                    ));
                }
            }
        }
    }
    let Some(before) = before else {
        return replace(conn, &id, f);
    };
    if before.order_id != f.order_id
        || before.location != f.location
        || before.created_at != f.created_at
    {
        update_row(conn, &id, f)?;
    } else if before.status != f.status
        || before.held_from != f.held_from
        || before.reason != f.reason
        || before.updated_at != f.updated_at
    {
        // Leaves the columns of fulfillment_orders_by_order alone.
        conn.prepare_cached(
            "UPDATE fulfillment_orders SET status = ?2, held_from = ?3, reason = ?4, \
             updated_at = ?5 WHERE id = ?1",
        )
        .map_err(db)?
        .execute(params![
            id,
            f.status.as_str(),
            f.held_from.map(|s| s.as_str()),
            f.reason,
            time(f.updated_at),
        ])
        .map_err(db)?;
    }
    if before.lines != f.lines {
        delete_lines(conn, &id)?;
        insert_lines(conn, &id, &f.lines)?;
    }
    if before.packages != f.packages {
        delete_packages(conn, &id)?;
        insert_packages(conn, &id, &f.packages)?;
    }
    if before.shipment != f.shipment {
        match &f.shipment {
            Some(s) => {
                let stored = before.shipment.as_ref().map(|old| old.tracking_number.as_str());
                write_shipment(conn, &id, s, stored)?;
            }
            None => delete_shipment(conn, &id)?,
        }
    }
    Ok(())
}

/// Writes `f` without knowing what is stored: inserts it, or updates the row
/// and replaces everything under it.
fn replace(conn: &Connection, id: &str, f: &FulfillmentOrder) -> Result<()> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO fulfillment_orders \
             (id, order_id, location, status, held_from, reason, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
        )
        .map_err(db)?
        .execute(params![
            id,
            f.order_id.to_string(),
            f.location,
            f.status.as_str(),
            f.held_from.map(|s| s.as_str()),
            f.reason,
            time(f.created_at),
            time(f.updated_at),
        ])
        .map_err(db)?
        == 1;
    if !inserted {
        update_row(conn, id, f)?;
        delete_lines(conn, id)?;
        delete_packages(conn, id)?;
    }
    insert_lines(conn, id, &f.lines)?;
    insert_packages(conn, id, &f.packages)?;
    match &f.shipment {
        Some(s) => write_shipment(conn, id, s, None),
        None if inserted => Ok(()),
        None => delete_shipment(conn, id),
    }
}

fn update_row(conn: &Connection, id: &str, f: &FulfillmentOrder) -> Result<()> {
    conn.prepare_cached(
        "UPDATE fulfillment_orders SET order_id = ?2, location = ?3, status = ?4, held_from = ?5, \
         reason = ?6, created_at = ?7, updated_at = ?8 WHERE id = ?1",
    )
    .map_err(db)?
    .execute(params![
        id,
        f.order_id.to_string(),
        f.location,
        f.status.as_str(),
        f.held_from.map(|s| s.as_str()),
        f.reason,
        time(f.created_at),
        time(f.updated_at),
    ])
    .map_err(db)?;
    Ok(())
}

fn delete_lines(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM fulfillment_lines WHERE fulfillment_id = ?1")
        .map_err(db)?
        .execute([id])
        .map_err(db)?;
    Ok(())
}

fn insert_lines(conn: &Connection, id: &str, lines: &[FulfillmentLine]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO fulfillment_lines (fulfillment_id, position, line_id, sku, quantity) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db)?;
    for (position, line) in lines.iter().enumerate() {
        stmt.execute(params![id, position_of(position)?, line.line_id, line.sku, line.quantity])
            .map_err(db)?;
    }
    Ok(())
}

fn delete_packages(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM package_lines WHERE fulfillment_id = ?1")
        .map_err(db)?
        .execute([id])
        .map_err(db)?;
    conn.prepare_cached("DELETE FROM packages WHERE fulfillment_id = ?1")
        .map_err(db)?
        .execute([id])
        .map_err(db)?;
    Ok(())
}

fn insert_packages(conn: &Connection, id: &str, packages: &[Package]) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    let mut package_stmt = conn
        .prepare_cached(
            "INSERT INTO packages \
             (fulfillment_id, position, package_id, weight_kg, length_cm, width_cm, height_cm) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db)?;
    let mut line_stmt = conn
        .prepare_cached(
            "INSERT INTO package_lines \
             (fulfillment_id, package_position, position, line_id, quantity) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db)?;
    for (position, package) in packages.iter().enumerate() {
        let position = position_of(position)?;
        let p = &package.parcel;
        package_stmt
            .execute(params![
                id,
                position,
                package.id,
                p.weight_kg.to_string(),
                p.length_cm.to_string(),
                p.width_cm.to_string(),
                p.height_cm.to_string(),
            ])
            .map_err(db)?;
        for (line_position, line) in package.lines.iter().enumerate() {
            line_stmt
                .execute(params![
                    id,
                    position,
                    position_of(line_position)?,
                    line.line_id,
                    line.quantity
                ])
                .map_err(db)?;
        }
    }
    Ok(())
}

fn position_of(index: usize) -> Result<i64> {
    i64::try_from(index).map_err(Error::storage)
}

/// Stores the shipment of fulfilment order `id`; `stored` is the tracking
/// number of the shipment stored now, when known.
fn write_shipment(conn: &Connection, id: &str, s: &Shipment, stored: Option<&str>) -> Result<()> {
    // With the same tracking number, an UPDATE that leaves it (and its
    // unique index) alone; otherwise, or if that finds no such row, an upsert.
    const UPDATE: &str = "UPDATE shipments SET carrier = ?3, service = ?4, label_reference = ?5, \
         cost = ?6, currency = ?7, shipped_at = ?8, promised_delivery = ?9, \
         rejected_quotes = ?10, last_status_at = ?11, delivered_at = ?12, proof = ?13, \
         min_temperature_c = ?14, max_temperature_c = ?15, max_shock_g = ?16, \
         delay_notified = ?17 WHERE fulfillment_id = ?1 AND tracking_number = ?2";
    const UPSERT: &str = "INSERT INTO shipments (fulfillment_id, tracking_number, carrier, \
         service, label_reference, cost, currency, shipped_at, promised_delivery, \
         rejected_quotes, last_status_at, delivered_at, proof, min_temperature_c, \
         max_temperature_c, max_shock_g, delay_notified) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
         ON CONFLICT (fulfillment_id) DO UPDATE SET tracking_number = ?2, carrier = ?3, \
         service = ?4, label_reference = ?5, cost = ?6, currency = ?7, shipped_at = ?8, \
         promised_delivery = ?9, rejected_quotes = ?10, last_status_at = ?11, \
         delivered_at = ?12, proof = ?13, min_temperature_c = ?14, max_temperature_c = ?15, \
         max_shock_g = ?16, delay_notified = ?17";
    let t = &s.thresholds;
    let (cost, shipped_at, promised_delivery) =
        (s.cost.to_string(), time(s.shipped_at), time(s.promised_delivery));
    let (quotes, proof) = (json(&s.rejected_quotes)?, s.proof.as_ref().map(json).transpose()?);
    let (last_status_at, delivered_at) = (s.last_status_at.map(time), s.delivered_at.map(time));
    let limits =
        [t.min_temperature_c, t.max_temperature_c, t.max_shock_g].map(|d| d.map(|d| d.to_string()));
    let values = params![
        id,
        s.tracking_number,
        s.carrier,
        s.service,
        s.label_reference,
        cost,
        s.currency.code(),
        shipped_at,
        promised_delivery,
        quotes,
        last_status_at,
        delivered_at,
        proof,
        limits[0],
        limits[1],
        limits[2],
        s.delay_notified,
    ];
    if stored == Some(s.tracking_number.as_str())
        && conn.prepare_cached(UPDATE).map_err(db)?.execute(values).map_err(db)? == 1
    {
        return Ok(());
    }
    conn.prepare_cached(UPSERT).map_err(db)?.execute(values).map_err(|e| match db(e) {
        // Only if the check before writing was skipped; still the caller's conflict.
        Error::Conflict { message, .. } if message.contains("tracking_number") => {
            Error::conflict(Some("tracking_number"), message)
        }
        other => other,
    })?;
    Ok(())
}

fn delete_shipment(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM shipments WHERE fulfillment_id = ?1")
        .map_err(db)?
        .execute([id])
        .map_err(db)?;
    Ok(())
}

/// Overdue shipments. The status test is the condition of the partial index
/// `fulfillment_orders_in_flight`, word for word, so that the planner uses it
/// (equalities rather than `IN`: SQLite evaluates an `IN` list in an index
/// condition with a temporary table on every write of the row).
const OVERDUE: &str = "SELECT f.id FROM fulfillment_orders f \
     JOIN shipments s ON s.fulfillment_id = f.id \
     WHERE (status = 'shipped' OR status = 'in_transit' OR status = 'out_for_delivery' \
     OR status = 'delivery_failed') \
     AND s.delay_notified = 0 AND s.promised_delivery < ?1 \
     ORDER BY f.id";

pub(crate) fn overdue(conn: &Connection, now: &str) -> Result<Vec<FulfillmentId>> {
    let mut stmt = conn.prepare_cached(OVERDUE).map_err(db)?;
    let rows = stmt.query_map([now], |row| row.get::<_, String>(0)).map_err(db)?;
    rows.map(|id| parse(&id.map_err(db)?, "fulfillment id")).collect()
}

/// Pending fulfilment orders by id; the status test is the condition of
/// the partial index `fulfillment_orders_pending`, word for word.
const PENDING: &str = "SELECT id FROM fulfillment_orders \
     WHERE status = 'pending' AND id > ?1 ORDER BY id LIMIT ?2";

/// A page of `pending` fulfilment orders by id. Each is read on its own
/// (from `known` when it holds it): in process, a query costs
/// microseconds, not a round trip.
pub(crate) fn pending(
    conn: &Connection,
    mut known: Option<&mut Known>,
    after: &str,
    limit: i64,
) -> Result<Vec<FulfillmentOrder>> {
    let ids: Vec<String> = {
        let mut stmt = conn.prepare_cached(PENDING).map_err(db)?;
        let rows = stmt.query_map(params![after, limit], |row| row.get(0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)?
    };
    let mut page = Vec::with_capacity(ids.len());
    for id in &ids {
        let id: FulfillmentId = parse(id, "fulfillment id")?;
        let found = by_id(conn, known.as_deref_mut(), id)?;
        page.push(found.ok_or_else(|| Error::not_found("fulfillment order", id))?);
    }
    Ok(page)
}

pub(crate) fn put_bin(conn: &Connection, sku: &str, location: &str, bin: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO bins (sku, location, bin) VALUES (?1, ?2, ?3) \
         ON CONFLICT (sku, location) DO UPDATE SET bin = ?3",
    )
    .map_err(db)?
    .execute([sku, location, bin])
    .map_err(db)?;
    Ok(())
}

pub(crate) fn bin(conn: &Connection, sku: &str, location: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT bin FROM bins WHERE sku = ?1 AND location = ?2")
        .map_err(db)?
        .query_row([sku, location], |row| row.get(0))
        .optional()
        .map_err(db)
}

pub(crate) fn insert_tracking_event(conn: &Connection, e: &TrackingEvent) -> Result<bool> {
    let u = &e.update;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO tracking_events (tracking_number, carrier_event_id, kind, occurred_at, \
             location, description, proof, received_at, applied) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (tracking_number, carrier_event_id) DO NOTHING",
        )
        .map_err(db)?
        .execute(params![
            e.tracking_number,
            u.carrier_event_id,
            u.kind.as_str(),
            time(u.occurred_at),
            u.location,
            u.description,
            u.proof.as_ref().map(json).transpose()?,
            time(e.received_at),
            e.applied,
        ])
        .map_err(db)?;
    Ok(inserted == 1)
}

pub(crate) fn tracking_events(
    conn: &Connection,
    tracking_number: &str,
) -> Result<Vec<TrackingEvent>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT tracking_number, carrier_event_id, kind, occurred_at, location, description, \
             proof, received_at, applied FROM tracking_events WHERE tracking_number = ?1 \
             ORDER BY seq",
        )
        .map_err(db)?;
    let mut rows = stmt.query([tracking_number]).map_err(db)?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        events.push(tracking_event_from_row(row)?);
    }
    Ok(events)
}

fn tracking_event_from_row(row: &Row<'_>) -> Result<TrackingEvent> {
    let text = |i: usize| row.get::<_, String>(i).map_err(db);
    let opt = |i: usize| row.get::<_, Option<String>>(i).map_err(db);
    Ok(TrackingEvent {
        tracking_number: text(0)?,
        update: TrackingUpdate {
            carrier_event_id: text(1)?,
            kind: from_name(&text(2)?, "tracking event kind")?,
            occurred_at: parse_time(&text(3)?)?,
            location: opt(4)?,
            description: opt(5)?,
            proof: opt(6)?.as_deref().map(|p| from_json(p, "delivery proof")).transpose()?,
        },
        received_at: parse_time(&text(7)?)?,
        applied: row.get(8).map_err(db)?,
    })
}

pub(crate) fn append_condition_reading(
    conn: &Connection,
    tracking_number: &str,
    r: &ConditionReading,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO condition_readings (tracking_number, kind, value, at, sensor) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db)?
    .execute(params![tracking_number, r.kind.as_str(), r.value.to_string(), time(r.at), r.sensor])
    .map_err(db)?;
    Ok(())
}

pub(crate) fn condition_readings(
    conn: &Connection,
    tracking_number: &str,
) -> Result<Vec<ConditionReading>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT kind, value, at, sensor FROM condition_readings WHERE tracking_number = ?1 \
             ORDER BY seq",
        )
        .map_err(db)?;
    let mut rows = stmt.query([tracking_number]).map_err(db)?;
    let mut readings = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        let text = |i: usize| row.get::<_, String>(i).map_err(db);
        readings.push(ConditionReading {
            kind: from_name(&text(0)?, "condition kind")?,
            value: parse_decimal(&text(1)?)?,
            at: parse_time(&text(2)?)?,
            sensor: row.get(3).map_err(db)?,
        });
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// The plan of a statement on an empty database at the current schema.
    fn plan(sql: &str) -> String {
        let mut conn = Connection::open_in_memory().expect("open");
        crate::schema::migrate(&mut conn).expect("migrate");
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("explain");
        let rows = stmt.query_map([], |row| row.get::<_, String>(3)).expect("plan");
        rows.collect::<rusqlite::Result<Vec<_>>>().expect("plan rows").join("; ")
    }

    #[test]
    fn the_overdue_query_walks_the_in_flight_index() {
        let plan = plan(&super::OVERDUE.replace("?1", "'2026-01-01T00:00:00.000000Z'"));
        assert!(plan.contains("USING INDEX fulfillment_orders_in_flight"), "{plan}");
        assert!(plan.contains("SEARCH s USING PRIMARY KEY"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
    }

    #[test]
    fn writing_a_fulfillment_order_row_needs_no_temporary_table() {
        let mut conn = Connection::open_in_memory().expect("open");
        crate::schema::migrate(&mut conn).expect("migrate");
        for sql in [
            "UPDATE fulfillment_orders SET status = ?2, held_from = ?3, reason = ?4, \
             updated_at = ?5 WHERE id = ?1",
            "INSERT INTO fulfillment_orders \
             (id, order_id, location, status, held_from, reason, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
        ] {
            let mut stmt = conn.prepare(&format!("EXPLAIN {sql}")).expect("explain");
            let nulls = std::iter::repeat_n(rusqlite::types::Null, stmt.parameter_count());
            let ops = stmt
                .query_map(rusqlite::params_from_iter(nulls), |row| row.get::<_, String>(1))
                .expect("ops");
            let ops = ops.collect::<rusqlite::Result<Vec<_>>>().expect("op rows");
            assert!(!ops.iter().any(|op| op == "OpenEphemeral"), "{sql}: {ops:?}");
        }
    }
}
