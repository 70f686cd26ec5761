//! The invariants every store must keep after any sequence of use cases.

use std::collections::BTreeMap;

use omskit_core::events::stream;
use omskit_core::inventory::MovementKind;
use omskit_core::{
    DomainEvent, FulfillmentOrder, FulfillmentStatus, Oms, Order, OrderStatus, Store, StoreTx,
    TxMode,
};

/// Every invariant violation in the engine's store, described; empty when all hold:
///
/// - every stock level has `0 ≤ reserved ≤ on_hand`;
/// - a level's `reserved` equals the sum of active reservations there;
/// - every line of a live order has its units accounted for: the units
///   shipped (in fulfilment orders that shipped), reserved (active
///   reservations) and unreserved add up to the units ordered, where
///   unreserved units exist only after a short pick found no stock anywhere
///   (`UnitsUnfulfilled`), at most as many as those events left after later
///   cancellations; cancelled orders hold no reservation and have no open
///   fulfilment order;
/// - a line never ships more units than are ordered; the open fulfilment
///   orders of a line at a location, `pending` ones aside, never hold more
///   units than are reserved there, and its `pending` ones never hold more
///   than its unreserved units;
/// - a fulfilment order ships only lines of its order, with their SKUs; it
///   has a shipment exactly when it has shipped;
/// - every shipped fulfilment order has, at its location, `Shipment`
///   movements referenced by its tracking number that take exactly its
///   units off on hand and reserved, and no other `Shipment` movement exists;
/// - an order that is neither held nor cancelled has the status its
///   fulfilment orders roll up to (placed, processing, partially shipped,
///   shipped, delivered);
/// - the stock ledger sums to every level's on hand and reserved;
/// - the audit chain verifies.
pub fn invariant_violations<S: Store>(oms: &Oms<S>) -> Vec<String> {
    let mut problems = Vec::new();
    let report = oms.verify_audit_chain().expect("audit chain readable");
    if let Some(broken) = report.first_broken {
        problems.push(format!("audit chain broken at {broken:?}"));
    }
    let mut tx = oms.store().begin(TxMode::Read).expect("read transaction");
    let levels = tx.all_stock_levels().expect("stock levels");
    let reservations = tx.active_reservations().expect("reservations");

    let mut reserved_at: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut reserved_for: BTreeMap<(String, u32), i64> = BTreeMap::new();
    let mut reserved_for_at: BTreeMap<(String, u32, String), i64> = BTreeMap::new();
    let mut sku_of: BTreeMap<(String, u32), String> = BTreeMap::new();
    for r in &reservations {
        if r.quantity <= 0 {
            problems.push(format!("active reservation {} holds {} units", r.id, r.quantity));
        }
        *reserved_at.entry((r.sku.clone(), r.location.clone())).or_default() += r.quantity;
        *reserved_for.entry((r.order_id.to_string(), r.line_id)).or_default() += r.quantity;
        *reserved_for_at
            .entry((r.order_id.to_string(), r.line_id, r.location.clone()))
            .or_default() += r.quantity;
        sku_of.insert((r.order_id.to_string(), r.line_id), r.sku.clone());
    }

    // Shipment movements by (sku, location, tracking number).
    let mut shipment_movements: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
    for level in &levels {
        let key = (level.sku.clone(), level.location.clone());
        if level.reserved < 0 || level.reserved > level.on_hand {
            problems.push(format!(
                "{key:?}: reserved {} outside 0..={}",
                level.reserved, level.on_hand
            ));
        }
        let held = reserved_at.remove(&key).unwrap_or(0);
        if held != level.reserved {
            problems
                .push(format!("{key:?}: reserved {} but reservations hold {held}", level.reserved));
        }
        let ledger = tx.movements(&level.sku, Some(&level.location)).expect("ledger");
        let on_hand: i64 = ledger.iter().map(|m| m.on_hand_delta).sum();
        let reserved: i64 = ledger.iter().map(|m| m.reserved_delta).sum();
        if (on_hand, reserved) != (level.on_hand, level.reserved) {
            problems.push(format!(
                "{key:?}: ledger sums to on hand {on_hand}, reserved {reserved}; level says {}, {}",
                level.on_hand, level.reserved
            ));
        }
        for m in ledger.iter().filter(|m| m.kind == MovementKind::Shipment) {
            let entry = shipment_movements
                .entry((m.sku.clone(), m.location.clone(), m.reference.clone()))
                .or_default();
            entry.0 += m.on_hand_delta;
            entry.1 += m.reserved_delta;
        }
    }
    for (key, held) in reserved_at {
        problems
            .push(format!("{key:?}: reservations hold {held} units but there is no stock level"));
    }

    let unfulfilled = unfulfilled_units(&mut tx, &mut problems);

    let mut after = None;
    loop {
        let page = tx.orders(after, 1_000).expect("orders");
        for order in &page {
            let fulfillments = tx.fulfillments_for_order(order.id).expect("fulfillment orders");
            check_fulfillments(order, &fulfillments, &reserved_for_at, &mut problems);
            for f in fulfillments.iter().filter(|f| f.status.has_shipped()) {
                let Some(shipment) = &f.shipment else { continue };
                let mut units: BTreeMap<&str, i64> = BTreeMap::new();
                for line in &f.lines {
                    *units.entry(line.sku.as_str()).or_default() += i64::from(line.quantity);
                }
                for (sku, units) in units {
                    let key =
                        (sku.to_owned(), f.location.clone(), shipment.tracking_number.clone());
                    let moved = shipment_movements.remove(&key).unwrap_or((0, 0));
                    if moved != (-units, -units) {
                        problems.push(format!(
                            "fulfillment order {} shipped {units} × {sku} from {} under {}, \
                             but the ledger's shipment movements there change (on hand, \
                             reserved) by {moved:?}",
                            f.id, f.location, shipment.tracking_number
                        ));
                    }
                }
            }
            for line in &order.lines {
                let key = (order.id.to_string(), line.id);
                if let Some(sku) = sku_of.get(&key).filter(|sku| **sku != line.sku) {
                    problems.push(format!(
                        "order {} line {} orders {} but holds a reservation of {sku}",
                        order.id, line.id, line.sku
                    ));
                }
                let held = reserved_for.remove(&key).unwrap_or(0);
                let shipped: i64 = fulfillments
                    .iter()
                    .filter(|f| f.status.has_shipped())
                    .map(|f| i64::from(f.units_of(line.id)))
                    .sum();
                let ordered = i64::from(line.quantity);
                if shipped > ordered {
                    problems.push(format!(
                        "order {} line {}: {shipped} units shipped, only {ordered} ordered",
                        order.id, line.id
                    ));
                }
                if order.status == OrderStatus::Cancelled {
                    if held != 0 {
                        problems.push(format!(
                            "cancelled order {} line {}: {held} units still reserved",
                            order.id, line.id
                        ));
                    }
                    continue;
                }
                let unreserved = ordered - shipped - held;
                let pending: i64 = fulfillments
                    .iter()
                    .filter(|f| f.status == FulfillmentStatus::Pending)
                    .map(|f| i64::from(f.units_of(line.id)))
                    .sum();
                if pending > unreserved {
                    problems.push(format!(
                        "order {} line {}: pending fulfillment orders await {pending} units, \
                         only {unreserved} are unreserved",
                        order.id, line.id
                    ));
                }
                let may_lack = unfulfilled.get(&key).copied().unwrap_or(0);
                if unreserved < 0 || unreserved > may_lack {
                    problems.push(format!(
                        "order {} line {}: {ordered} ordered = {shipped} shipped + {held} reserved \
                         + {unreserved} unreserved, but short picks left at most {may_lack} \
                         units unreserved",
                        order.id, line.id
                    ));
                }
            }
        }
        match page.last() {
            Some(last) => after = Some(last.id),
            None => break,
        }
    }
    for ((order, line), held) in reserved_for {
        problems.push(format!(
            "order {order} line {line}: {held} units reserved for a line that does not exist"
        ));
    }
    for ((sku, location, reference), moved) in shipment_movements {
        problems.push(format!(
            "shipment movements of {sku} at {location} under {reference} change (on hand, \
             reserved) by {moved:?}, but no fulfilment order shipped them"
        ));
    }
    problems
}

/// Per (order id, line id): how many units short picks left without a
/// reservation (`UnitsUnfulfilled`), less the units cancelled from the line
/// since (a cancellation takes unreserved units first).
fn unfulfilled_units<T: StoreTx>(
    tx: &mut T,
    problems: &mut Vec<String>,
) -> BTreeMap<(String, u32), i64> {
    const PAGE: usize = 10_000;
    let mut unfulfilled: BTreeMap<(String, u32), i64> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = tx.events_since(after, PAGE).expect("events");
        for record in &page {
            if !matches!(record.kind.as_str(), "UnitsUnfulfilled" | "OrderLinesCancelled") {
                continue;
            }
            match record.event() {
                Ok(DomainEvent::UnitsUnfulfilled { order_id, line_id, quantity, .. }) => {
                    if record.stream != stream::order(order_id) {
                        problems
                            .push(format!("event {} is in stream {}", record.seq, record.stream));
                    }
                    *unfulfilled.entry((order_id.to_string(), line_id)).or_default() +=
                        i64::from(quantity);
                }
                Ok(DomainEvent::OrderLinesCancelled { order_id, lines, .. }) => {
                    for (line_id, units) in lines {
                        if let Some(left) = unfulfilled.get_mut(&(order_id.to_string(), line_id)) {
                            *left -= i64::from(units).min(*left);
                        }
                    }
                }
                Ok(other) => problems.push(format!(
                    "event {} of kind {} decodes as {}",
                    record.seq,
                    record.kind,
                    other.kind()
                )),
                Err(e) => problems.push(format!("event {} does not decode: {e}", record.seq)),
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = last.seq,
            _ => return unfulfilled,
        }
    }
}

/// The fulfilment orders of one order against the order and its reservations.
fn check_fulfillments(
    order: &Order,
    fulfillments: &[FulfillmentOrder],
    reserved_for_at: &BTreeMap<(String, u32, String), i64>,
    problems: &mut Vec<String>,
) {
    let mut open_at: BTreeMap<(u32, &str), i64> = BTreeMap::new();
    for f in fulfillments {
        if f.order_id != order.id {
            problems.push(format!(
                "fulfillment order {} listed for order {} belongs to {}",
                f.id, order.id, f.order_id
            ));
        }
        if f.status.has_shipped() != f.shipment.is_some() {
            problems.push(format!(
                "fulfillment order {} is {} with shipment {:?}",
                f.id,
                f.status,
                f.shipment.as_ref().map(|s| &s.tracking_number)
            ));
        }
        if (f.status == FulfillmentStatus::OnHold) != f.held_from.is_some() {
            problems.push(format!(
                "fulfillment order {} is {} but held_from is {:?}",
                f.id, f.status, f.held_from
            ));
        }
        if f.status.is_open() && order.status == OrderStatus::Cancelled {
            problems.push(format!(
                "cancelled order {} still has fulfillment order {} {}",
                order.id, f.id, f.status
            ));
        }
        for line in &f.lines {
            match order.lines.iter().find(|l| l.id == line.line_id) {
                Some(l) if l.sku == line.sku => {}
                Some(l) => problems.push(format!(
                    "fulfillment order {} ships line {} as {}, the order line is {}",
                    f.id, line.line_id, line.sku, l.sku
                )),
                None if f.status.is_open() => problems.push(format!(
                    "open fulfillment order {} ships line {} that order {} does not have",
                    f.id, line.line_id, order.id
                )),
                None => {}
            }
            if line.quantity == 0 && f.status != FulfillmentStatus::Cancelled {
                problems.push(format!(
                    "fulfillment order {} ships 0 units of line {}",
                    f.id, line.line_id
                ));
            }
            if f.status.holds_stock() {
                *open_at.entry((line.line_id, f.location.as_str())).or_default() +=
                    i64::from(line.quantity);
            }
        }
    }
    for ((line_id, location), units) in open_at {
        let key = (order.id.to_string(), line_id, location.to_owned());
        let held = reserved_for_at.get(&key).copied().unwrap_or(0);
        if units > held {
            problems.push(format!(
                "order {} line {line_id}: open fulfillment orders at {location} ship {units} \
                 units, only {held} are reserved there",
                order.id
            ));
        }
    }
    if !matches!(order.status, OrderStatus::OnHold | OrderStatus::Cancelled) {
        let expected = rolled_up(order, fulfillments);
        if order.status != expected {
            problems.push(format!(
                "order {} is {}, its fulfillment orders roll up to {expected}",
                order.id, order.status
            ));
        }
    } else if fulfillments.iter().any(|f| f.status.has_shipped())
        && order.status == OrderStatus::OnHold
    {
        problems.push(format!("order {} is on hold with shipped units", order.id));
    }
}

/// The status an order's fulfilment orders roll up to, as documented on
/// `OrderStatus`: nothing shipped → processing while a fulfilment order is
/// open, else placed; some units shipped → partially shipped; all shipped
/// → delivered when every shipped fulfilment order is, else shipped.
pub(crate) fn rolled_up(order: &Order, fulfillments: &[FulfillmentOrder]) -> OrderStatus {
    let ordered: u64 = order.lines.iter().map(|l| u64::from(l.quantity)).sum();
    let shipped: Vec<&FulfillmentOrder> =
        fulfillments.iter().filter(|f| f.status.has_shipped()).collect();
    let units: u64 = shipped.iter().map(|f| f.units()).sum();
    if units == 0 {
        if fulfillments.iter().any(|f| f.status.is_open()) {
            OrderStatus::Processing
        } else {
            OrderStatus::Placed
        }
    } else if units < ordered {
        OrderStatus::PartiallyShipped
    } else if shipped.iter().all(|f| f.status == FulfillmentStatus::Delivered) {
        OrderStatus::Delivered
    } else {
        OrderStatus::Shipped
    }
}

/// Panics listing every invariant violation, if there is any.
pub fn assert_invariants<S: Store>(oms: &Oms<S>) {
    let problems = invariant_violations(oms);
    assert!(problems.is_empty(), "invariants violated:\n{}", problems.join("\n"));
}
