//! Fulfilment: fulfilment orders, bins, pick lists, picks, packing, holds
//! and cancellation.

use std::ffi::c_char;

use omskit::shipping::Parcel;
use omskit::{Decimal, FulfillmentId, FulfillmentOrder, Package, PackageLine, PickedLine};
use serde::Deserialize;

use crate::boundary::{
    after_id, from_json_as, fulfillment_id, guard, opt_out_string, opt_text, order_id, out_string,
    put_json, text, to_json,
};
use crate::handle::{handle, Oms};
use crate::status::Status;

/// Creates fulfilment orders for every unit of an order that is not in an
/// open fulfilment order yet: reserved units in `ready` ones, one per
/// location the units are reserved at (a split shipment); units reserved
/// nowhere (a short pick found no stock, then their `pending` fulfilment
/// order was cancelled) in a `pending` one at the location where they were
/// last reserved (see `omskit_allocate_fulfillment`). Lines in line order.
/// The order becomes `processing`. Calling it again creates only what is
/// missing (an empty array when nothing is).
///
/// `*out_fulfillments_json` (when `out_fulfillments_json` is not NULL)
/// receives the new fulfilment orders as a JSON array:
///
/// ```json
/// [{"id": "0190a5f2-...", "order_id": "0190a5f1-...", "location": "WH-EAST",
///   "status": "ready", "held_from": null, "reason": null,
///   "lines": [{"line_id": 1, "sku": "MUG", "quantity": 4}],
///   "packages": [], "shipment": null,
///   "created_at": "2026-01-05T14:30:00.123456Z", "updated_at": "..."}]
/// ```
///
/// A fulfilment order's `status` is `pending` (awaiting stock: it holds no
/// reservation; `location` is where its units ran short), `ready`,
/// `picking`, `picked`, `packed`, `shipped`, `in_transit`,
/// `out_for_delivery`, `delivered`, `delivery_failed`,
/// `returned_to_sender`, `on_hold` or `cancelled`; `held_from` is the
/// state a hold interrupted; `shipment` (once shipped)
/// has `tracking_number`, `carrier`, `service`, `label_reference`, `cost`,
/// `currency`, `shipped_at`, `promised_delivery`, `rejected_quotes`,
/// `last_status_at`, `delivered_at`, `proof`, `thresholds` and
/// `delay_notified`.
///
/// Errors: `VALIDATION` (`order_id`); `NOT_FOUND`; `INVALID_TRANSITION`
/// for an order on hold, cancelled or fully shipped.
///
/// # Safety
/// `oms` is a live handle; `order_id` is NUL-terminated;
/// `out_fulfillments_json` is NULL or valid for writing a pointer. Free the
/// string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_fulfil(
    oms: *const Oms,
    order_id: *const c_char,
    out_fulfillments_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (opt_out_string(out_fulfillments_json), handle(oms)?, text(order_id, "order_id")?)
        };
        put_json(slot, &h.oms.fulfil(self::order_id(id)?)?)
    })
}

/// The fulfilment order with id `fulfillment_id`, as JSON (see
/// `omskit_fulfil`).
///
/// Errors: `VALIDATION` (`fulfillment_id`) for text that is not an id;
/// `NOT_FOUND` (entity `fulfillment order`).
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` is NUL-terminated;
/// `out_fulfillment_json` is valid for writing a pointer. Free the string
/// with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_fulfillment(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (
                out_string(out_fulfillment_json, "out_fulfillment_json")?,
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
            )
        };
        *slot = to_json(&h.oms.fulfillment(self::fulfillment_id(id)?)?)?;
        Ok(())
    })
}

/// Every fulfilment order of an order, cancelled ones included, oldest
/// first, as a JSON array (see `omskit_fulfil`).
///
/// Errors: `VALIDATION` (`order_id`); `NOT_FOUND` for an unknown order.
///
/// # Safety
/// `oms` is a live handle; `order_id` is NUL-terminated; `out_json` is
/// valid for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_fulfillments(
    oms: *const Oms,
    order_id: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (out_string(out_json, "out_json")?, handle(oms)?, text(order_id, "order_id")?)
        };
        *slot = to_json(&h.oms.fulfillments(self::order_id(id)?)?)?;
        Ok(())
    })
}

/// Records the bin `sku` is stored in at `location` (replacing any bin
/// recorded before); pick lists walk the bins in order.
///
/// Errors: `VALIDATION` (`sku`; `bin` empty, longer than 64 bytes or with
/// control characters); `NOT_FOUND` for an unknown location.
///
/// # Safety
/// `oms` is a live handle; the strings are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn omskit_set_bin(
    oms: *const Oms,
    sku: *const c_char,
    location: *const c_char,
    bin: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (h, sku, location, bin) = unsafe {
            (handle(oms)?, text(sku, "sku")?, text(location, "location")?, text(bin, "bin")?)
        };
        h.oms.set_bin(sku, location, bin)?;
        Ok(())
    })
}

/// The bin of `sku` at `location`: `*out_bin` receives it, or NULL when no
/// bin was recorded (the call still returns `OMSKIT_STATUS_OK`).
///
/// Errors: `NOT_FOUND` for an unknown location.
///
/// # Safety
/// `oms` is a live handle; the strings are NUL-terminated; `out_bin` is
/// valid for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_bin(
    oms: *const Oms,
    sku: *const c_char,
    location: *const c_char,
    out_bin: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, sku, location) = unsafe {
            (
                out_string(out_bin, "out_bin")?,
                handle(oms)?,
                text(sku, "sku")?,
                text(location, "location")?,
            )
        };
        if let Some(bin) = h.oms.bin(sku, location)? {
            *slot = crate::status::c_string(&bin).into_raw();
        }
        Ok(())
    })
}

/// Batches `ready` fulfilment orders of one location into one pick list:
/// a single walk sorted by bin (SKUs without a bin last), with the units
/// each fulfilment order gets. They move to `picking`.
/// `fulfillment_ids_json` is a JSON array of fulfilment order ids (1 to
/// 1,000, each once): `["0190a5f2-...", "0190a5f3-..."]`.
///
/// `*out_pick_list_json` receives the pick list:
///
/// ```json
/// {"id": "...", "location": "WH-EAST", "created_at": "...",
///  "entries": [{"bin": "A-01", "sku": "MUG", "quantity": 6,
///               "sources": [{"fulfillment_id": "...", "order_id": "...",
///                            "line_id": 1, "quantity": 4}, ...]}],
///  "totals": [{"fulfillment_id": "...", "order_id": "...", "units": 4}]}
/// ```
///
/// Errors: `INVALID_ARGUMENT` when `fulfillment_ids_json` is not JSON;
/// `VALIDATION` (`fulfillment_ids` empty or not an array,
/// `fulfillment_ids[1]` not an id, listed twice or at another location);
/// `NOT_FOUND` (location, fulfilment order); `INVALID_TRANSITION` for one
/// that is not `ready`. Nothing changes on error.
///
/// # Safety
/// `oms` is a live handle; `location` and `fulfillment_ids_json` are
/// NUL-terminated; `out_pick_list_json` is valid for writing a pointer.
/// Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_create_pick_list(
    oms: *const Oms,
    location: *const c_char,
    fulfillment_ids_json: *const c_char,
    out_pick_list_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, location, ids) = unsafe {
            (
                out_string(out_pick_list_json, "out_pick_list_json")?,
                handle(oms)?,
                text(location, "location")?,
                text(fulfillment_ids_json, "fulfillment_ids_json")?,
            )
        };
        let ids: Vec<FulfillmentId> = from_json_as(ids, "fulfillment_ids_json", "fulfillment_ids")?;
        *slot = to_json(&h.oms.create_pick_list(location, &ids)?)?;
        Ok(())
    })
}

/// Confirms what was picked for a fulfilment order (`picking` → `picked`).
/// `picked_json` lists every line of the fulfilment order once, with the
/// units actually picked:
///
/// ```json
/// [{"line_id": 1, "quantity": 4}, {"line_id": 2, "quantity": 0}]
/// ```
///
/// Units missing from a line (a short pick) are written off at the
/// location through the stock ledger, then re-reserved at other locations
/// by priority in new `ready` fulfilment orders (see `omskit_fulfillments`);
/// units no location has go into a new `pending` fulfilment order at this
/// location (awaiting stock, reserved nowhere; see
/// `omskit_pending_fulfillments` and `omskit_allocate_fulfillment`), with
/// a `UnitsUnfulfilled` event. A fulfilment order with nothing picked is
/// cancelled.
///
/// Errors: `INVALID_ARGUMENT` when `picked_json` is not JSON; `VALIDATION`
/// (`picked` not an array, `picked[0].line_id` unknown or listed twice, a
/// line missing, `picked[0].quantity` negative or above what was expected);
/// `NOT_FOUND`; `INVALID_TRANSITION` when it is not being picked.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` and `picked_json` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_confirm_pick(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    picked_json: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, picked) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
                text(picked_json, "picked_json")?,
            )
        };
        let id = self::fulfillment_id(id)?;
        let picked: Vec<PickedLine> = from_json_as(picked, "picked_json", "picked")?;
        put_json(slot, &h.oms.confirm_pick(id, &picked)?)
    })
}

/// Reserves the units of a `pending` fulfilment order once stock is back:
/// every line in full, from active locations by priority as placement
/// does, or nothing at all. It becomes `ready` at the location that serves
/// its first line; units reserved at other locations go into new `ready`
/// fulfilment orders, one per location (a split shipment).
///
/// `*out_fulfillments_json` (when `out_fulfillments_json` is not NULL)
/// receives a JSON array of fulfilment orders (see `omskit_fulfil`): the
/// allocated one first, then the new ones.
///
/// Errors: `VALIDATION` (`fulfillment_id`) for text that is not an id;
/// `NOT_FOUND` (entity `fulfillment order`); `INVALID_TRANSITION` (action
/// `allocate`) when it is not `pending`; `INSUFFICIENT_STOCK` when a line
/// cannot be reserved in full (`omskit_last_error_sku()` names the first
/// short SKU, `shortages` in `omskit_last_error_json()` lists every short
/// line). Nothing changes on error.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` is NUL-terminated;
/// `out_fulfillments_json` is NULL or valid for writing a pointer. Free the
/// string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_allocate_fulfillment(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    out_fulfillments_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (
                opt_out_string(out_fulfillments_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
            )
        };
        put_json(slot, &h.oms.allocate_fulfillment(self::fulfillment_id(id)?)?)
    })
}

/// Up to `limit` `pending` fulfilment orders (units awaiting stock) with an
/// id above `after` (from the first when `after` is NULL), oldest first, as
/// a JSON array (see `omskit_fulfil`): the queue to allocate from with
/// `omskit_allocate_fulfillment` once stock arrives. Page through them by
/// passing the last id seen.
///
/// Errors: `VALIDATION` (`after`) for text that is not a fulfilment order
/// id.
///
/// # Safety
/// `oms` is a live handle; `after` is NULL or NUL-terminated; `out_json` is
/// valid for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_pending_fulfillments(
    oms: *const Oms,
    after: *const c_char,
    limit: usize,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, after) =
            unsafe { (out_string(out_json, "out_json")?, handle(oms)?, opt_text(after, "after")?) };
        let after = after.map(after_id::<FulfillmentId>).transpose()?;
        *slot = to_json(&h.oms.pending_fulfillments(after, limit)?)?;
        Ok(())
    })
}

/// Puts the picked units of a fulfilment order into packages (`picked` →
/// `packed`): every unit in exactly one package, no package empty, package
/// ids unique. `packages_json` is a JSON array; weights (kg) and dimensions
/// (cm) are decimal strings above zero and at most 1000:
///
/// ```json
/// [{"id": "BOX-1", "weight_kg": "1.2", "length_cm": "30", "width_cm": "20",
///   "height_cm": "10", "lines": [{"line_id": 1, "quantity": 4}]}]
/// ```
///
/// Errors: `INVALID_ARGUMENT` when `packages_json` is not JSON;
/// `VALIDATION` naming the field (`packages[1].weight_kg`,
/// `packages[1].id` for an id used twice, `packages[0].lines[2].line_id`,
/// `packages` when the units do not add up); `NOT_FOUND`;
/// `INVALID_TRANSITION` when it is not picked.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` and `packages_json` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_pack(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    packages_json: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, packages) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
                text(packages_json, "packages_json")?,
            )
        };
        let id = self::fulfillment_id(id)?;
        let packages: Vec<PackageJson> = from_json_as(packages, "packages_json", "packages")?;
        let packages: Vec<Package> = packages.into_iter().map(PackageJson::into_package).collect();
        put_json(slot, &h.oms.pack(id, &packages)?)
    })
}

/// A package as `packages_json` has it: the core's `Package` in serde form,
/// read without its flattened `Parcel` so that a bad measure is reported
/// by its own path (`packages[0].weight_kg`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageJson {
    id: String,
    weight_kg: Decimal,
    length_cm: Decimal,
    width_cm: Decimal,
    height_cm: Decimal,
    lines: Vec<PackageLine>,
}

impl PackageJson {
    fn into_package(self) -> Package {
        Package {
            id: self.id,
            parcel: Parcel {
                weight_kg: self.weight_kg,
                length_cm: self.length_cm,
                width_cm: self.width_cm,
                height_cm: self.height_cm,
            },
            lines: self.lines,
        }
    }
}

/// The body of a fulfilment transition that takes an id and a reason
/// (`omskit_hold_fulfillment`, `omskit_cancel_fulfillment`).
///
/// # Safety
/// As for those functions.
unsafe fn fulfillment_with_reason(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    reason: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
    act: impl FnOnce(&omskit::Oms, FulfillmentId, &str) -> omskit::Result<FulfillmentOrder>,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, reason) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
                text(reason, "reason")?,
            )
        };
        put_json(slot, &act(&h.oms, self::fulfillment_id(id)?, reason)?)
    })
}

/// Stops a fulfilment order before shipment (status `on_hold`, remembering
/// the state in `held_from`) until `omskit_release_fulfillment`.
///
/// Errors: `VALIDATION` (empty `reason`, `fulfillment_id`); `NOT_FOUND`;
/// `INVALID_TRANSITION` once it has shipped, when it is cancelled,
/// `pending` or already on hold.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` and `reason` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_hold_fulfillment(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    reason: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    // SAFETY: the caller's promises, passed on.
    unsafe {
        fulfillment_with_reason(oms, fulfillment_id, reason, out_fulfillment_json, |o, id, r| {
            o.hold_fulfillment(id, r)
        })
    }
}

/// Releases a held fulfilment order back to the state the hold
/// interrupted.
///
/// Errors: `VALIDATION` (`fulfillment_id`); `NOT_FOUND`;
/// `INVALID_TRANSITION` when it is not on hold.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` is NUL-terminated;
/// `out_fulfillment_json` is NULL or valid for writing a pointer. Free the
/// string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_release_fulfillment(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
            )
        };
        put_json(slot, &h.oms.release_fulfillment(self::fulfillment_id(id)?)?)
    })
}

/// Cancels a fulfilment order before shipment. Its units go back to the
/// order, still reserved (a later `omskit_fulfil` puts them in a new
/// fulfilment order); picked units go back to their bin. When its location
/// no longer takes reservations, each line is re-reserved elsewhere if it
/// can be in full. The units of a `pending` one were reserved nowhere and
/// stay so (a later `omskit_fulfil` puts them in a new `pending` one).
/// When no open fulfilment order is left and nothing has shipped, the
/// order goes back to `placed`.
///
/// Errors: `VALIDATION` (empty `reason`, `fulfillment_id`); `NOT_FOUND`;
/// `INVALID_TRANSITION` once it has shipped or when it is already
/// cancelled.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` and `reason` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_cancel_fulfillment(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    reason: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    // SAFETY: the caller's promises, passed on.
    unsafe {
        fulfillment_with_reason(oms, fulfillment_id, reason, out_fulfillment_json, |o, id, r| {
            o.cancel_fulfillment(id, r)
        })
    }
}
