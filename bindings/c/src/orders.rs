//! Orders: placement from JSON drafts, reading back, and every transition.

use std::ffi::c_char;

use omskit::{Decimal, LineCancel, Order, OrderDraft, OrderEdit, PaymentKind as CorePaymentKind};
use serde::Serialize;
use serde_json::Value;

use crate::boundary::{
    after_id, from_json, guard, opt_out_string, opt_text, order_id, out_string, put_json, text,
    to_json,
};
use crate::handle::{handle, Oms};
use crate::status::{Failure, Status};

/// Authorization or capture, for `omskit_record_payment`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    /// Funds reserved on the customer's instrument.
    Authorization = 0,
    /// Funds taken; consumes authorized funds first.
    Capture = 1,
}

/// Places an order from a JSON draft: validates it, prices it, reserves
/// every line (by location priority, splitting a line across locations when
/// one is short) and applies the hold rules, all in one transaction.
///
/// The draft has the same shape as the Rust `OrderDraft` in serde form.
/// Amounts and rates are decimal strings, never floating-point numbers;
/// only `channel`, `customer` (`id`, `name`), `currency` and `lines` (each
/// with `sku`, `quantity`, `unit_price`) are required:
///
/// ```json
/// {
///   "channel": "web",
///   "external_id": "web-1001",
///   "idempotency_key": "cart-5f2c",
///   "customer": {"id": "c-42", "name": "Ada Lovelace",
///                "email": "ada@example.com", "phone": "+1 555 0100"},
///   "ship_to": {"name": "Ada Lovelace", "line1": "12 Analytical Row",
///               "line2": null, "city": "Springfield", "region": "IL",
///               "postal_code": "62701", "country": "US"},
///   "bill_to": null,
///   "currency": "USD",
///   "lines": [
///     {"sku": "MUG", "quantity": 2, "unit_price": "12.50",
///      "tax_rate": "0.0825", "discount": {"percent": "10"}},
///     {"sku": "TEE", "quantity": 1, "unit_price": "19.99",
///      "discount": {"amount": "2.00"}}
///   ],
///   "discounts": [{"code": "WELCOME", "value": {"amount": "5.00"}}],
///   "shipping": "4.95",
///   "notes": "leave at the door"
/// }
/// ```
///
/// `channel` is `web`, `mobile`, `phone`, `pos`, `marketplace`, `api` or
/// another lowercase name; `currency` an ISO 4217 code; `country` an ISO
/// 3166-1 alpha-2 code; `tax_rate` a fraction (0.0825 for 8.25 %).
///
/// Placing again with the same `idempotency_key` and the same content
/// returns the order that key placed and changes nothing.
///
/// On success `*out_order_json` (when `out_order_json` is not NULL) receives
/// the order as JSON: `id`, `status` (`placed`, `on_hold`, `processing`,
/// `partially_shipped`, `shipped`, `delivered`, `cancelled`; the last four
/// follow its fulfilment orders, see `omskit_fulfil`),
/// `payment_status`, `lines` (each with its `id`, `quantity`,
/// `cancelled_quantity` and amounts), `totals` (`subtotal`, `discounts`,
/// `tax`, `shipping`, `grand_total`), `holds`, `payments` and the draft's fields.
///
/// Errors: `INVALID_ARGUMENT` when `draft_json` is not JSON; `VALIDATION`
/// naming the first bad field (`lines[2].quantity`), including fields of the
/// wrong JSON type; `CONFLICT` when the idempotency key was used with other
/// content (naming the first differing field) or the external id is taken
/// in the channel; `INSUFFICIENT_STOCK` for the first short line (nothing
/// is reserved); `OVERFLOW` when an amount leaves the decimal range.
///
/// # Safety
/// `oms` is a live handle; `draft_json` is NUL-terminated; `out_order_json`
/// is NULL or valid for writing a pointer. Free the string with
/// `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_place_order(
    oms: *const Oms,
    draft_json: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, draft) = unsafe {
            (opt_out_string(out_order_json), handle(oms)?, text(draft_json, "draft_json")?)
        };
        let draft: OrderDraft = from_json(draft, "draft_json")?;
        let order = h.oms.place_order(&draft)?;
        put_json(slot, &order)
    })
}

/// One result of `omskit_place_orders`.
#[derive(Serialize)]
#[serde(untagged)]
enum Placed {
    Order { order: Box<Order> },
    Error { error: Value },
}

/// Places many orders in one transaction. `drafts_json` is a JSON array of
/// drafts (see `omskit_place_order`); `*out_results_json` receives an array
/// with one result per draft, in order: `{"order": {...}}` for an order
/// placed, or `{"error": {...}}` with the error as `omskit_last_error_json`
/// describes it. A draft that fails leaves nothing behind and does not stop
/// the others; the call returns `OMSKIT_STATUS_OK` when the transaction
/// committed, whatever the single results.
///
/// Errors (then nothing is placed): `INVALID_ARGUMENT` when `drafts_json`
/// is not JSON; `VALIDATION` when it is not an array of objects shaped like
/// drafts (the field is the path, `[3].lines[0].quantity`); `STORAGE`.
///
/// # Safety
/// `oms` is a live handle; `drafts_json` is NUL-terminated;
/// `out_results_json` is valid for writing a pointer. Free the string with
/// `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_place_orders(
    oms: *const Oms,
    drafts_json: *const c_char,
    out_results_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, drafts) = unsafe {
            (
                out_string(out_results_json, "out_results_json")?,
                handle(oms)?,
                text(drafts_json, "drafts_json")?,
            )
        };
        let drafts: Vec<OrderDraft> = from_json(drafts, "drafts_json")?;
        let results: Vec<Placed> = h
            .oms
            .place_orders(&drafts)?
            .into_iter()
            .map(|result| match result {
                Ok(order) => Placed::Order { order: Box::new(order) },
                Err(e) => Placed::Error { error: Failure::from(e).to_json() },
            })
            .collect();
        *slot = to_json(&results)?;
        Ok(())
    })
}

/// The order with id `order_id` (its hyphenated UUID, as in the order's
/// `id`), as JSON (see `omskit_place_order`).
///
/// Errors: `VALIDATION` (field `order_id`) for text that is not an order id;
/// `NOT_FOUND` for an unknown id.
///
/// # Safety
/// `oms` is a live handle; `order_id` is NUL-terminated; `out_order_json`
/// is valid for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_order(
    oms: *const Oms,
    order_id: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (
                out_string(out_order_json, "out_order_json")?,
                handle(oms)?,
                text(order_id, "order_id")?,
            )
        };
        *slot = to_json(&h.oms.order(self::order_id(id)?)?)?;
        Ok(())
    })
}

/// Up to `limit` orders with an id above `after` (from the first when
/// `after` is NULL), in id order, which is placement order: a JSON array of
/// orders. Page through all orders by passing the last id seen.
///
/// # Safety
/// `oms` is a live handle; `after` is NULL or NUL-terminated; `out_json` is
/// valid for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_orders(
    oms: *const Oms,
    after: *const c_char,
    limit: usize,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, after) =
            unsafe { (out_string(out_json, "out_json")?, handle(oms)?, opt_text(after, "after")?) };
        let after = after.map(after_id).transpose()?;
        *slot = to_json(&h.oms.orders(after, limit)?)?;
        Ok(())
    })
}

/// Every reservation of an order (active and released), oldest first, as a
/// JSON array:
///
/// ```json
/// [{"id": "...", "order_id": "...", "line_id": 1, "sku": "MUG",
///   "location": "WH-EAST", "quantity": 5, "status": "active",
///   "created_at": "...", "updated_at": "..."}]
/// ```
///
/// `status` is `active`, `released` (given back) or `committed` (every unit
/// it held has shipped).
///
/// Errors: `VALIDATION` (field `order_id`); `NOT_FOUND`.
///
/// # Safety
/// `oms` is a live handle; `order_id` is NUL-terminated; `out_json` is
/// valid for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_reservations(
    oms: *const Oms,
    order_id: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (out_string(out_json, "out_json")?, handle(oms)?, text(order_id, "order_id")?)
        };
        *slot = to_json(&h.oms.reservations(self::order_id(id)?)?)?;
        Ok(())
    })
}

/// Edits an order before fulfilment. `edits_json` is a non-empty JSON array
/// of edits, applied in order:
///
/// ```json
/// [{"op": "set_quantity", "line_id": 1, "quantity": 5},
///  {"op": "remove_line", "line_id": 2},
///  {"op": "add_line", "line": {"sku": "TEE", "quantity": 1, "unit_price": "19.99"}}]
/// ```
///
/// Totals are recomputed and stock re-reserved in the same step: a raised
/// quantity reserves only the extra units, a lowered one releases from the
/// least preferred location first. If stock is short, nothing changes. Hold
/// rules run again on the edited order.
///
/// Errors: `VALIDATION` (`edits[1].quantity`...); `NOT_FOUND` (order or
/// line); `INVALID_TRANSITION` once fulfilment started (`processing` and
/// later) or for a cancelled order; `INSUFFICIENT_STOCK`.
///
/// # Safety
/// `oms` is a live handle; `order_id` and `edits_json` are NUL-terminated;
/// `out_order_json` is NULL or valid for writing a pointer. Free the string
/// with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_edit_order(
    oms: *const Oms,
    order_id: *const c_char,
    edits_json: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, edits) = unsafe {
            (
                opt_out_string(out_order_json),
                handle(oms)?,
                text(order_id, "order_id")?,
                text(edits_json, "edits_json")?,
            )
        };
        let id = self::order_id(id)?;
        let edits: Vec<OrderEdit> = from_json(edits, "edits_json")?;
        put_json(slot, &h.oms.edit_order(id, &edits)?)
    })
}

/// The body of a transition that takes an order id and a reason and returns
/// the order as JSON (`omskit_hold_order`, `omskit_cancel_order`).
///
/// # Safety
/// As for those functions.
unsafe fn transition_with_reason(
    oms: *const Oms,
    order_id: *const c_char,
    reason: *const c_char,
    out_order_json: *mut *mut c_char,
    act: impl FnOnce(&omskit::Oms, omskit::OrderId, &str) -> omskit::Result<Order>,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, reason) = unsafe {
            (
                opt_out_string(out_order_json),
                handle(oms)?,
                text(order_id, "order_id")?,
                text(reason, "reason")?,
            )
        };
        put_json(slot, &act(&h.oms, self::order_id(id)?, reason)?)
    })
}

/// Puts an order on hold by hand (status `on_hold`; it stays reserved).
///
/// Errors: `VALIDATION` (empty `reason`, `order_id`); `NOT_FOUND`;
/// `INVALID_TRANSITION` once fulfilment started (`processing` and later)
/// or for a cancelled order.
///
/// # Safety
/// `oms` is a live handle; `order_id` and `reason` are NUL-terminated;
/// `out_order_json` is NULL or valid for writing a pointer. Free the string
/// with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_hold_order(
    oms: *const Oms,
    order_id: *const c_char,
    reason: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    // SAFETY: the caller's promises, passed on.
    unsafe {
        transition_with_reason(oms, order_id, reason, out_order_json, |oms, id, reason| {
            oms.hold_order(id, reason)
        })
    }
}

/// Releases every active hold of an order (back to `placed`).
///
/// Errors: `VALIDATION` (`order_id`); `NOT_FOUND`; `INVALID_TRANSITION`
/// when the order is not on hold.
///
/// # Safety
/// `oms` is a live handle; `order_id` is NUL-terminated; `out_order_json`
/// is NULL or valid for writing a pointer. Free the string with
/// `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_release_hold(
    oms: *const Oms,
    order_id: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) =
            unsafe { (opt_out_string(out_order_json), handle(oms)?, text(order_id, "order_id")?) };
        put_json(slot, &h.oms.release_hold(self::order_id(id)?)?)
    })
}

/// Cancels the whole order and releases its reservations; its shipping
/// charge is dropped. Open fulfilment orders of a `processing` order are
/// cancelled with it.
///
/// Errors: `VALIDATION` (empty `reason`, `order_id`); `NOT_FOUND`;
/// `INVALID_TRANSITION` when it is already cancelled or something has
/// shipped (`partially_shipped` and later).
///
/// # Safety
/// `oms` is a live handle; `order_id` and `reason` are NUL-terminated;
/// `out_order_json` is NULL or valid for writing a pointer. Free the string
/// with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_cancel_order(
    oms: *const Oms,
    order_id: *const c_char,
    reason: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    // SAFETY: the caller's promises, passed on.
    unsafe {
        transition_with_reason(oms, order_id, reason, out_order_json, |oms, id, reason| {
            oms.cancel_order(id, reason)
        })
    }
}

/// Cancels units of some lines and releases their reservations, least
/// preferred location first. `lines_json` is a non-empty JSON array; a
/// missing or null `quantity` cancels every unit left on that line:
///
/// ```json
/// [{"line_id": 1, "quantity": 2}, {"line_id": 3}]
/// ```
///
/// Cancelling every remaining unit cancels the order.
///
/// Units that have shipped cannot be cancelled; open fulfilment orders
/// holding a cancelled line are cancelled (the rest of their units go back
/// to the order for the next `omskit_fulfil`: still reserved, or, from a
/// `pending` one, reserved nowhere).
///
/// Errors: `VALIDATION` (`lines[0].quantity`, more than the units not
/// shipped, a line listed twice, empty `reason`); `NOT_FOUND` (order or
/// line); `INVALID_TRANSITION` for a cancelled, shipped or delivered order.
///
/// # Safety
/// `oms` is a live handle; `order_id`, `lines_json` and `reason` are
/// NUL-terminated; `out_order_json` is NULL or valid for writing a pointer.
/// Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_cancel_lines(
    oms: *const Oms,
    order_id: *const c_char,
    lines_json: *const c_char,
    reason: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, lines, reason) = unsafe {
            (
                opt_out_string(out_order_json),
                handle(oms)?,
                text(order_id, "order_id")?,
                text(lines_json, "lines_json")?,
                text(reason, "reason")?,
            )
        };
        let id = self::order_id(id)?;
        let lines: Vec<LineCancel> = from_json(lines, "lines_json")?;
        put_json(slot, &h.oms.cancel_lines(id, &lines, reason)?)
    })
}

/// Records a payment taken by the application's payment provider: `kind`
/// is an `omskit_payment_kind` (`OMSKIT_PAYMENT_KIND_AUTHORIZATION` or
/// `OMSKIT_PAYMENT_KIND_CAPTURE`), `amount` a decimal string in the order's
/// currency (`"113.20"`), `reference` the provider's reference. Recording
/// the same (kind, reference, amount) again changes nothing. The order's
/// `payment_status` becomes `authorized` or `paid` once the amounts cover
/// the grand total.
///
/// Errors: `INVALID_ARGUMENT` for a `kind` out of range; `VALIDATION`
/// (`amount` not a decimal, not positive, finer than the currency's minor
/// unit, or more than is outstanding; `reference`; `order_id`);
/// `NOT_FOUND`; `INVALID_TRANSITION` for a cancelled order; `CONFLICT`
/// (field `reference`) when the reference was recorded with another amount.
///
/// # Safety
/// `oms` is a live handle; `order_id`, `amount` and `reference` are
/// NUL-terminated; `out_order_json` is NULL or valid for writing a pointer.
/// Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_record_payment(
    oms: *const Oms,
    order_id: *const c_char,
    kind: u32,
    amount: *const c_char,
    reference: *const c_char,
    out_order_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, amount, reference) = unsafe {
            (
                opt_out_string(out_order_json),
                handle(oms)?,
                text(order_id, "order_id")?,
                text(amount, "amount")?,
                text(reference, "reference")?,
            )
        };
        let kind = match kind {
            0 => CorePaymentKind::Authorization,
            1 => CorePaymentKind::Capture,
            other => {
                return Err(Failure::invalid_argument(
                    "kind",
                    format_args!("{other} is not an omskit_payment_kind value"),
                ))
            }
        };
        let id = self::order_id(id)?;
        let amount: Decimal = amount.parse().map_err(|e| {
            omskit::Error::validation("amount", format!("{amount:?} is not a decimal number: {e}"))
        })?;
        put_json(slot, &h.oms.record_payment(id, kind, amount, reference)?)
    })
}
