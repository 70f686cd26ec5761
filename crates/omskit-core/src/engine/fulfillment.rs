//! Fulfilment: fulfilment orders from reservations, pick lists, picks
//! (short picks re-allocated), packing, holds and cancellation.
//!
//! Every use case that changes a fulfilment order first locks its order
//! (through [`StoreTx::order`](crate::store::StoreTx::order)) and then
//! re-reads the fulfilment order: the order's lock serializes every writer
//! of its fulfilment orders, so those rows need no locks of their own.

use std::collections::{BTreeMap, BTreeSet};

use super::orders::{load_order, touch, OrderReservations};
use super::{Oms, Work};
use crate::error::{Error, Result};
use crate::events::{stream, DomainEvent};
use crate::fulfillment::{
    open_units, pending_units, shipped_units, FulfillmentAction, FulfillmentLine, FulfillmentOrder,
    FulfillmentStatus, Package, PickList, PickedLine,
};
use crate::id::{FulfillmentId, OrderId, PickListId};
use crate::inventory::{Allocation, MovementKind, ReservationStatus};
use crate::order::{check_id, check_text, Order, OrderAction};
use crate::store::Store;

/// The longest bin code.
const MAX_BIN_LEN: usize = 64;

/// The most fulfilment orders one pick list may batch.
pub const MAX_PICK_LIST_SIZE: usize = 1_000;

impl<S: Store> Oms<S> {
    /// Creates fulfilment orders for every unit of an order that is not in
    /// an open fulfilment order yet: reserved units in `ready` ones, one per
    /// location (split shipments); units reserved nowhere (a short pick
    /// found no stock, then their `pending` fulfilment order was cancelled)
    /// in `pending` ones, at the location where they were last reserved.
    /// Lines in line order. Returns the new fulfilment orders; none when
    /// every unit already has one. The order becomes `processing`.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` for an order on hold, cancelled, or
    /// fully shipped.
    pub fn fulfil(&self, order_id: OrderId) -> Result<Vec<FulfillmentOrder>> {
        self.write(|w| {
            let mut order = load_order(w, order_id)?;
            order.status.after(OrderAction::Fulfil)?;
            let mut fulfillments = w.tx.fulfillments_for_order(order_id)?;
            let held = OrderReservations::load(w, order_id)?;
            // Location → lines, for reserved units not yet in an open fulfilment order.
            let mut by_location: BTreeMap<String, Vec<FulfillmentLine>> = BTreeMap::new();
            for r in held.list.iter().filter(|r| r.status == ReservationStatus::Active) {
                let assigned = i64::from(open_units(&fulfillments, r.line_id, &r.location));
                let unassigned = r.quantity - assigned;
                if unassigned > 0 {
                    by_location
                        .entry(r.location.clone())
                        .or_default()
                        .push(fulfillment_line(r.line_id, &r.sku, unassigned));
                }
            }
            let awaiting = unassigned_unreserved(&order, &held, &fulfillments)?;
            let mut created = Vec::with_capacity(by_location.len() + awaiting.len());
            let ready = by_location.into_iter().map(|group| (group, FulfillmentStatus::Ready));
            let pending = awaiting.into_iter().map(|group| (group, FulfillmentStatus::Pending));
            for ((location, mut lines), status) in ready.chain(pending) {
                lines.sort_by_key(|l| l.line_id);
                let f = create_fulfillment(w, order_id, &location, lines, status)?;
                created.push(f.clone());
                fulfillments.push(f);
            }
            save_rolled_up(w, &mut order, &fulfillments)?;
            Ok(created)
        })
    }

    /// Reserves the units of a `pending` fulfilment order (stock is back):
    /// every line in full, from active locations by priority as placement
    /// does, or nothing at all. It becomes `ready` at the location that
    /// serves its first line; units reserved elsewhere go into new `ready`
    /// fulfilment orders, one per location. Returns it first, then the new
    /// ones.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` when it is not pending;
    /// `InsufficientStock` listing every line that cannot be reserved in
    /// full, with nothing changed.
    pub fn allocate_fulfillment(&self, id: FulfillmentId) -> Result<Vec<FulfillmentOrder>> {
        self.write(|w| {
            let (mut order, mut fulfillments, index) = lock(w, id)?;
            let mut f = fulfillments[index].clone();
            let from = f.status;
            f.apply(FulfillmentAction::Allocate, w.now)?;
            let mut book = w.stock_book(f.lines.iter().map(|l| l.sku.as_str()))?;
            let (mut reserved, mut shortages) = (Vec::new(), Vec::new());
            for line in &f.lines {
                match book.reserve(line.line_id, &line.sku, i64::from(line.quantity)) {
                    Ok(found) => reserved.extend(found),
                    Err(shortage) => shortages.push(shortage),
                }
            }
            if !shortages.is_empty() {
                // The attempt rolls back: the book's changes are never written.
                return Err(Error::insufficient_stock(shortages));
            }
            let mut held = OrderReservations::load(w, order.id)?;
            held.add(w, &reserved);
            held.save(w, &book, &[], &reserved, "")?;
            // Location → lines, in the order the locations served the lines.
            let mut groups: Vec<(String, Vec<FulfillmentLine>)> = Vec::new();
            for a in &reserved {
                let line = fulfillment_line(a.line_id, &a.sku, a.quantity);
                match groups.iter_mut().find(|(location, _)| *location == a.location) {
                    Some((_, lines)) => lines.push(line),
                    None => groups.push((a.location.clone(), vec![line])),
                }
            }
            w.emit(
                stream::order(order.id),
                &DomainEvent::StockReserved { order_id: order.id, allocations: reserved },
            )?;
            let mut groups = groups.into_iter();
            let Some((location, lines)) = groups.next() else {
                return Err(Error::storage(format!("pending fulfillment order {id} has no units")));
            };
            f.location = location;
            f.lines = lines;
            w.tx.put_fulfillment(&f)?;
            let detail = format!("reserved at {}", f.location);
            emit_status(w, &f, FulfillmentAction::Allocate, from, Some(detail))?;
            fulfillments[index] = f.clone();
            let mut out = vec![f];
            for (location, lines) in groups {
                let created =
                    create_fulfillment(w, order.id, &location, lines, FulfillmentStatus::Ready)?;
                fulfillments.push(created.clone());
                out.push(created);
            }
            save_rolled_up(w, &mut order, &fulfillments)?;
            Ok(out)
        })
    }

    /// Up to `limit` `pending` fulfilment orders (units awaiting stock) with
    /// an id above `after` (from the first when `None`), oldest first: the
    /// queue to [allocate](Oms::allocate_fulfillment) from once stock arrives.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn pending_fulfillments(
        &self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>> {
        self.read(|tx| tx.pending_fulfillments(after, limit))
    }

    /// A fulfilment order.
    ///
    /// # Errors
    /// `NotFound`.
    pub fn fulfillment(&self, id: FulfillmentId) -> Result<FulfillmentOrder> {
        self.read(|tx| tx.fulfillment(id)?.ok_or_else(|| Error::not_found("fulfillment order", id)))
    }

    /// Every fulfilment order of an order, cancelled ones included, oldest first.
    ///
    /// # Errors
    /// `NotFound` for an unknown order.
    pub fn fulfillments(&self, order_id: OrderId) -> Result<Vec<FulfillmentOrder>> {
        self.read(|tx| {
            tx.order(order_id)?.ok_or_else(|| Error::not_found("order", order_id))?;
            tx.fulfillments_for_order(order_id)
        })
    }

    /// Records the bin a SKU is stored in at a location; pick lists walk
    /// the bins in order.
    ///
    /// # Errors
    /// `Validation` (`sku`, `bin`); `NotFound` for an unknown location.
    pub fn set_bin(&self, sku: &str, location: &str, bin: &str) -> Result<()> {
        check_id("sku", sku)?;
        if bin.trim().is_empty() {
            return Err(Error::validation("bin", "must not be empty"));
        }
        if bin.len() > MAX_BIN_LEN {
            return Err(Error::validation("bin", format!("longer than {MAX_BIN_LEN} bytes")));
        }
        // A bin code is printed on labels: no control characters, newlines included.
        crate::shipping::check_label_text("bin", bin)?;
        self.write(|w| {
            w.tx.location(location)?.ok_or_else(|| Error::not_found("location", location))?;
            w.tx.put_bin(sku, location, bin)?;
            w.emit(
                stream::stock(sku, location),
                &DomainEvent::BinAssigned {
                    sku: sku.to_owned(),
                    location: location.to_owned(),
                    bin: bin.to_owned(),
                },
            )
        })
    }

    /// The bin of a SKU at a location, if one was recorded.
    ///
    /// # Errors
    /// `NotFound` for an unknown location.
    pub fn bin(&self, sku: &str, location: &str) -> Result<Option<String>> {
        self.read(|tx| {
            tx.location(location)?.ok_or_else(|| Error::not_found("location", location))?;
            tx.bin(sku, location)
        })
    }

    /// Batches ready fulfilment orders of one location into one pick list:
    /// a single walk sorted by bin, with per-order totals for sorting the
    /// picked units afterwards. The fulfilment orders move to `picking`.
    ///
    /// # Errors
    /// `Validation` (`fulfillment_ids`: empty, too many, listed twice, or at
    /// another location); `NotFound`; `InvalidTransition` for one that is not
    /// ready. Nothing changes on error.
    pub fn create_pick_list(
        &self,
        location: &str,
        fulfillment_ids: &[FulfillmentId],
    ) -> Result<PickList> {
        if fulfillment_ids.is_empty() {
            return Err(Error::validation("fulfillment_ids", "no fulfillment orders given"));
        }
        if fulfillment_ids.len() > MAX_PICK_LIST_SIZE {
            return Err(Error::validation(
                "fulfillment_ids",
                format!("at most {MAX_PICK_LIST_SIZE} fulfillment orders per pick list"),
            ));
        }
        for (i, id) in fulfillment_ids.iter().enumerate() {
            if fulfillment_ids[..i].contains(id) {
                return Err(Error::validation(
                    format!("fulfillment_ids[{i}]"),
                    format!("{id} is listed twice"),
                ));
            }
        }
        self.write(|w| {
            w.tx.location(location)?.ok_or_else(|| Error::not_found("location", location))?;
            let pick_list_id: PickListId = w.id();
            // Lock the orders in id order, so two pick lists never wait on each other in a cycle.
            let mut owners = BTreeSet::new();
            for (i, id) in fulfillment_ids.iter().enumerate() {
                let f = peek(w, *id)?;
                if f.location != location {
                    return Err(Error::validation(
                        format!("fulfillment_ids[{i}]"),
                        format!("{id} ships from {}, not {location}", f.location),
                    ));
                }
                owners.insert(f.order_id);
            }
            for order_id in &owners {
                load_order(w, *order_id)?;
            }
            let mut batch = Vec::with_capacity(fulfillment_ids.len());
            for id in fulfillment_ids {
                let mut f = peek(w, *id)?;
                let from = f.status;
                f.apply(FulfillmentAction::StartPicking, w.now)?;
                w.tx.put_fulfillment(&f)?;
                emit_status(
                    w,
                    &f,
                    FulfillmentAction::StartPicking,
                    from,
                    Some(pick_list_id.to_string()),
                )?;
                batch.push(f);
            }
            let mut bins = BTreeMap::new();
            for f in &batch {
                for line in &f.lines {
                    if !bins.contains_key(&line.sku) {
                        let bin = w.tx.bin(&line.sku, location)?;
                        bins.insert(line.sku.clone(), bin);
                    }
                }
            }
            Ok(PickList::build(
                pick_list_id,
                location,
                &batch,
                |sku| bins.get(sku).cloned().flatten(),
                w.now,
            ))
        })
    }

    /// Confirms what was picked for a fulfilment order (`picking` →
    /// `picked`); every line must be listed once. Units missing from a line
    /// (a short pick) are written off at the location through the stock
    /// ledger, then re-reserved at other locations by priority, in new
    /// fulfilment orders; units no location has go into a new `pending`
    /// fulfilment order at this location (awaiting stock, reserved nowhere),
    /// with a `UnitsUnfulfilled` event. A fulfilment order with nothing
    /// picked is cancelled.
    ///
    /// # Errors
    /// `Validation` (`picked[i].line_id` unknown or listed twice, a line
    /// missing, `picked[i].quantity` above what was expected); `NotFound`;
    /// `InvalidTransition` when it is not being picked.
    pub fn confirm_pick(
        &self,
        id: FulfillmentId,
        picked: &[PickedLine],
    ) -> Result<FulfillmentOrder> {
        self.write(|w| {
            let (mut order, mut fulfillments, index) = lock(w, id)?;
            let f = &fulfillments[index];
            check_picked(f, picked)?;
            let location = f.location.clone();
            let mut f = f.clone();
            f.apply(FulfillmentAction::ConfirmPick, w.now)?;
            // (line, sku, units missing) for every short line; the line keeps what was picked.
            let mut missing: Vec<(u32, String, u32)> = Vec::new();
            for line in &mut f.lines {
                if let Some(p) = picked.iter().find(|p| p.line_id == line.line_id) {
                    if p.quantity < line.quantity {
                        missing.push((line.line_id, line.sku.clone(), line.quantity - p.quantity));
                    }
                    line.quantity = p.quantity;
                }
            }
            let short: Vec<PickedLine> = missing
                .iter()
                .map(|&(line_id, _, quantity)| PickedLine { line_id, quantity })
                .collect();
            f.lines.retain(|l| l.quantity > 0);
            const NOTHING_PICKED: &str = "short pick: nothing picked";
            let emptied = f.lines.is_empty();
            if emptied {
                f.apply(FulfillmentAction::Cancel, w.now)?;
                f.reason = Some(NOTHING_PICKED.to_owned());
            }
            w.tx.put_fulfillment(&f)?;
            w.emit(
                stream::fulfillment(id),
                &DomainEvent::PickConfirmed {
                    fulfillment_id: id,
                    order_id: f.order_id,
                    picked: picked.to_vec(),
                    short,
                },
            )?;
            if emptied {
                w.emit(
                    stream::fulfillment(id),
                    &DomainEvent::FulfillmentCancelled {
                        fulfillment_id: id,
                        order_id: f.order_id,
                        reason: NOTHING_PICKED.to_owned(),
                    },
                )?;
            }
            fulfillments[index] = f.clone();
            if !missing.is_empty() {
                let created = reallocate_short(w, &order, &location, &missing)?;
                fulfillments.extend(created);
            }
            save_rolled_up(w, &mut order, &fulfillments)?;
            Ok(f)
        })
    }

    /// Puts the picked units of a fulfilment order into packages (`picked`
    /// → `packed`): every unit in exactly one package, no package empty,
    /// package ids unique.
    ///
    /// # Errors
    /// `Validation` naming the offending field (`packages[1].weight_kg`,
    /// `packages[0].lines[2].line_id`, `packages[1].id`); `NotFound`;
    /// `InvalidTransition` when it is not picked.
    pub fn pack(&self, id: FulfillmentId, packages: &[Package]) -> Result<FulfillmentOrder> {
        self.write(|w| {
            let (_, mut fulfillments, index) = lock(w, id)?;
            let f = &mut fulfillments[index];
            f.status.after(FulfillmentAction::Pack)?;
            f.check_packages(packages)?;
            f.apply(FulfillmentAction::Pack, w.now)?;
            f.packages = packages.to_vec();
            w.tx.put_fulfillment(f)?;
            w.emit(
                stream::fulfillment(id),
                &DomainEvent::FulfillmentPacked {
                    fulfillment_id: id,
                    order_id: f.order_id,
                    packages: packages.to_vec(),
                },
            )?;
            Ok(f.clone())
        })
    }

    /// Stops a fulfilment order before shipment until released.
    ///
    /// # Errors
    /// `Validation` for an empty reason; `NotFound`; `InvalidTransition`
    /// when it has shipped, is cancelled or already on hold.
    pub fn hold_fulfillment(&self, id: FulfillmentId, reason: &str) -> Result<FulfillmentOrder> {
        check_text("reason", reason, 1)?;
        self.write(|w| {
            let (_, mut fulfillments, index) = lock(w, id)?;
            let f = &mut fulfillments[index];
            let from = f.status;
            f.hold(reason, w.now)?;
            w.tx.put_fulfillment(f)?;
            emit_status(w, f, FulfillmentAction::Hold, from, Some(reason.to_owned()))?;
            Ok(f.clone())
        })
    }

    /// Releases a held fulfilment order back to the state it was in.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` when it is not on hold.
    pub fn release_fulfillment(&self, id: FulfillmentId) -> Result<FulfillmentOrder> {
        self.write(|w| {
            let (_, mut fulfillments, index) = lock(w, id)?;
            let f = &mut fulfillments[index];
            let from = f.status;
            f.release(w.now)?;
            w.tx.put_fulfillment(f)?;
            emit_status(w, f, FulfillmentAction::Release, from, None)?;
            Ok(f.clone())
        })
    }

    /// Cancels a fulfilment order before shipment. Its units go back to the
    /// order as unfulfilled and stay reserved (a later [`Oms::fulfil`] puts
    /// them in a new fulfilment order); when its location no longer takes
    /// reservations, each line is re-reserved elsewhere if it can be in
    /// full. Picked units go back to their bin: stock does not change. The
    /// units of a `pending` one were reserved nowhere and stay so (a later
    /// [`Oms::fulfil`] puts them in a new `pending` one).
    ///
    /// # Errors
    /// `Validation` for an empty reason; `NotFound`; `InvalidTransition`
    /// once it has shipped or when it is already cancelled.
    pub fn cancel_fulfillment(&self, id: FulfillmentId, reason: &str) -> Result<FulfillmentOrder> {
        check_text("reason", reason, 1)?;
        self.write(|w| {
            let (mut order, mut fulfillments, index) = lock(w, id)?;
            let held_stock = fulfillments[index].status.holds_stock();
            cancel_one(w, &mut fulfillments[index], reason)?;
            let f = fulfillments[index].clone();
            if held_stock {
                reallocate_from_inactive(w, &order, &f, reason)?;
            }
            save_rolled_up(w, &mut order, &fulfillments)?;
            Ok(f)
        })
    }
}

/// Reads a fulfilment order without locking (to learn its order).
fn peek(w: &mut Work<'_>, id: FulfillmentId) -> Result<FulfillmentOrder> {
    w.tx.fulfillment(id)?.ok_or_else(|| Error::not_found("fulfillment order", id))
}

/// Locks the order of a fulfilment order, then loads all the order's
/// fulfilment orders; returns them with the index of `id` among them.
pub(super) fn lock(
    w: &mut Work<'_>,
    id: FulfillmentId,
) -> Result<(Order, Vec<FulfillmentOrder>, usize)> {
    let order_id = peek(w, id)?.order_id;
    let order = load_order(w, order_id)?;
    let fulfillments = w.tx.fulfillments_for_order(order_id)?;
    let index = fulfillments
        .iter()
        .position(|f| f.id == id)
        .ok_or_else(|| Error::not_found("fulfillment order", id))?;
    Ok((order, fulfillments, index))
}

/// `units` of a line in a fulfilment order (a count of reserved units,
/// which always fits).
fn fulfillment_line(line_id: u32, sku: &str, units: i64) -> FulfillmentLine {
    FulfillmentLine {
        line_id,
        sku: sku.to_owned(),
        quantity: u32::try_from(units).unwrap_or(u32::MAX),
    }
}

/// Stores a new fulfilment order (`ready`, or `pending` for units reserved
/// nowhere) and emits `FulfillmentCreated`.
fn create_fulfillment(
    w: &mut Work<'_>,
    order_id: OrderId,
    location: &str,
    lines: Vec<FulfillmentLine>,
    status: FulfillmentStatus,
) -> Result<FulfillmentOrder> {
    let mut f = FulfillmentOrder::new(w.id(), order_id, location, lines, w.now);
    f.status = status;
    w.tx.put_fulfillment(&f)?;
    let s = stream::fulfillment(f.id);
    w.new_stream(&s);
    w.emit(
        s,
        &DomainEvent::FulfillmentCreated {
            fulfillment_id: f.id,
            order_id,
            location: f.location.clone(),
            lines: f.lines.clone(),
            status,
        },
    )?;
    Ok(f)
}

/// The units of each line reserved nowhere and in no open fulfilment order
/// (left by a short pick whose `pending` fulfilment order was then
/// cancelled), grouped by the location where the line was last reserved.
fn unassigned_unreserved(
    order: &Order,
    held: &OrderReservations,
    fulfillments: &[FulfillmentOrder],
) -> Result<BTreeMap<String, Vec<FulfillmentLine>>> {
    let mut by_location: BTreeMap<String, Vec<FulfillmentLine>> = BTreeMap::new();
    for line in &order.lines {
        let accounted = i64::from(shipped_units(fulfillments, line.id))
            + held.reserved_units(line.id)
            + i64::from(pending_units(fulfillments, line.id));
        let missing = i64::from(line.quantity) - accounted;
        if missing <= 0 {
            continue;
        }
        // Placement reserved every line, so every line has a reservation row.
        let Some(last) = held.list.iter().rev().find(|r| r.line_id == line.id) else {
            return Err(Error::storage(format!(
                "order {} line {} has units but no reservation ever",
                order.id, line.id
            )));
        };
        by_location
            .entry(last.location.clone())
            .or_default()
            .push(fulfillment_line(line.id, &line.sku, missing));
    }
    Ok(by_location)
}

/// Emits a `FulfillmentStatusChanged` for a transition just applied.
pub(super) fn emit_status(
    w: &mut Work<'_>,
    f: &FulfillmentOrder,
    action: FulfillmentAction,
    from: crate::fulfillment::FulfillmentStatus,
    detail: Option<String>,
) -> Result<()> {
    w.emit(
        stream::fulfillment(f.id),
        &DomainEvent::FulfillmentStatusChanged {
            fulfillment_id: f.id,
            order_id: f.order_id,
            action,
            from,
            to: f.status,
            detail,
        },
    )
}

/// Rolls the order's status up from its fulfilment orders and saves the
/// order when it changed, with an `OrderStatusChanged` event.
pub(super) fn save_rolled_up(
    w: &mut Work<'_>,
    order: &mut Order,
    fulfillments: &[FulfillmentOrder],
) -> Result<()> {
    if let Some(from) = order.roll_up(fulfillments) {
        touch(order, w);
        w.tx.update_order(order)?;
        w.emit(
            stream::order(order.id),
            &DomainEvent::OrderStatusChanged { order_id: order.id, from, to: order.status },
        )?;
    }
    Ok(())
}

/// Cancels one open fulfilment order (its units stay reserved).
fn cancel_one(w: &mut Work<'_>, f: &mut FulfillmentOrder, reason: &str) -> Result<()> {
    f.apply(FulfillmentAction::Cancel, w.now)?;
    f.held_from = None;
    f.reason = Some(reason.to_owned());
    w.tx.put_fulfillment(f)?;
    w.emit(
        stream::fulfillment(f.id),
        &DomainEvent::FulfillmentCancelled {
            fulfillment_id: f.id,
            order_id: f.order_id,
            reason: reason.to_owned(),
        },
    )
}

/// Cancels the open fulfilment orders among `fulfillments` that `which`
/// selects (order or line cancellation; their reservations are the
/// caller's to release).
pub(super) fn cancel_open_fulfillments(
    w: &mut Work<'_>,
    fulfillments: &mut [FulfillmentOrder],
    which: impl Fn(&FulfillmentOrder) -> bool,
    reason: &str,
) -> Result<()> {
    for f in fulfillments.iter_mut().filter(|f| f.status.is_open() && which(f)) {
        cancel_one(w, f, reason)?;
    }
    Ok(())
}

/// Checks a pick confirmation against the fulfilment order's lines.
fn check_picked(f: &FulfillmentOrder, picked: &[PickedLine]) -> Result<()> {
    for (i, p) in picked.iter().enumerate() {
        let expected = f.units_of(p.line_id);
        if expected == 0 {
            return Err(Error::validation(
                format!("picked[{i}].line_id"),
                format!("line {} is not in fulfillment order {}", p.line_id, f.id),
            ));
        }
        if picked[..i].iter().any(|q| q.line_id == p.line_id) {
            return Err(Error::validation(
                format!("picked[{i}].line_id"),
                format!("line {} is listed twice", p.line_id),
            ));
        }
        if p.quantity > expected {
            return Err(Error::validation(
                format!("picked[{i}].quantity"),
                format!("{} picked but only {expected} expected", p.quantity),
            ));
        }
    }
    if let Some(line) = f.lines.iter().find(|l| !picked.iter().any(|p| p.line_id == l.line_id)) {
        return Err(Error::validation(
            "picked",
            format!("line {} is missing (list 0 for a line not found)", line.line_id),
        ));
    }
    Ok(())
}

/// Writes off `(line, sku, units)` missing at `location` and re-reserves
/// them elsewhere; returns the new fulfilment orders.
fn reallocate_short(
    w: &mut Work<'_>,
    order: &Order,
    location: &str,
    missing: &[(u32, String, u32)],
) -> Result<Vec<FulfillmentOrder>> {
    let mut book = w.stock_book(missing.iter().map(|(_, sku, _)| sku.as_str()))?;
    let mut held = OrderReservations::load(w, order.id)?;
    let reference = order.id.to_string();
    let mut reserved: Vec<Allocation> = Vec::new();
    let mut unfulfilled = Vec::new();
    for (line_id, sku, units) in missing {
        let units = i64::from(*units);
        // The units are gone from the shelf: on hand and the reservation shrink.
        book.consume(sku, location, units);
        held.shrink(*line_id, location, units, ReservationStatus::Released, w.now)?;
        w.movement(
            MovementKind::Adjustment,
            sku,
            location,
            -units,
            -units,
            Some("short pick"),
            &reference,
        )?;
        w.emit(
            stream::stock(sku, location),
            &DomainEvent::StockAdjusted {
                sku: sku.clone(),
                location: location.to_owned(),
                delta: -units,
                reason: "short pick".to_owned(),
            },
        )?;
        let found = book.reserve_up_to(*line_id, sku, units, location);
        let got: i64 = found.iter().map(|a| a.quantity).sum();
        if got < units {
            unfulfilled.push((*line_id, sku.clone(), (units - got) as u32));
        }
        reserved.extend(found);
    }
    held.add(w, &reserved);
    held.save(w, &book, &[], &reserved, "short pick")?;
    if !reserved.is_empty() {
        w.emit(
            stream::order(order.id),
            &DomainEvent::StockReserved { order_id: order.id, allocations: reserved.clone() },
        )?;
    }
    let mut awaiting = Vec::with_capacity(unfulfilled.len());
    for (line_id, sku, quantity) in unfulfilled {
        w.emit(
            stream::order(order.id),
            &DomainEvent::UnitsUnfulfilled {
                order_id: order.id,
                line_id,
                sku: sku.clone(),
                quantity,
            },
        )?;
        awaiting.push(FulfillmentLine { line_id, sku, quantity });
    }
    let mut by_location: BTreeMap<String, Vec<FulfillmentLine>> = BTreeMap::new();
    for a in reserved {
        let line = fulfillment_line(a.line_id, &a.sku, a.quantity);
        by_location.entry(a.location).or_default().push(line);
    }
    let mut created = by_location
        .into_iter()
        .map(|(location, lines)| {
            create_fulfillment(w, order.id, &location, lines, FulfillmentStatus::Ready)
        })
        .collect::<Result<Vec<_>>>()?;
    if !awaiting.is_empty() {
        created.push(create_fulfillment(
            w,
            order.id,
            location,
            awaiting,
            FulfillmentStatus::Pending,
        )?);
    }
    Ok(created)
}

/// After a cancellation at an inactive location, moves each line's
/// reservation there to active locations when it fits in full.
fn reallocate_from_inactive(
    w: &mut Work<'_>,
    order: &Order,
    f: &FulfillmentOrder,
    reason: &str,
) -> Result<()> {
    let mut book = w.stock_book(f.lines.iter().map(|l| l.sku.as_str()))?;
    if book.is_active(&f.location) {
        return Ok(());
    }
    let mut held = OrderReservations::load(w, order.id)?;
    let (mut released, mut reserved) = (Vec::new(), Vec::new());
    for line in &f.lines {
        let units = i64::from(line.quantity);
        let Ok(found) = book.reserve(line.line_id, &line.sku, units) else { continue };
        book.release(&line.sku, &f.location, units);
        held.shrink(line.line_id, &f.location, units, ReservationStatus::Released, w.now)?;
        released.push(Allocation {
            line_id: line.line_id,
            sku: line.sku.clone(),
            location: f.location.clone(),
            quantity: units,
        });
        reserved.extend(found);
    }
    if released.is_empty() {
        return Ok(());
    }
    held.add(w, &reserved);
    held.save(w, &book, &released, &reserved, reason)?;
    let s = stream::order(order.id);
    w.emit(
        s.clone(),
        &DomainEvent::StockReleased {
            order_id: order.id,
            allocations: released,
            reason: format!("location {} is inactive", f.location),
        },
    )?;
    w.emit(s, &DomainEvent::StockReserved { order_id: order.id, allocations: reserved })
}
