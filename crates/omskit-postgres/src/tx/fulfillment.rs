//! Fulfilment orders, bins, tracking events and condition readings on a
//! [`PgTx`].
//!
//! A fulfilment order is read in one round trip: its row, its shipment
//! (a left join) and its child rows, aggregated into one array per column
//! in their stored positions. Storing one takes two statements: the first
//! checks that no other fulfilment order has its tracking number (and
//! changes nothing when one does), upserts the row and deletes the old
//! child rows (and a shipment it no longer has); the second fills every
//! child table from arrays with `unnest` and upserts the shipment.
//!
//! None of these reads lock: the engine locks the owning order first, and
//! that lock serializes every writer of the order's fulfilment orders.

use chrono::{DateTime, Utc};
use omskit_core::fulfillment::{
    FulfillmentLine, FulfillmentOrder, FulfillmentStatus, Package, PackageLine,
};
use omskit_core::shipping::{
    ConditionReading, ConditionThresholds, DeliveryProof, Parcel, Shipment, TrackingEvent,
    TrackingUpdate,
};
use omskit_core::{Error, FulfillmentId, OrderId, Result};
use rust_decimal::Decimal;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::{all, PgTx};
use crate::codec::{db, from_json, from_name, int, json, parse};

/// The columns of a fulfilment order with its shipment and child rows;
/// `$where` selects the fulfilment orders (alias `f`).
macro_rules! fulfillment_select {
    ($where:literal) => {
        concat!(
            "SELECT f.id, f.order_id, f.location, f.status, f.held_from, f.reason, f.created_at, \
             f.updated_at, l.line_ids, l.skus, l.quantities, p.package_ids, p.weights_kg, \
             p.lengths_cm, p.widths_cm, p.heights_cm, pl.package_positions, pl.line_ids, \
             pl.quantities, s.tracking_number, s.carrier, s.service, s.label_reference, s.cost, \
             s.currency, s.shipped_at, s.promised_delivery, s.rejected_quotes, s.last_status_at, \
             s.delivered_at, s.proof, s.min_temperature_c, s.max_temperature_c, s.max_shock_g, \
             s.delay_notified \
             FROM fulfillment_orders f \
             LEFT JOIN shipments s ON s.fulfillment_id = f.id \
             CROSS JOIN LATERAL (SELECT array_agg(line_id ORDER BY position) AS line_ids, \
                 array_agg(sku ORDER BY position) AS skus, \
                 array_agg(quantity ORDER BY position) AS quantities \
                 FROM fulfillment_lines WHERE fulfillment_id = f.id) l \
             CROSS JOIN LATERAL (SELECT array_agg(package_id ORDER BY position) AS package_ids, \
                 array_agg(weight_kg ORDER BY position) AS weights_kg, \
                 array_agg(length_cm ORDER BY position) AS lengths_cm, \
                 array_agg(width_cm ORDER BY position) AS widths_cm, \
                 array_agg(height_cm ORDER BY position) AS heights_cm \
                 FROM packages WHERE fulfillment_id = f.id) p \
             CROSS JOIN LATERAL (SELECT \
                 array_agg(package_position ORDER BY package_position, position) AS package_positions, \
                 array_agg(line_id ORDER BY package_position, position) AS line_ids, \
                 array_agg(quantity ORDER BY package_position, position) AS quantities \
                 FROM package_lines WHERE fulfillment_id = f.id) pl \
             WHERE ",
            $where
        )
    };
}

const BY_ID: &str = fulfillment_select!("f.id = $1");
const BY_ORDER: &str = fulfillment_select!("f.order_id = $1 ORDER BY f.id");
const BY_TRACKING_NUMBER: &str =
    fulfillment_select!("f.id = (SELECT fulfillment_id FROM shipments WHERE tracking_number = $1)");

/// Upserts the fulfilment order's row and deletes its child rows (and its
/// shipment when it has none: `$9` NULL), which [`INSERT_CHILDREN`] writes
/// again; does nothing, and changes no row, when the tracking number `$9`
/// belongs to another fulfilment order. The deletes all see the
/// statement's start and foreign keys are checked at its end, so their
/// order does not matter.
const CLEAR_AND_UPSERT: &str = "WITH taken AS (\
        SELECT 1 FROM shipments WHERE tracking_number = $9::TEXT AND fulfillment_id <> $1::TEXT), \
    lines AS (DELETE FROM fulfillment_lines \
        WHERE fulfillment_id = $1::TEXT AND NOT EXISTS (SELECT 1 FROM taken)), \
    package_lines AS (DELETE FROM package_lines \
        WHERE fulfillment_id = $1::TEXT AND NOT EXISTS (SELECT 1 FROM taken)), \
    packages AS (DELETE FROM packages \
        WHERE fulfillment_id = $1::TEXT AND NOT EXISTS (SELECT 1 FROM taken)), \
    shipment AS (DELETE FROM shipments WHERE fulfillment_id = $1::TEXT AND $9::TEXT IS NULL) \
    INSERT INTO fulfillment_orders (id, order_id, location, status, held_from, reason, created_at, \
        updated_at) \
    SELECT $1::TEXT, $2::TEXT, $3::TEXT, $4::TEXT, $5::TEXT, $6::TEXT, $7::TIMESTAMPTZ, $8::TIMESTAMPTZ \
    WHERE NOT EXISTS (SELECT 1 FROM taken) \
    ON CONFLICT (id) DO UPDATE SET order_id = EXCLUDED.order_id, location = EXCLUDED.location, \
        status = EXCLUDED.status, held_from = EXCLUDED.held_from, reason = EXCLUDED.reason, \
        created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at";

/// Inserts the child rows from one array per column (positions from the
/// arrays' order) and upserts the shipment (`$14` NULL: none). A
/// concurrent transaction that took the same tracking number since
/// [`CLEAR_AND_UPSERT`] looked is caught by the unique constraint
/// `codec::TRACKING_NUMBER_UNIQUE`, which `codec::db` reports as the same
/// conflict.
const INSERT_CHILDREN: &str = "WITH lines AS (\
        INSERT INTO fulfillment_lines (fulfillment_id, position, line_id, sku, quantity) \
        SELECT $1, t.n - 1, t.line_id, t.sku, t.quantity \
        FROM unnest($2::INTEGER[], $3::TEXT[], $4::BIGINT[]) WITH ORDINALITY AS t (line_id, sku, quantity, n)), \
    packages AS (\
        INSERT INTO packages (fulfillment_id, position, package_id, weight_kg, length_cm, width_cm, height_cm) \
        SELECT $1, t.n - 1, t.package_id, t.weight_kg, t.length_cm, t.width_cm, t.height_cm \
        FROM unnest($5::TEXT[], $6::NUMERIC[], $7::NUMERIC[], $8::NUMERIC[], $9::NUMERIC[]) WITH ORDINALITY \
            AS t (package_id, weight_kg, length_cm, width_cm, height_cm, n)), \
    package_lines AS (\
        INSERT INTO package_lines (fulfillment_id, package_position, position, line_id, quantity) \
        SELECT $1, t.package_position, t.position, t.line_id, t.quantity \
        FROM unnest($10::INTEGER[], $11::INTEGER[], $12::INTEGER[], $13::BIGINT[]) \
            AS t (package_position, position, line_id, quantity)) \
    INSERT INTO shipments (fulfillment_id, tracking_number, carrier, service, label_reference, cost, \
        currency, shipped_at, promised_delivery, rejected_quotes, last_status_at, delivered_at, proof, \
        min_temperature_c, max_temperature_c, max_shock_g, delay_notified) \
    SELECT $1, $14::TEXT, $15::TEXT, $16::TEXT, $17::TEXT, $18::NUMERIC, $19::TEXT, $20::TIMESTAMPTZ, \
        $21::TIMESTAMPTZ, $22::TEXT, $23::TIMESTAMPTZ, $24::TIMESTAMPTZ, $25::TEXT, $26::NUMERIC, \
        $27::NUMERIC, $28::NUMERIC, $29::BOOLEAN \
    WHERE $14::TEXT IS NOT NULL \
    ON CONFLICT (fulfillment_id) DO UPDATE SET tracking_number = EXCLUDED.tracking_number, \
        carrier = EXCLUDED.carrier, service = EXCLUDED.service, \
        label_reference = EXCLUDED.label_reference, cost = EXCLUDED.cost, \
        currency = EXCLUDED.currency, shipped_at = EXCLUDED.shipped_at, \
        promised_delivery = EXCLUDED.promised_delivery, rejected_quotes = EXCLUDED.rejected_quotes, \
        last_status_at = EXCLUDED.last_status_at, delivered_at = EXCLUDED.delivered_at, \
        proof = EXCLUDED.proof, min_temperature_c = EXCLUDED.min_temperature_c, \
        max_temperature_c = EXCLUDED.max_temperature_c, max_shock_g = EXCLUDED.max_shock_g, \
        delay_notified = EXCLUDED.delay_notified";

/// The states in which a shipment can be late; the same list as the
/// partial index `fulfillment_orders_in_flight`, so that it serves this query.
const OVERDUE: &str = "SELECT f.id FROM fulfillment_orders f \
    JOIN shipments s ON s.fulfillment_id = f.id \
    WHERE f.status IN ('shipped', 'in_transit', 'out_for_delivery', 'delivery_failed') \
    AND s.promised_delivery < $1 AND NOT s.delay_notified ORDER BY f.id";

/// A page of `pending` fulfilment orders by id, whole, in one round trip,
/// through the partial index `fulfillment_orders_pending` (same condition).
const PENDING: &str =
    fulfillment_select!("f.status = 'pending' AND f.id > $1 ORDER BY f.id LIMIT $2");

const TRACKING_EVENT_INSERT: &str =
    "INSERT INTO tracking_events (tracking_number, carrier_event_id, \
    kind, occurred_at, location, description, proof, received_at, applied) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
    ON CONFLICT (tracking_number, carrier_event_id) DO NOTHING";
const TRACKING_EVENTS_SELECT: &str =
    "SELECT tracking_number, carrier_event_id, kind, occurred_at, \
    location, description, proof, received_at, applied FROM tracking_events \
    WHERE tracking_number = $1 ORDER BY seq";
const READING_INSERT: &str =
    "INSERT INTO condition_readings (tracking_number, kind, value, at, sensor) \
    VALUES ($1, $2, $3, $4, $5)";
const READINGS_SELECT: &str = "SELECT kind, value, at, sensor FROM condition_readings \
    WHERE tracking_number = $1 ORDER BY seq";

/// A list position or count as an `INTEGER`.
fn position(index: usize) -> Result<i32> {
    i32::try_from(index).map_err(Error::storage)
}

/// A line id as an `INTEGER`, as in `order_lines`.
fn line_id(id: u32) -> Result<i32> {
    i32::try_from(id).map_err(Error::storage)
}

/// The child rows of a fulfilment order as one array per column.
#[derive(Default)]
struct Children<'a> {
    line_ids: Vec<i32>,
    skus: Vec<&'a str>,
    quantities: Vec<i64>,
    package_ids: Vec<&'a str>,
    weights_kg: Vec<Decimal>,
    lengths_cm: Vec<Decimal>,
    widths_cm: Vec<Decimal>,
    heights_cm: Vec<Decimal>,
    package_positions: Vec<i32>,
    package_line_positions: Vec<i32>,
    package_line_ids: Vec<i32>,
    package_line_quantities: Vec<i64>,
}

impl<'a> Children<'a> {
    fn of(f: &'a FulfillmentOrder) -> Result<Children<'a>> {
        let mut c = Children::default();
        for line in &f.lines {
            c.line_ids.push(line_id(line.line_id)?);
            c.skus.push(&line.sku);
            c.quantities.push(i64::from(line.quantity));
        }
        for (p, package) in f.packages.iter().enumerate() {
            c.package_ids.push(&package.id);
            c.weights_kg.push(package.parcel.weight_kg);
            c.lengths_cm.push(package.parcel.length_cm);
            c.widths_cm.push(package.parcel.width_cm);
            c.heights_cm.push(package.parcel.height_cm);
            for (i, line) in package.lines.iter().enumerate() {
                c.package_positions.push(position(p)?);
                c.package_line_positions.push(position(i)?);
                c.package_line_ids.push(line_id(line.line_id)?);
                c.package_line_quantities.push(i64::from(line.quantity));
            }
        }
        Ok(c)
    }
}

/// A shipment's columns, all NULL for none.
#[derive(Default)]
struct ShipmentColumns<'a> {
    tracking_number: Option<&'a str>,
    carrier: Option<&'a str>,
    service: Option<&'a str>,
    label_reference: Option<&'a str>,
    cost: Option<Decimal>,
    currency: Option<&'a str>,
    shipped_at: Option<DateTime<Utc>>,
    promised_delivery: Option<DateTime<Utc>>,
    rejected_quotes: Option<String>,
    last_status_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    proof: Option<String>,
    min_temperature_c: Option<Decimal>,
    max_temperature_c: Option<Decimal>,
    max_shock_g: Option<Decimal>,
    delay_notified: Option<bool>,
}

impl<'a> ShipmentColumns<'a> {
    fn of(shipment: Option<&'a Shipment>) -> Result<ShipmentColumns<'a>> {
        let Some(s) = shipment else { return Ok(ShipmentColumns::default()) };
        Ok(ShipmentColumns {
            tracking_number: Some(&s.tracking_number),
            carrier: Some(&s.carrier),
            service: Some(&s.service),
            label_reference: Some(&s.label_reference),
            cost: Some(s.cost),
            currency: Some(s.currency.code()),
            shipped_at: Some(s.shipped_at),
            promised_delivery: Some(s.promised_delivery),
            rejected_quotes: Some(json(&s.rejected_quotes)?),
            last_status_at: s.last_status_at,
            delivered_at: s.delivered_at,
            proof: s.proof.as_ref().map(json).transpose()?,
            min_temperature_c: s.thresholds.min_temperature_c,
            max_temperature_c: s.thresholds.max_temperature_c,
            max_shock_g: s.thresholds.max_shock_g,
            delay_notified: Some(s.delay_notified),
        })
    }
}

impl PgTx<'_> {
    pub(super) fn read_fulfillment(
        &mut self,
        id: FulfillmentId,
    ) -> Result<Option<FulfillmentOrder>> {
        let rows = self.query(BY_ID, &[&id.to_string()])?;
        rows.first().map(fulfillment_from_row).transpose()
    }

    pub(super) fn read_fulfillments_for_order(
        &mut self,
        order: OrderId,
    ) -> Result<Vec<FulfillmentOrder>> {
        let rows = self.query(BY_ORDER, &[&order.to_string()])?;
        all(rows, fulfillment_from_row)
    }

    pub(super) fn read_fulfillment_by_tracking_number(
        &mut self,
        tracking_number: &str,
    ) -> Result<Option<FulfillmentOrder>> {
        let rows = self.query(BY_TRACKING_NUMBER, &[&tracking_number])?;
        rows.first().map(fulfillment_from_row).transpose()
    }

    pub(super) fn write_fulfillment(&mut self, f: &FulfillmentOrder) -> Result<()> {
        let id = f.id.to_string();
        let order_id = f.order_id.to_string();
        let held_from = f.held_from.map(FulfillmentStatus::as_str);
        let s = ShipmentColumns::of(f.shipment.as_ref())?;
        let written = self.execute(
            CLEAR_AND_UPSERT,
            &[
                &id,
                &order_id,
                &f.location,
                &f.status.as_str(),
                &held_from,
                &f.reason,
                &f.created_at,
                &f.updated_at,
                &s.tracking_number,
            ],
        )?;
        if written == 0 {
            let tracking_number = s.tracking_number.unwrap_or_default();
            return Err(Error::conflict(
                Some("tracking_number"),
                format!("tracking number {tracking_number:?} belongs to another fulfillment order"),
            ));
        }
        let c = Children::of(f)?;
        if c.line_ids.is_empty() && c.package_ids.is_empty() && s.tracking_number.is_none() {
            return Ok(());
        }
        let params: [&(dyn ToSql + Sync); 29] = [
            &id,
            &c.line_ids,
            &c.skus,
            &c.quantities,
            &c.package_ids,
            &c.weights_kg,
            &c.lengths_cm,
            &c.widths_cm,
            &c.heights_cm,
            &c.package_positions,
            &c.package_line_positions,
            &c.package_line_ids,
            &c.package_line_quantities,
            &s.tracking_number,
            &s.carrier,
            &s.service,
            &s.label_reference,
            &s.cost,
            &s.currency,
            &s.shipped_at,
            &s.promised_delivery,
            &s.rejected_quotes,
            &s.last_status_at,
            &s.delivered_at,
            &s.proof,
            &s.min_temperature_c,
            &s.max_temperature_c,
            &s.max_shock_g,
            &s.delay_notified,
        ];
        self.execute(INSERT_CHILDREN, &params)?;
        Ok(())
    }

    pub(super) fn read_overdue_fulfillments(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Vec<FulfillmentId>> {
        let rows = self.query(OVERDUE, &[&now])?;
        rows.iter()
            .map(|row| parse(&row.try_get::<_, String>(0).map_err(db)?, "fulfillment id"))
            .collect()
    }

    pub(super) fn read_pending_fulfillments(
        &mut self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>> {
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(PENDING, &[&after, &limit])?;
        all(rows, fulfillment_from_row)
    }

    pub(super) fn write_bin(&mut self, sku: &str, location: &str, bin: &str) -> Result<()> {
        self.execute(
            "INSERT INTO bins (sku, location, bin) VALUES ($1, $2, $3) \
             ON CONFLICT (sku, location) DO UPDATE SET bin = $3",
            &[&sku, &location, &bin],
        )?;
        Ok(())
    }

    pub(super) fn read_bin(&mut self, sku: &str, location: &str) -> Result<Option<String>> {
        let rows = self
            .query("SELECT bin FROM bins WHERE sku = $1 AND location = $2", &[&sku, &location])?;
        rows.first().map(|row| row.try_get(0).map_err(db)).transpose()
    }

    pub(super) fn write_tracking_event(&mut self, e: &TrackingEvent) -> Result<bool> {
        let u = &e.update;
        let proof = u.proof.as_ref().map(json).transpose()?;
        let inserted = self.execute(
            TRACKING_EVENT_INSERT,
            &[
                &e.tracking_number,
                &u.carrier_event_id,
                &u.kind.as_str(),
                &u.occurred_at,
                &u.location,
                &u.description,
                &proof,
                &e.received_at,
                &e.applied,
            ],
        )?;
        Ok(inserted == 1)
    }

    pub(super) fn read_tracking_events(
        &mut self,
        tracking_number: &str,
    ) -> Result<Vec<TrackingEvent>> {
        let rows = self.query(TRACKING_EVENTS_SELECT, &[&tracking_number])?;
        all(rows, tracking_event_from_row)
    }

    pub(super) fn write_condition_reading(
        &mut self,
        tracking_number: &str,
        r: &ConditionReading,
    ) -> Result<()> {
        self.execute(
            READING_INSERT,
            &[&tracking_number, &r.kind.as_str(), &r.value, &r.at, &r.sensor],
        )?;
        Ok(())
    }

    pub(super) fn read_condition_readings(
        &mut self,
        tracking_number: &str,
    ) -> Result<Vec<ConditionReading>> {
        let rows = self.query(READINGS_SELECT, &[&tracking_number])?;
        all(rows, reading_from_row)
    }
}

/// An aggregated array column: NULL when there were no rows.
fn array<'r, T: tokio_postgres::types::FromSql<'r>>(row: &'r Row, i: usize) -> Result<Vec<T>> {
    Ok(row.try_get::<_, Option<Vec<T>>>(i).map_err(db)?.unwrap_or_default())
}

fn fulfillment_from_row(row: &Row) -> Result<FulfillmentOrder> {
    let text = |i: usize| -> Result<String> { row.try_get(i).map_err(db) };
    let opt = |i: usize| -> Result<Option<String>> { row.try_get(i).map_err(db) };
    let id: FulfillmentId = parse(&text(0)?, "fulfillment id")?;

    let (line_ids, skus, quantities) =
        (array::<i32>(row, 8)?, array::<String>(row, 9)?, array::<i64>(row, 10)?);
    if skus.len() != line_ids.len() || quantities.len() != line_ids.len() {
        return Err(Error::storage(format!("stored lines of fulfillment order {id} unreadable")));
    }
    let lines = line_ids
        .into_iter()
        .zip(skus)
        .zip(quantities)
        .map(|((line_id, sku), quantity)| {
            Ok(FulfillmentLine {
                line_id: int(i64::from(line_id), "line id")?,
                sku,
                quantity: int(quantity, "quantity")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let package_ids = array::<String>(row, 11)?;
    let sizes: [Vec<Decimal>; 4] =
        [array(row, 12)?, array(row, 13)?, array(row, 14)?, array(row, 15)?];
    if sizes.iter().any(|s| s.len() != package_ids.len()) {
        return Err(Error::storage(format!(
            "stored packages of fulfillment order {id} unreadable"
        )));
    }
    let mut packages: Vec<Package> = package_ids
        .into_iter()
        .enumerate()
        .map(|(i, package_id)| Package {
            id: package_id,
            parcel: Parcel {
                weight_kg: sizes[0][i],
                length_cm: sizes[1][i],
                width_cm: sizes[2][i],
                height_cm: sizes[3][i],
            },
            lines: Vec::new(),
        })
        .collect();
    let (positions, line_ids, quantities) =
        (array::<i32>(row, 16)?, array::<i32>(row, 17)?, array::<i64>(row, 18)?);
    if line_ids.len() != positions.len() || quantities.len() != positions.len() {
        return Err(Error::storage(format!(
            "stored package lines of fulfillment order {id} unreadable"
        )));
    }
    for ((p, line_id), quantity) in positions.into_iter().zip(line_ids).zip(quantities) {
        let package =
            usize::try_from(p).ok().and_then(|p| packages.get_mut(p)).ok_or_else(|| {
                Error::storage(format!(
                    "stored package line of fulfillment order {id} has no package {p}"
                ))
            })?;
        package.lines.push(PackageLine {
            line_id: int(i64::from(line_id), "line id")?,
            quantity: int(quantity, "quantity")?,
        });
    }

    let shipment = match opt(19)? {
        None => None,
        Some(tracking_number) => Some(shipment_from_row(row, tracking_number)?),
    };
    let held_from = opt(4)?;
    Ok(FulfillmentOrder {
        id,
        order_id: parse(&text(1)?, "order id")?,
        location: text(2)?,
        status: from_name(&text(3)?, "fulfillment status")?,
        held_from: held_from.as_deref().map(|s| from_name(s, "fulfillment status")).transpose()?,
        reason: opt(5)?,
        lines,
        packages,
        shipment,
        created_at: row.try_get(6).map_err(db)?,
        updated_at: row.try_get(7).map_err(db)?,
    })
}

/// The shipment columns (from 19) of a fulfilment order's row.
fn shipment_from_row(row: &Row, tracking_number: String) -> Result<Shipment> {
    let text = |i: usize| -> Result<String> { row.try_get(i).map_err(db) };
    let proof: Option<String> = row.try_get(30).map_err(db)?;
    Ok(Shipment {
        tracking_number,
        carrier: text(20)?,
        service: text(21)?,
        label_reference: text(22)?,
        cost: row.try_get(23).map_err(db)?,
        currency: parse(&text(24)?, "currency")?,
        shipped_at: row.try_get(25).map_err(db)?,
        promised_delivery: row.try_get(26).map_err(db)?,
        rejected_quotes: from_json(&text(27)?, "rejected quotes")?,
        last_status_at: row.try_get(28).map_err(db)?,
        delivered_at: row.try_get(29).map_err(db)?,
        proof: proof
            .as_deref()
            .map(|p| from_json::<DeliveryProof>(p, "delivery proof"))
            .transpose()?,
        thresholds: ConditionThresholds {
            min_temperature_c: row.try_get(31).map_err(db)?,
            max_temperature_c: row.try_get(32).map_err(db)?,
            max_shock_g: row.try_get(33).map_err(db)?,
        },
        delay_notified: row.try_get(34).map_err(db)?,
    })
}

fn tracking_event_from_row(row: &Row) -> Result<TrackingEvent> {
    let proof: Option<String> = row.try_get(6).map_err(db)?;
    Ok(TrackingEvent {
        tracking_number: row.try_get(0).map_err(db)?,
        update: TrackingUpdate {
            carrier_event_id: row.try_get(1).map_err(db)?,
            kind: from_name(&row.try_get::<_, String>(2).map_err(db)?, "tracking event kind")?,
            occurred_at: row.try_get(3).map_err(db)?,
            location: row.try_get(4).map_err(db)?,
            description: row.try_get(5).map_err(db)?,
            proof: proof.as_deref().map(|p| from_json(p, "delivery proof")).transpose()?,
        },
        received_at: row.try_get(7).map_err(db)?,
        applied: row.try_get(8).map_err(db)?,
    })
}

fn reading_from_row(row: &Row) -> Result<ConditionReading> {
    Ok(ConditionReading {
        kind: from_name(&row.try_get::<_, String>(0).map_err(db)?, "condition kind")?,
        value: row.try_get(1).map_err(db)?,
        at: row.try_get(2).map_err(db)?,
        sensor: row.try_get(3).map_err(db)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overdue_query_names_the_states_a_shipment_can_be_late_in() {
        let in_flight: Vec<&str> = FulfillmentStatus::ALL
            .into_iter()
            .filter(|s| s.has_shipped())
            .filter(|s| {
                !matches!(s, FulfillmentStatus::Delivered | FulfillmentStatus::ReturnedToSender)
            })
            .map(FulfillmentStatus::as_str)
            .collect();
        let list = in_flight.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        assert!(OVERDUE.contains(&format!("f.status IN ({list})")), "{OVERDUE}");
        let migration = include_str!("../../migrations/0002_fulfillment.sql");
        assert!(migration.contains(&format!("WHERE status IN ({list})")), "the partial index");
    }

    #[test]
    fn the_tracking_number_constraint_has_the_name_errors_are_mapped_by() {
        let migration = include_str!("../../migrations/0002_fulfillment.sql");
        let declared =
            format!("CONSTRAINT {} UNIQUE (tracking_number)", crate::codec::TRACKING_NUMBER_UNIQUE);
        assert!(migration.contains(&declared));
    }
}
