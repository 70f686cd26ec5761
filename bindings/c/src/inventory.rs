//! Locations and stock, with typed functions.

use std::ffi::c_char;

use crate::boundary::{guard, opt_text, out, out_string, text, to_json};
use crate::handle::{handle, Oms};
use crate::status::Status;

/// Creates a stock location. Lower `priority` numbers are reserved from
/// first; equal priorities go by code.
///
/// Errors: `VALIDATION` (`code`, `name`); `CONFLICT` (field `code`) when the
/// code exists.
///
/// # Safety
/// `oms` is a live handle; `code` and `name` are NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn omskit_add_location(
    oms: *const Oms,
    code: *const c_char,
    name: *const c_char,
    priority: i32,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, code, name) = unsafe { (handle(oms)?, text(code, "code")?, text(name, "name")?) };
        h.oms.add_location(code, name, priority)?;
        Ok(())
    })
}

/// Switches a location on or off for new reservations; reservations already
/// there stay.
///
/// Errors: `NOT_FOUND` for an unknown location.
///
/// # Safety
/// `oms` is a live handle; `code` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn omskit_set_location_active(
    oms: *const Oms,
    code: *const c_char,
    active: bool,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, code) = unsafe { (handle(oms)?, text(code, "code")?) };
        h.oms.set_location_active(code, active)?;
        Ok(())
    })
}

/// Every location, by code, as a JSON array:
/// `[{"code": "WH-EAST", "name": "East DC", "priority": 1, "active": true}]`.
///
/// # Safety
/// `oms` is a live handle; `out_json` is valid for writing a pointer. Free
/// the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_locations(oms: *const Oms, out_json: *mut *mut c_char) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h) = unsafe { (out_string(out_json, "out_json")?, handle(oms)?) };
        *slot = to_json(&h.oms.locations()?)?;
        Ok(())
    })
}

/// Records `quantity` units of `sku` arriving at `location`; `reference` is
/// the document they came with (a purchase order number).
///
/// Errors: `VALIDATION` (`sku`, `quantity` outside 1 to 1,000,000,000,
/// `reference`); `NOT_FOUND` for an unknown location.
///
/// # Safety
/// `oms` is a live handle; the strings are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn omskit_receive_stock(
    oms: *const Oms,
    sku: *const c_char,
    location: *const c_char,
    quantity: i64,
    reference: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, sku, location, reference) = unsafe {
            (
                handle(oms)?,
                text(sku, "sku")?,
                text(location, "location")?,
                text(reference, "reference")?,
            )
        };
        h.oms.receive_stock(sku, location, quantity, reference)?;
        Ok(())
    })
}

/// Corrects the units of `sku` on hand at `location` by `delta` (negative
/// for a loss), with a reason.
///
/// Errors: `VALIDATION` (`sku`, `delta` zero or beyond ±1,000,000,000,
/// `reason`); `NOT_FOUND` for an unknown location; `INSUFFICIENT_STOCK` when
/// a loss would leave fewer units on hand than are reserved.
///
/// # Safety
/// `oms` is a live handle; the strings are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn omskit_adjust_stock(
    oms: *const Oms,
    sku: *const c_char,
    location: *const c_char,
    delta: i64,
    reason: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, sku, location, reason) = unsafe {
            (handle(oms)?, text(sku, "sku")?, text(location, "location")?, text(reason, "reason")?)
        };
        h.oms.adjust_stock(sku, location, delta, reason)?;
        Ok(())
    })
}

/// The stock of `sku` at `location`: units on hand, reserved for orders, and
/// available for new orders (`on_hand - reserved`). All zero for a SKU never
/// received there.
///
/// Errors: `NOT_FOUND` for an unknown location.
///
/// # Safety
/// `oms` is a live handle; the strings are NUL-terminated; the three
/// out-pointers are valid for writing an `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn omskit_stock_level(
    oms: *const Oms,
    sku: *const c_char,
    location: *const c_char,
    out_on_hand: *mut i64,
    out_reserved: *mut i64,
    out_available: *mut i64,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, sku, location, on_hand, reserved, available) = unsafe {
            (
                handle(oms)?,
                text(sku, "sku")?,
                text(location, "location")?,
                out(out_on_hand, "out_on_hand")?,
                out(out_reserved, "out_reserved")?,
                out(out_available, "out_available")?,
            )
        };
        let level = h.oms.stock_level(sku, location)?;
        *on_hand = level.on_hand;
        *reserved = level.reserved;
        *available = level.available();
        Ok(())
    })
}

/// The stock of `sku` at every location that has a record of it, as a JSON
/// array: `[{"sku": "MUG", "location": "WH-EAST", "on_hand": 5, "reserved": 2}]`.
///
/// # Safety
/// `oms` is a live handle; `sku` is NUL-terminated; `out_json` is valid for
/// writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_stock_levels(
    oms: *const Oms,
    sku: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, sku) =
            unsafe { (out_string(out_json, "out_json")?, handle(oms)?, text(sku, "sku")?) };
        *slot = to_json(&h.oms.stock_levels(sku)?)?;
        Ok(())
    })
}

/// Units of `sku` that new orders can reserve, over all active locations.
///
/// # Safety
/// `oms` is a live handle; `sku` is NUL-terminated; `out_available` is valid
/// for writing an `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn omskit_available(
    oms: *const Oms,
    sku: *const c_char,
    out_available: *mut i64,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, sku, slot) =
            unsafe { (handle(oms)?, text(sku, "sku")?, out(out_available, "out_available")?) };
        *slot = h.oms.available(sku)?;
        Ok(())
    })
}

/// The stock ledger of `sku`, oldest first, at one `location` or at all of
/// them (`location` NULL), as a JSON array of movements:
///
/// ```json
/// [{"id": "0190a5f2-...", "at": "2026-01-01T00:00:00Z", "sku": "MUG",
///   "location": "WH-EAST", "kind": "receipt", "on_hand_delta": 5,
///   "reserved_delta": 0, "reason": null, "reference": "PO-1"}]
/// ```
///
/// `kind` is `receipt`, `adjustment` (including units written off by a
/// short pick), `reservation`, `release` or `shipment` (units that left in
/// a package; `reference` is the tracking number).
///
/// # Safety
/// `oms` is a live handle; `sku` is NUL-terminated; `location` is NULL or
/// NUL-terminated; `out_json` is valid for writing a pointer. Free the
/// string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_stock_movements(
    oms: *const Oms,
    sku: *const c_char,
    location: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, sku, location) = unsafe {
            (
                out_string(out_json, "out_json")?,
                handle(oms)?,
                text(sku, "sku")?,
                opt_text(location, "location")?,
            )
        };
        *slot = to_json(&h.oms.stock_movements(sku, location)?)?;
        Ok(())
    })
}
