//! The [`Order`] aggregate and its state machine.

use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::draft::{Address, Channel, Customer, Discount, LineDraft, OrderDiscount, OrderDraft};
use super::pricing::price_lines;
use crate::error::{Error, Result};
use crate::fulfillment::{FulfillmentOrder, FulfillmentStatus};
use crate::id::{OrderId, PaymentId};
use crate::money::Currency;

/// Where an order is in its life. From `processing` on, the status rolls up
/// from the order's fulfilment orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderStatus {
    /// Accepted and fully reserved.
    Placed,
    /// Stopped by a hold rule or by hand until released.
    OnHold,
    /// Fulfilment orders exist; nothing has shipped yet.
    Processing,
    /// Some units shipped, some still to ship.
    PartiallyShipped,
    /// Every unit shipped; not all delivered yet.
    Shipped,
    /// Every package delivered.
    Delivered,
    /// Cancelled: nothing of it will ship.
    Cancelled,
}

/// What can be done to an order; the rows of its transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderAction {
    /// Put on hold.
    Hold,
    /// Release all holds.
    ReleaseHold,
    /// Add, remove or change lines.
    Edit,
    /// Cancel some units of some lines.
    CancelLines,
    /// Cancel the whole order.
    Cancel,
    /// Record an authorization or capture.
    RecordPayment,
    /// Create fulfilment orders for reserved units.
    Fulfil,
    /// Roll-up: units shipped (some or all).
    Ship,
    /// Roll-up: every package delivered.
    Deliver,
    /// Roll-up: every open fulfilment order cancelled, nothing shipped.
    CancelFulfillment,
}

impl OrderAction {
    /// The action's name as used in errors (`cancel`, `release_hold`...).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderAction::Hold => "hold",
            OrderAction::ReleaseHold => "release_hold",
            OrderAction::Edit => "edit",
            OrderAction::CancelLines => "cancel_lines",
            OrderAction::Cancel => "cancel",
            OrderAction::RecordPayment => "record_payment",
            OrderAction::Fulfil => "fulfil",
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::CancelFulfillment => "cancel_fulfillment",
        }
    }
}

impl OrderStatus {
    /// The transition table: `(from, action, to)`. An action missing for a
    /// state is an [`Error::InvalidTransition`]. `CancelLines` that cancels
    /// every remaining unit ends in `Cancelled` instead of its listed state.
    /// The rows with `Ship`, `Deliver` and `CancelFulfillment` are roll-ups:
    /// the engine applies them when fulfilment orders change, and an order
    /// takes more than one of them only in this table's order.
    pub const TRANSITIONS: &'static [(OrderStatus, OrderAction, OrderStatus)] = {
        use OrderAction as A;
        use OrderStatus as S;
        &[
            (S::Placed, A::Hold, S::OnHold),
            (S::Placed, A::Edit, S::Placed),
            (S::Placed, A::CancelLines, S::Placed),
            (S::Placed, A::Cancel, S::Cancelled),
            (S::Placed, A::RecordPayment, S::Placed),
            (S::Placed, A::Fulfil, S::Processing),
            (S::OnHold, A::Hold, S::OnHold),
            (S::OnHold, A::ReleaseHold, S::Placed),
            (S::OnHold, A::Edit, S::OnHold),
            (S::OnHold, A::CancelLines, S::OnHold),
            (S::OnHold, A::Cancel, S::Cancelled),
            (S::OnHold, A::RecordPayment, S::OnHold),
            (S::Processing, A::Fulfil, S::Processing),
            (S::Processing, A::CancelLines, S::Processing),
            (S::Processing, A::Cancel, S::Cancelled),
            (S::Processing, A::RecordPayment, S::Processing),
            (S::Processing, A::CancelFulfillment, S::Placed),
            (S::Processing, A::Ship, S::PartiallyShipped),
            (S::Processing, A::Ship, S::Shipped),
            (S::PartiallyShipped, A::Fulfil, S::PartiallyShipped),
            (S::PartiallyShipped, A::CancelLines, S::PartiallyShipped),
            (S::PartiallyShipped, A::RecordPayment, S::PartiallyShipped),
            (S::PartiallyShipped, A::Ship, S::Shipped),
            (S::Shipped, A::RecordPayment, S::Shipped),
            (S::Shipped, A::Deliver, S::Delivered),
            (S::Delivered, A::RecordPayment, S::Delivered),
        ]
    };

    /// The state `action` leads to from this one.
    ///
    /// # Errors
    /// `InvalidTransition` when the table has no such row.
    pub fn after(self, action: OrderAction) -> Result<OrderStatus> {
        Self::TRANSITIONS
            .iter()
            .find(|(from, a, _)| *from == self && *a == action)
            .map(|(_, _, to)| *to)
            .ok_or_else(|| Error::invalid_transition("order", self, action.as_str()))
    }

    /// The state's name as stored (`placed`, `on_hold`, `partially_shipped`...).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Processing => "processing",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far an order is paid. Recorded, never collected: omskit talks to no
/// payment provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentStatus {
    /// Less than the grand total is authorized or captured.
    Unpaid,
    /// Authorized and captured amounts together cover the grand total.
    Authorized,
    /// Captured amounts cover the grand total.
    Paid,
}

impl PaymentStatus {
    /// The name as stored (`unpaid`, `authorized`, `paid`).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "unpaid",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Paid => "paid",
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a recorded payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// Funds reserved on the customer's instrument.
    Authorization,
    /// Funds taken; consumes authorized funds first.
    Capture,
}

impl PaymentKind {
    /// The name as stored (`authorization`, `capture`).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Authorization => "authorization",
            PaymentKind::Capture => "capture",
        }
    }
}

impl fmt::Display for PaymentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payment recorded against an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Id of the record.
    pub id: PaymentId,
    /// Authorization or capture.
    pub kind: PaymentKind,
    /// Amount in the order currency.
    pub amount: Decimal,
    /// The provider's reference, unique per kind within the order.
    pub reference: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A hold on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// The rule that placed it, or `manual`.
    pub rule: String,
    /// Why.
    pub reason: String,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// When it was released, if it was.
    pub released_at: Option<DateTime<Utc>>,
}

/// A line of a placed order, with its computed amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Line id: 1, 2, ... in the order lines were added; never reused.
    pub id: u32,
    /// Stock keeping unit.
    pub sku: String,
    /// Units still ordered (cancelled units excluded).
    pub quantity: u32,
    /// Units cancelled so far.
    pub cancelled_quantity: u32,
    /// Price per unit.
    pub unit_price: Decimal,
    /// The line's own discount.
    pub discount: Option<Discount>,
    /// Tax rate as a fraction.
    pub tax_rate: Decimal,
    /// `unit_price × quantity`, rounded to the minor unit.
    pub gross: Decimal,
    /// The line's own discount, as an amount.
    pub line_discount: Decimal,
    /// This line's share of the order-level discounts.
    pub order_discount: Decimal,
    /// Tax on `gross − line_discount − order_discount`.
    pub tax: Decimal,
    /// `gross − line_discount − order_discount + tax`.
    pub total: Decimal,
}

impl OrderLine {
    /// A new line from a validated draft line; amounts are set by pricing.
    pub(crate) fn from_draft(id: u32, draft: &LineDraft) -> OrderLine {
        OrderLine {
            id,
            sku: draft.sku.clone(),
            // Validation bounds quantity to 1..=1,000,000.
            quantity: u32::try_from(draft.quantity).unwrap_or(u32::MAX),
            cancelled_quantity: 0,
            unit_price: draft.unit_price,
            discount: draft.discount,
            tax_rate: draft.tax_rate,
            gross: Decimal::ZERO,
            line_discount: Decimal::ZERO,
            order_discount: Decimal::ZERO,
            tax: Decimal::ZERO,
            total: Decimal::ZERO,
        }
    }
}

/// The order's amounts, all in its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of line gross amounts.
    pub subtotal: Decimal,
    /// Line discounts plus order-level discounts.
    pub discounts: Decimal,
    /// Sum of line taxes.
    pub tax: Decimal,
    /// Shipping charge (untaxed).
    pub shipping: Decimal,
    /// `subtotal − discounts + tax + shipping`.
    pub grand_total: Decimal,
}

/// One change in an order edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OrderEdit {
    /// Add a line.
    AddLine {
        /// The new line.
        line: LineDraft,
    },
    /// Remove a line and release its reservations.
    RemoveLine {
        /// Line id.
        line_id: u32,
    },
    /// Set a line's quantity; only the difference is reserved or released.
    SetQuantity {
        /// Line id.
        line_id: u32,
        /// The new quantity, 1 to 1,000,000.
        quantity: i64,
    },
}

/// Cancel units of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineCancel {
    /// Line id.
    pub line_id: u32,
    /// Units to cancel; `None` cancels all that remain.
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// An order: what was bought, by whom, for how much, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Order id.
    pub id: OrderId,
    /// Where it came from.
    pub channel: Channel,
    /// The channel's id for it.
    pub external_id: Option<String>,
    /// The key it was placed with.
    pub idempotency_key: Option<String>,
    /// Who ordered.
    pub customer: Customer,
    /// Shipping address.
    pub ship_to: Option<Address>,
    /// Billing address.
    pub bill_to: Option<Address>,
    /// Currency of every amount.
    pub currency: Currency,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// The highest line id ever given in this order (removed lines
    /// included), so ids are never reused.
    pub last_line_id: u32,
    /// Order-level discounts.
    pub discounts: Vec<OrderDiscount>,
    /// Note.
    pub notes: Option<String>,
    /// Amounts.
    pub totals: Totals,
    /// Lifecycle state.
    pub status: OrderStatus,
    /// How far it is paid.
    pub payment_status: PaymentStatus,
    /// Authorized amount not yet captured.
    pub authorized: Decimal,
    /// Captured amount.
    pub captured: Decimal,
    /// Payment records.
    pub payments: Vec<Payment>,
    /// Holds, active and released.
    pub holds: Vec<Hold>,
    /// Why it was cancelled, when it was.
    pub cancel_reason: Option<String>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; guards concurrent updates.
    pub version: u64,
}

impl Order {
    /// A new order from a validated draft: priced, status `placed` (hold
    /// rules and reservations are the engine's part).
    ///
    /// # Errors
    /// `Overflow` when an amount leaves the decimal range.
    pub fn new(id: OrderId, draft: &OrderDraft, now: DateTime<Utc>) -> Result<Order> {
        let lines: Vec<OrderLine> = draft
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| OrderLine::from_draft(i as u32 + 1, l))
            .collect();
        let mut order = Order {
            id,
            channel: draft.channel.clone(),
            external_id: draft.external_id.clone(),
            idempotency_key: draft.idempotency_key.clone(),
            customer: draft.customer.clone(),
            ship_to: draft.ship_to.clone(),
            bill_to: draft.bill_to.clone(),
            currency: draft.currency,
            last_line_id: lines.len() as u32,
            lines,
            discounts: draft.discounts.clone(),
            notes: draft.notes.clone(),
            totals: Totals { shipping: draft.shipping, ..Totals::default() },
            status: OrderStatus::Placed,
            payment_status: PaymentStatus::Unpaid,
            authorized: Decimal::ZERO,
            captured: Decimal::ZERO,
            payments: Vec::new(),
            holds: Vec::new(),
            cancel_reason: None,
            placed_at: now,
            updated_at: now,
            version: 1,
        };
        order.reprice()?;
        Ok(order)
    }

    /// Recomputes line amounts, totals and payment status after lines changed.
    ///
    /// # Errors
    /// `Overflow` when an amount leaves the decimal range.
    pub fn reprice(&mut self) -> Result<()> {
        self.totals =
            price_lines(&mut self.lines, &self.discounts, self.totals.shipping, self.currency)?;
        self.refresh_payment_status();
        Ok(())
    }

    /// The line with this id.
    ///
    /// # Errors
    /// `NotFound` for an unknown line.
    pub fn line(&self, line_id: u32) -> Result<&OrderLine> {
        self.lines
            .iter()
            .find(|l| l.id == line_id)
            .ok_or_else(|| Error::not_found("order line", format!("{}#{line_id}", self.id)))
    }

    pub(crate) fn line_index(&self, line_id: u32) -> Result<usize> {
        self.lines
            .iter()
            .position(|l| l.id == line_id)
            .ok_or_else(|| Error::not_found("order line", format!("{}#{line_id}", self.id)))
    }

    /// Holds not yet released.
    pub fn active_holds(&self) -> impl Iterator<Item = &Hold> {
        self.holds.iter().filter(|h| h.released_at.is_none())
    }

    /// Units still ordered over all lines.
    pub fn open_units(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.quantity)).sum()
    }

    /// Recomputes the payment status from the amounts and the grand total.
    /// A live order with nothing to pay counts as paid; a cancelled order is
    /// paid only as far as money was actually captured.
    pub(crate) fn refresh_payment_status(&mut self) {
        let total = self.totals.grand_total;
        let nothing_due = total.is_zero() && self.status != OrderStatus::Cancelled;
        self.payment_status = if nothing_due || !self.captured.is_zero() && self.captured >= total {
            PaymentStatus::Paid
        } else if !(self.captured + self.authorized).is_zero()
            && self.captured + self.authorized >= total
        {
            PaymentStatus::Authorized
        } else {
            PaymentStatus::Unpaid
        };
    }

    /// Cancels every remaining unit's charge: the order no longer ships, so
    /// its shipping charge goes too. Call after the lines are lowered.
    pub(crate) fn drop_charges_of_cancelled(&mut self) -> Result<()> {
        self.status = OrderStatus::Cancelled;
        self.totals.shipping = Decimal::ZERO;
        self.reprice()
    }

    /// Rolls the status up from the order's fulfilment orders (all of
    /// them, cancelled ones included); returns the previous status when it
    /// changed. Held and cancelled orders keep their status.
    pub(crate) fn roll_up(&mut self, fulfillments: &[FulfillmentOrder]) -> Option<OrderStatus> {
        if matches!(self.status, OrderStatus::OnHold | OrderStatus::Cancelled) {
            return None;
        }
        let ordered = self.open_units();
        let shipped: u64 = fulfillments
            .iter()
            .filter(|f| f.status.has_shipped())
            .map(FulfillmentOrder::units)
            .sum();
        let all_delivered = fulfillments
            .iter()
            .filter(|f| f.status.has_shipped())
            .all(|f| f.status == FulfillmentStatus::Delivered);
        let status = if shipped == 0 {
            if fulfillments.iter().any(|f| f.status.is_open()) {
                OrderStatus::Processing
            } else {
                OrderStatus::Placed
            }
        } else if shipped < ordered {
            OrderStatus::PartiallyShipped
        } else if all_delivered {
            OrderStatus::Delivered
        } else {
            OrderStatus::Shipped
        };
        (status != self.status).then(|| std::mem::replace(&mut self.status, status))
    }
}
