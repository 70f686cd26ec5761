//! Orders: placement with atomic reservation, edits, holds, cancellation, payments.

use std::cmp::Reverse;

use chrono::{DateTime, Utc};

use rust_decimal::Decimal;

use super::fulfillment::cancel_open_fulfillments;
use super::{Oms, Work};
use crate::error::{Error, Result};
use crate::events::{stream, DomainEvent, PlacedLine};
use crate::fulfillment::{shipped_units, FulfillmentOrder};
use crate::id::OrderId;
use crate::inventory::{Allocation, MovementKind, Reservation, ReservationStatus, StockBook};
use crate::money::Currency;
use crate::order::Payment;
use crate::order::{
    check_amount, check_id, check_text, Hold, LineCancel, Order, OrderAction, OrderDraft,
    OrderEdit, OrderLine, OrderStatus, PaymentKind, MAX_LINES, MAX_LINE_QUANTITY,
};
use crate::store::Store;

impl<S: Store> Oms<S> {
    /// Places an order: validates the draft, prices it, reserves every line
    /// (by location priority, splitting a line across locations when one is
    /// short) and applies the hold rules, all in one transaction.
    ///
    /// Placing again with the same idempotency key and the same content
    /// (amounts compared by value: `10.0` equals `10.00`) changes nothing
    /// and returns the order that key placed, as it is now.
    ///
    /// # Errors
    /// - `Validation` naming the first bad field (`lines[2].quantity`);
    /// - `Conflict` when the idempotency key was used with different content
    ///   (naming the first differing field) or the external id is taken in the channel;
    /// - `InsufficientStock` for the first short line, listing every short
    ///   line; nothing is reserved.
    pub fn place_order(&self, draft: &OrderDraft) -> Result<Order> {
        draft.validate()?;
        self.write(|w| self.place_in(w, draft))
    }

    /// Places many orders in one transaction, returning a result per draft.
    /// An order that fails leaves nothing behind and does not stop the others.
    ///
    /// # Errors
    /// `Storage` when the transaction itself fails (then no order is placed).
    pub fn place_orders(&self, drafts: &[OrderDraft]) -> Result<Vec<Result<Order>>> {
        let validated: Vec<Result<()>> = drafts.iter().map(OrderDraft::validate).collect();
        self.write(|w| {
            // One book for the whole batch: every SKU locked at once, in
            // (sku, location) order, and each stock row written once at the
            // end rather than once per order.
            let skus = drafts
                .iter()
                .zip(&validated)
                .filter(|(_, valid)| valid.is_ok())
                .flat_map(|(draft, _)| draft.lines.iter().map(|l| l.sku.as_str()));
            let mut book = w.stock_book(skus)?;
            let mut results = Vec::with_capacity(drafts.len());
            for (draft, valid) in drafts.iter().zip(&validated) {
                results.push(match valid {
                    // A refused order was refused before it wrote anything;
                    // an error while writing fails the whole batch.
                    Ok(()) => match self.decide_placement(w, draft, &mut book) {
                        Ok(placement) => Ok(self.record_placement(w, placement, draft, None)?),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e.clone()),
                });
            }
            for level in book.changed() {
                w.tx.put_stock_level(level)?;
            }
            Ok(results)
        })
    }

    fn place_in(&self, w: &mut Work<'_>, draft: &OrderDraft) -> Result<Order> {
        let mut book = w.stock_book(draft.lines.iter().map(|l| l.sku.as_str()))?;
        let placement = self.decide_placement(w, draft, &mut book)?;
        self.record_placement(w, placement, draft, Some(&book))
    }

    /// Everything placement decides before it writes: the idempotent replay
    /// or conflict, the priced order with its holds, and its reservations
    /// (made in `book`, which is left unchanged when the order is refused).
    fn decide_placement(
        &self,
        w: &mut Work<'_>,
        draft: &OrderDraft,
        book: &mut StockBook,
    ) -> Result<Placement> {
        if let Some(key) = &draft.idempotency_key {
            if let Some((id, first)) = w.tx.order_by_idempotency_key(key)? {
                if let Some(field) = first.first_difference(draft) {
                    return Err(Error::conflict(
                        Some(&field),
                        format!("idempotency key {key:?} was used for a different order (first difference: {field})"),
                    ));
                }
                let order = w.tx.order(id)?.ok_or_else(|| Error::not_found("order", id))?;
                return Ok(Placement::Replay(order));
            }
        }
        if let Some(external_id) = &draft.external_id {
            if w.tx.order_by_external_id(&draft.channel, external_id)?.is_some() {
                return Err(Error::conflict(
                    Some("external_id"),
                    format!("channel {} already has an order {external_id:?}", draft.channel),
                ));
            }
        }

        let mut order = Order::new(w.id(), draft, w.now)?;
        for (rule, reason) in self.hold_rules().matches(&order) {
            order.holds.push(Hold { rule, reason, placed_at: w.now, released_at: None });
            order.status = OrderStatus::OnHold;
        }

        let mut allocations = Vec::new();
        let mut shortages = Vec::new();
        for line in &order.lines {
            match book.reserve(line.id, &line.sku, i64::from(line.quantity)) {
                Ok(found) => allocations.extend(found),
                Err(shortage) => shortages.push(shortage),
            }
        }
        if !shortages.is_empty() {
            // Atomic: give back what the lines before the short one took.
            for a in &allocations {
                book.release(&a.sku, &a.location, a.quantity);
            }
            return Err(Error::insufficient_stock(shortages));
        }
        Ok(Placement::New(order, allocations))
    }

    /// Writes a decided placement: the order, its reservations, the ledger
    /// and the events; the stock levels too when `book` is given (bulk
    /// placement writes them once for the whole batch).
    fn record_placement(
        &self,
        w: &mut Work<'_>,
        placement: Placement,
        draft: &OrderDraft,
        book: Option<&StockBook>,
    ) -> Result<Order> {
        let (order, allocations) = match placement {
            Placement::Replay(order) => return Ok(order),
            Placement::New(order, allocations) => (order, allocations),
        };
        w.tx.insert_order(&order, draft)?;
        let mut held = OrderReservations::none(order.id);
        held.add(w, &allocations);
        held.save_rows(w, &[], &allocations, "")?;
        if let Some(book) = book {
            for level in book.changed() {
                w.tx.put_stock_level(level)?;
            }
        }
        let order_stream = stream::order(order.id);
        w.new_stream(&order_stream);
        w.emit(
            order_stream.clone(),
            &DomainEvent::OrderPlaced {
                order_id: order.id,
                channel: order.channel.to_string(),
                external_id: order.external_id.clone(),
                customer_id: order.customer.id.clone(),
                currency: order.currency.to_string(),
                lines: order
                    .lines
                    .iter()
                    .map(|l| PlacedLine {
                        line_id: l.id,
                        sku: l.sku.clone(),
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                    })
                    .collect(),
                grand_total: order.totals.grand_total,
            },
        )?;
        w.emit(
            order_stream.clone(),
            &DomainEvent::StockReserved { order_id: order.id, allocations },
        )?;
        for hold in &order.holds {
            w.emit(
                order_stream.clone(),
                &DomainEvent::OrderHeld {
                    order_id: order.id,
                    rule: hold.rule.clone(),
                    reason: hold.reason.clone(),
                },
            )?;
        }
        Ok(order)
    }

    /// The order with this id.
    ///
    /// # Errors
    /// `NotFound` for an unknown id.
    pub fn order(&self, id: OrderId) -> Result<Order> {
        self.read(|tx| tx.order(id)?.ok_or_else(|| Error::not_found("order", id)))
    }

    /// Up to `limit` orders with an id above `after` (from the first when
    /// `None`), in id order, which is placement order for UUIDv7 ids.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn orders(&self, after: Option<OrderId>, limit: usize) -> Result<Vec<Order>> {
        self.read(|tx| tx.orders(after, limit))
    }

    /// Every reservation of an order (active and released), oldest first.
    ///
    /// # Errors
    /// `NotFound` for an unknown order.
    pub fn reservations(&self, id: OrderId) -> Result<Vec<Reservation>> {
        self.read(|tx| {
            tx.order(id)?.ok_or_else(|| Error::not_found("order", id))?;
            tx.reservations_for_order(id)
        })
    }

    /// Edits an order before fulfilment: adds lines, removes lines, changes
    /// quantities. Totals are recomputed and stock re-reserved in the same
    /// step: a raised quantity reserves only the extra units, a lowered one
    /// releases from the least preferred location first. If stock is short,
    /// nothing changes. Hold rules run again on the edited order.
    ///
    /// # Errors
    /// `NotFound` (order or line), `InvalidTransition` (cancelled order),
    /// `Validation` (`edits[1].quantity`...), `InsufficientStock`.
    pub fn edit_order(&self, id: OrderId, edits: &[OrderEdit]) -> Result<Order> {
        if edits.is_empty() {
            return Err(Error::validation("edits", "no edits given"));
        }
        // What can be checked without the order is checked before it is loaded.
        for (i, edit) in edits.iter().enumerate() {
            check_edit(edit, None).map_err(|e| e.in_field(&format!("edits[{i}]")))?;
        }
        self.write(|w| {
            let mut order = load_order(w, id)?;
            order.status.after(OrderAction::Edit)?;
            let before = order.lines.clone();
            for (i, edit) in edits.iter().enumerate() {
                apply_edit(&mut order, edit).map_err(|e| e.in_field(&format!("edits[{i}]")))?;
            }
            if order.lines.is_empty() {
                return Err(Error::validation(
                    "edits",
                    "an order needs at least one line; cancel it instead",
                ));
            }
            if order.lines.len() > MAX_LINES {
                return Err(Error::validation(
                    "edits",
                    format!("an order has at most {MAX_LINES} lines"),
                ));
            }

            let mut book =
                w.stock_book(before.iter().chain(&order.lines).map(|l| l.sku.as_str()))?;
            let mut held = OrderReservations::load(w, id)?;

            // Release first, so units freed by one line can serve another.
            let mut released = Vec::new();
            for old in &before {
                let new_quantity =
                    order.lines.iter().find(|l| l.id == old.id).map_or(0, |l| l.quantity);
                if new_quantity < old.quantity {
                    // Units a short pick left unreserved go first: nothing to release.
                    // (Edits come before fulfilment, so no unit of the line has shipped.)
                    let unreserved = i64::from(old.quantity) - held.reserved_units(old.id);
                    let units = i64::from(old.quantity - new_quantity) - unreserved.max(0);
                    if units > 0 {
                        released.extend(held.release_line(&mut book, old.id, units, w.now));
                    }
                }
            }
            let mut reserved = Vec::new();
            let mut shortages = Vec::new();
            for line in &order.lines {
                let old_quantity =
                    before.iter().find(|l| l.id == line.id).map_or(0, |l| l.quantity);
                if line.quantity > old_quantity {
                    let extra = i64::from(line.quantity - old_quantity);
                    match book.reserve(line.id, &line.sku, extra) {
                        Ok(found) => reserved.extend(found),
                        Err(shortage) => shortages.push(shortage),
                    }
                }
            }
            if !shortages.is_empty() {
                return Err(Error::insufficient_stock(shortages));
            }

            order.reprice()?;
            let new_holds = apply_hold_rules(&self.hold_rules(), &mut order, w);
            touch(&mut order, w);
            w.tx.update_order(&order)?;
            held.add(w, &reserved);
            held.save(w, &book, &released, &reserved, "order edited")?;
            let s = stream::order(id);
            w.emit(
                s.clone(),
                &DomainEvent::OrderEdited {
                    order_id: id,
                    edits: edits.to_vec(),
                    grand_total: order.totals.grand_total,
                },
            )?;
            if !released.is_empty() {
                w.emit(
                    s.clone(),
                    &DomainEvent::StockReleased {
                        order_id: id,
                        allocations: released,
                        reason: "order edited".into(),
                    },
                )?;
            }
            if !reserved.is_empty() {
                w.emit(
                    s.clone(),
                    &DomainEvent::StockReserved { order_id: id, allocations: reserved },
                )?;
            }
            for hold in new_holds {
                w.emit(
                    s.clone(),
                    &DomainEvent::OrderHeld { order_id: id, rule: hold.rule, reason: hold.reason },
                )?;
            }
            Ok(order)
        })
    }

    /// Puts an order on hold by hand.
    ///
    /// # Errors
    /// `Validation` for an empty reason; `NotFound`; `InvalidTransition` for a cancelled order.
    pub fn hold_order(&self, id: OrderId, reason: &str) -> Result<Order> {
        check_text("reason", reason, 1)?;
        self.write(|w| {
            let mut order = load_order(w, id)?;
            order.status = order.status.after(OrderAction::Hold)?;
            order.holds.push(Hold {
                rule: "manual".into(),
                reason: reason.to_owned(),
                placed_at: w.now,
                released_at: None,
            });
            touch(&mut order, w);
            w.tx.update_order(&order)?;
            w.emit(
                stream::order(id),
                &DomainEvent::OrderHeld {
                    order_id: id,
                    rule: "manual".into(),
                    reason: reason.to_owned(),
                },
            )?;
            Ok(order)
        })
    }

    /// Releases every active hold of an order.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` when the order is not on hold.
    pub fn release_hold(&self, id: OrderId) -> Result<Order> {
        self.write(|w| {
            let mut order = load_order(w, id)?;
            order.status = order.status.after(OrderAction::ReleaseHold)?;
            for hold in order.holds.iter_mut().filter(|h| h.released_at.is_none()) {
                hold.released_at = Some(w.now);
            }
            touch(&mut order, w);
            w.tx.update_order(&order)?;
            w.emit(stream::order(id), &DomainEvent::OrderHoldReleased { order_id: id })?;
            Ok(order)
        })
    }

    /// Cancels the whole order and releases its reservations.
    ///
    /// # Errors
    /// `Validation` for an empty reason; `NotFound`; `InvalidTransition`
    /// when it is already cancelled.
    pub fn cancel_order(&self, id: OrderId, reason: &str) -> Result<Order> {
        check_text("reason", reason, 1)?;
        self.write(|w| {
            let mut order = load_order(w, id)?;
            order.status.after(OrderAction::Cancel)?;
            let mut fulfillments = w.tx.fulfillments_for_order(id)?;
            cancel_open_fulfillments(w, &mut fulfillments, |_| true, reason)?;
            let cancels: Vec<(u32, u32)> = order.lines.iter().map(|l| (l.id, l.quantity)).collect();
            cancel_units(w, &mut order, &fulfillments, &cancels, reason)?;
            order.drop_charges_of_cancelled()?;
            order.cancel_reason = Some(reason.to_owned());
            touch(&mut order, w);
            w.tx.update_order(&order)?;
            w.emit(
                stream::order(id),
                &DomainEvent::OrderCancelled { order_id: id, reason: reason.to_owned() },
            )?;
            Ok(order)
        })
    }

    /// Cancels units of some lines (all remaining units of a line when its
    /// quantity is `None`) and releases their reservations, least preferred
    /// location first. Cancelling every remaining unit cancels the order.
    ///
    /// # Errors
    /// `Validation` (`lines[0].quantity`, duplicate lines, empty reason);
    /// `NotFound` (order or line); `InvalidTransition` for a cancelled order.
    pub fn cancel_lines(&self, id: OrderId, lines: &[LineCancel], reason: &str) -> Result<Order> {
        check_text("reason", reason, 1)?;
        if lines.is_empty() {
            return Err(Error::validation("lines", "no lines given"));
        }
        for (i, cancel) in lines.iter().enumerate() {
            if cancel.quantity.is_some_and(|q| q < 1) {
                return Err(Error::validation(
                    format!("lines[{i}].quantity"),
                    "must be at least 1",
                ));
            }
        }
        self.write(|w| {
            let mut order = load_order(w, id)?;
            order.status.after(OrderAction::CancelLines)?;
            let mut fulfillments = w.tx.fulfillments_for_order(id)?;
            let mut cancels = Vec::with_capacity(lines.len());
            for (i, cancel) in lines.iter().enumerate() {
                let field = format!("lines[{i}]");
                let line = order.line(cancel.line_id).map_err(|e| e.in_field(&field))?;
                if cancels.iter().any(|(id, _)| *id == cancel.line_id) {
                    return Err(Error::validation(format!("{field}.line_id"), "line listed twice"));
                }
                // Shipped units come back only through a return.
                let left = line.quantity - shipped_units(&fulfillments, line.id);
                let units = match cancel.quantity {
                    None => left,
                    Some(q) if q >= 1 && q <= i64::from(left) => q as u32,
                    Some(q) => {
                        return Err(Error::validation(
                            format!("{field}.quantity"),
                            format!("must be 1 to {left} (the units not shipped), got {q}"),
                        ))
                    }
                };
                if units == 0 {
                    return Err(Error::validation(
                        format!("{field}.line_id"),
                        "line has no unshipped units left to cancel",
                    ));
                }
                cancels.push((cancel.line_id, units));
            }
            let cancelled_lines: Vec<u32> = cancels.iter().map(|(id, _)| *id).collect();
            cancel_open_fulfillments(
                w,
                &mut fulfillments,
                |f| cancelled_lines.iter().any(|l| f.units_of(*l) > 0),
                reason,
            )?;
            cancel_units(w, &mut order, &fulfillments, &cancels, reason)?;
            let all_gone = order.open_units() == 0;
            if all_gone {
                order.status.after(OrderAction::Cancel)?;
                order.drop_charges_of_cancelled()?;
                order.cancel_reason = Some(reason.to_owned());
            }
            touch(&mut order, w);
            let rolled_from = order.roll_up(&fulfillments);
            w.tx.update_order(&order)?;
            let s = stream::order(id);
            w.emit(
                s.clone(),
                &DomainEvent::OrderLinesCancelled {
                    order_id: id,
                    lines: cancels,
                    reason: reason.to_owned(),
                    grand_total: order.totals.grand_total,
                },
            )?;
            if all_gone {
                w.emit(
                    s,
                    &DomainEvent::OrderCancelled { order_id: id, reason: reason.to_owned() },
                )?;
            } else if let Some(from) = rolled_from {
                w.emit(
                    s,
                    &DomainEvent::OrderStatusChanged { order_id: id, from, to: order.status },
                )?;
            }
            Ok(order)
        })
    }

    /// Records a payment taken by the application's payment provider.
    /// Recording the same (kind, reference, amount) again changes nothing.
    ///
    /// # Errors
    /// `Validation` (amount not positive, finer than the currency's minor
    /// unit, or more than is outstanding; bad reference); `NotFound`;
    /// `InvalidTransition` for a cancelled order; `Conflict` (field
    /// `reference`) when the reference was recorded with another amount.
    pub fn record_payment(
        &self,
        id: OrderId,
        kind: PaymentKind,
        amount: Decimal,
        reference: &str,
    ) -> Result<Order> {
        check_id("reference", reference)?;
        if amount <= Decimal::ZERO {
            return Err(Error::validation("amount", "must be positive"));
        }
        self.write(|w| {
            let mut order = load_order(w, id)?;
            check_amount("amount", amount, order.currency)?;
            order.status.after(OrderAction::RecordPayment)?;
            if let Some(existing) =
                order.payments.iter().find(|p| p.kind == kind && p.reference == reference)
            {
                if existing.amount == amount {
                    return Ok(order);
                }
                return Err(Error::conflict(
                    Some("reference"),
                    format!("payment {reference:?} was recorded with amount {}", existing.amount),
                ));
            }
            let total = order.totals.grand_total;
            let outstanding = match kind {
                PaymentKind::Authorization => total - order.captured - order.authorized,
                PaymentKind::Capture => total - order.captured,
            };
            if amount > outstanding {
                return Err(Error::validation(
                    "amount",
                    format!("{amount} exceeds the {} outstanding", outstanding.max(Decimal::ZERO)),
                ));
            }
            match kind {
                PaymentKind::Authorization => order.authorized += amount,
                PaymentKind::Capture => {
                    order.captured += amount;
                    order.authorized = (order.authorized - amount).max(Decimal::ZERO);
                }
            }
            order.payments.push(Payment {
                id: w.id(),
                kind,
                amount,
                reference: reference.to_owned(),
                recorded_at: w.now,
            });
            order.refresh_payment_status();
            touch(&mut order, w);
            w.tx.update_order(&order)?;
            w.emit(
                stream::order(id),
                &DomainEvent::PaymentRecorded {
                    order_id: id,
                    kind,
                    amount,
                    reference: reference.to_owned(),
                },
            )?;
            Ok(order)
        })
    }
}

pub(super) fn load_order(w: &mut Work<'_>, id: OrderId) -> Result<Order> {
    w.tx.order(id)?.ok_or_else(|| Error::not_found("order", id))
}

pub(super) fn touch(order: &mut Order, w: &Work<'_>) {
    order.updated_at = w.now;
    order.version += 1;
}

/// Adds the holds of rules that match and are not already holding the order.
fn apply_hold_rules(rules: &crate::order::HoldRules, order: &mut Order, w: &Work<'_>) -> Vec<Hold> {
    let mut added = Vec::new();
    for (rule, reason) in rules.matches(order) {
        if order.active_holds().any(|h| h.rule == rule) {
            continue;
        }
        let hold = Hold { rule, reason, placed_at: w.now, released_at: None };
        order.holds.push(hold.clone());
        order.status = OrderStatus::OnHold;
        added.push(hold);
    }
    added
}

/// Checks an edit's own fields (with the order's currency once it is known).
fn check_edit(edit: &OrderEdit, currency: Option<Currency>) -> Result<()> {
    match edit {
        OrderEdit::AddLine { line } => line.validate(currency).map_err(|e| e.in_field("line")),
        OrderEdit::RemoveLine { .. } => Ok(()),
        OrderEdit::SetQuantity { quantity, .. } => {
            if (1..=MAX_LINE_QUANTITY).contains(quantity) {
                Ok(())
            } else {
                Err(Error::validation(
                    "quantity",
                    format!("must be 1 to {MAX_LINE_QUANTITY}, got {quantity} (remove the line instead of setting 0)"),
                ))
            }
        }
    }
}

fn apply_edit(order: &mut Order, edit: &OrderEdit) -> Result<()> {
    check_edit(edit, Some(order.currency))?;
    match edit {
        OrderEdit::AddLine { line } => {
            order.last_line_id += 1;
            order.lines.push(OrderLine::from_draft(order.last_line_id, line));
        }
        OrderEdit::RemoveLine { line_id } => {
            let index = order.line_index(*line_id)?;
            order.lines.remove(index);
        }
        OrderEdit::SetQuantity { line_id, quantity } => {
            let index = order.line_index(*line_id)?;
            order.lines[index].quantity = *quantity as u32;
        }
    }
    Ok(())
}

/// What placement decided, before anything is written.
enum Placement {
    /// The idempotency key placed this order already: return it as it is.
    Replay(Order),
    /// A new order and the reservations made for it.
    New(Order, Vec<Allocation>),
}

/// An order's reservations as loaded in one transaction, and which of them changed.
pub(super) struct OrderReservations {
    order_id: OrderId,
    pub(super) list: Vec<Reservation>,
    dirty: Vec<bool>,
}

impl OrderReservations {
    pub(super) fn load(w: &mut Work<'_>, order_id: OrderId) -> Result<OrderReservations> {
        let list = w.tx.reservations_for_order(order_id)?;
        let dirty = vec![false; list.len()];
        Ok(OrderReservations { order_id, list, dirty })
    }

    fn none(order_id: OrderId) -> OrderReservations {
        OrderReservations { order_id, list: Vec::new(), dirty: Vec::new() }
    }

    /// Releases `units` of a line, least preferred location first (so the
    /// order keeps as few shipments as possible).
    pub(super) fn release_line(
        &mut self,
        book: &mut StockBook,
        line_id: u32,
        mut units: i64,
        now: DateTime<Utc>,
    ) -> Vec<Allocation> {
        let mut held: Vec<usize> = (0..self.list.len())
            .filter(|&i| {
                self.list[i].line_id == line_id && self.list[i].status == ReservationStatus::Active
            })
            .collect();
        held.sort_by_key(|&i| {
            Reverse((book.priority(&self.list[i].location), self.list[i].location.clone()))
        });
        let mut released = Vec::new();
        for i in held {
            if units == 0 {
                break;
            }
            let r = &mut self.list[i];
            let take = r.quantity.min(units);
            r.quantity -= take;
            if r.quantity == 0 {
                r.status = ReservationStatus::Released;
            }
            r.updated_at = now;
            self.dirty[i] = true;
            units -= take;
            book.release(&r.sku, &r.location, take);
            released.push(Allocation {
                line_id,
                sku: r.sku.clone(),
                location: r.location.clone(),
                quantity: take,
            });
        }
        released
    }

    /// Units of a line held by its active reservations, over all locations.
    pub(super) fn reserved_units(&self, line_id: u32) -> i64 {
        self.list
            .iter()
            .filter(|r| r.line_id == line_id && r.status == ReservationStatus::Active)
            .map(|r| r.quantity)
            .sum()
    }

    /// Takes `units` off the line's active reservation at `location` (the
    /// caller moves the stock); a reservation left empty ends as `emptied`
    /// (released, or committed when its units shipped).
    ///
    /// # Errors
    /// `Storage` when the line holds nothing there: the store is inconsistent.
    pub(super) fn shrink(
        &mut self,
        line_id: u32,
        location: &str,
        units: i64,
        emptied: ReservationStatus,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let found = self.list.iter().position(|r| {
            r.line_id == line_id && r.location == location && r.status == ReservationStatus::Active
        });
        let Some(i) = found else {
            return Err(Error::storage(format!(
                "order {} line {line_id} holds no reservation at {location}",
                self.order_id
            )));
        };
        let r = &mut self.list[i];
        r.quantity = (r.quantity - units).max(0);
        if r.quantity == 0 {
            r.status = emptied;
        }
        r.updated_at = now;
        self.dirty[i] = true;
        Ok(())
    }

    /// Records allocations the book made: grows the line's active
    /// reservation at that location, or creates one.
    pub(super) fn add(&mut self, w: &Work<'_>, allocations: &[Allocation]) {
        for a in allocations {
            let existing = self.list.iter().position(|r| {
                r.line_id == a.line_id
                    && r.location == a.location
                    && r.status == ReservationStatus::Active
            });
            let i = match existing {
                Some(i) => {
                    self.list[i].quantity += a.quantity;
                    self.list[i].updated_at = w.now;
                    i
                }
                None => {
                    self.list.push(Reservation {
                        id: w.id(),
                        order_id: self.order_id,
                        line_id: a.line_id,
                        sku: a.sku.clone(),
                        location: a.location.clone(),
                        quantity: a.quantity,
                        status: ReservationStatus::Active,
                        created_at: w.now,
                        updated_at: w.now,
                    });
                    self.dirty.push(true);
                    self.list.len() - 1
                }
            };
            self.dirty[i] = true;
        }
    }

    /// Writes the changed reservations and stock levels, and a ledger entry
    /// per released and reserved allocation.
    pub(super) fn save(
        &self,
        w: &mut Work<'_>,
        book: &StockBook,
        released: &[Allocation],
        reserved: &[Allocation],
        reason: &str,
    ) -> Result<()> {
        for level in book.changed() {
            w.tx.put_stock_level(level)?;
        }
        self.save_rows(w, released, reserved, reason)
    }

    /// Writes the changed reservations and a ledger entry per released and
    /// reserved allocation (the stock levels are the caller's).
    pub(super) fn save_rows(
        &self,
        w: &mut Work<'_>,
        released: &[Allocation],
        reserved: &[Allocation],
        reason: &str,
    ) -> Result<()> {
        for (r, _) in self.list.iter().zip(&self.dirty).filter(|(_, dirty)| **dirty) {
            w.tx.put_reservation(r)?;
        }
        let reference = self.order_id.to_string();
        for a in released {
            w.movement(
                MovementKind::Release,
                &a.sku,
                &a.location,
                0,
                -a.quantity,
                Some(reason),
                &reference,
            )?;
        }
        for a in reserved {
            w.movement(
                MovementKind::Reservation,
                &a.sku,
                &a.location,
                0,
                a.quantity,
                None,
                &reference,
            )?;
        }
        Ok(())
    }
}

/// Cancels `(line id, units)` of an order: releases their reservations,
/// lowers the lines and reprices. Writes stock, reservations and the ledger,
/// and emits `StockReleased`; the caller saves the order.
fn cancel_units(
    w: &mut Work<'_>,
    order: &mut Order,
    fulfillments: &[FulfillmentOrder],
    cancels: &[(u32, u32)],
    reason: &str,
) -> Result<()> {
    let mut book = w.stock_book(order.lines.iter().map(|l| l.sku.as_str()))?;
    let mut held = OrderReservations::load(w, order.id)?;
    let mut released = Vec::new();
    for &(line_id, units) in cancels {
        // Units a short pick left unreserved are cancelled first: nothing to release.
        let reserved = held.reserved_units(line_id);
        let line = order.line(line_id)?;
        let shipped = i64::from(shipped_units(fulfillments, line_id));
        let unreserved = (i64::from(line.quantity) - shipped - reserved).max(0);
        let to_release = (i64::from(units) - unreserved).max(0);
        released.extend(held.release_line(&mut book, line_id, to_release, w.now));
        let index = order.line_index(line_id)?;
        let line = &mut order.lines[index];
        line.quantity -= units;
        line.cancelled_quantity += units;
    }
    order.reprice()?;
    held.save(w, &book, &released, &[], reason)?;
    if !released.is_empty() {
        w.emit(
            stream::order(order.id),
            &DomainEvent::StockReleased {
                order_id: order.id,
                allocations: released,
                reason: reason.to_owned(),
            },
        )?;
    }
    Ok(())
}
