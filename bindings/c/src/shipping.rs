//! Shipping: rate quotes, labels (by service or by rate shopping), carrier
//! tracking events, delivery proof, condition readings and late shipments.
//! Carriers themselves are registered in `carrier.rs`.

use std::ffi::c_char;

use omskit::{
    ConditionReading, ConditionThresholds, Decimal, DeliveryProof, RateShopping, TrackingUpdate,
};
use serde::Deserialize;

use crate::boundary::{
    from_json_doc, from_object_as, fulfillment_id, guard, opt_out_string, out_string, put_json,
    text, timestamp, to_json,
};
use crate::handle::{handle, Oms};
use crate::status::{Failure, Status};

/// Every registered carrier's quotes for a `packed` fulfilment order,
/// cheapest first, as a JSON array:
///
/// ```json
/// [{"carrier": "table-rate", "service": "ground", "cost": "8.50",
///   "currency": "USD", "transit_days": 5,
///   "promised_delivery": "2026-01-12T23:59:59Z"}]
/// ```
///
/// Errors: `VALIDATION` (`fulfillment_id`; `ship_to` when the order has no
/// shipping address); `NOT_FOUND`; `INVALID_TRANSITION` when it is not
/// packed; a carrier's own error (see `omskit_carrier`).
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` is NUL-terminated;
/// `out_quotes_json` is valid for writing a pointer. Free the string with
/// `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_quote_shipment(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    out_quotes_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id) = unsafe {
            (
                out_string(out_quotes_json, "out_quotes_json")?,
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
            )
        };
        *slot = to_json(&h.oms.quote_shipment(self::fulfillment_id(id)?)?)?;
        Ok(())
    })
}

/// Ships a `packed` fulfilment order with `service` of `carrier`: buys the
/// label from the carrier, then, in one transaction, commits its
/// reservations (on hand and reserved go down through the stock ledger,
/// movements of kind `shipment`), stores the shipment (tracking number,
/// cost, promised delivery, the carrier's other quotes) and rolls the
/// order's status up to `partially_shipped` or `shipped`. If that
/// transaction fails, the label is voided.
///
/// `*out_fulfillment_json` (when not NULL) receives the fulfilment order;
/// its `/shipment/tracking_number` is the key of the tracking functions.
///
/// Errors: `VALIDATION` (`fulfillment_id`; `ship_to` when the order has no
/// shipping address; `service` when it cannot carry the parcels);
/// `NOT_FOUND` (fulfilment order, `carrier`, `carrier service`);
/// `INVALID_TRANSITION` when it is not packed; a carrier's own error.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id`, `carrier` and `service` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_ship(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    carrier: *const c_char,
    service: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, carrier, service) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
                text(carrier, "carrier")?,
                text(service, "service")?,
            )
        };
        put_json(slot, &h.oms.ship(self::fulfillment_id(id)?, carrier, service)?)
    })
}

/// Ships a `packed` fulfilment order with the quote a rule picks among
/// every registered carrier's (as `omskit_ship` otherwise). `rule_json` is
/// one of:
///
/// ```json
/// {"rule": "cheapest"}
/// {"rule": "cheapest", "deliver_by": "2026-01-09T23:59:59Z"}
/// {"rule": "fastest"}
/// {"rule": "fastest", "budget": "12.00"}
/// ```
///
/// `cheapest` takes the cheapest quote promising delivery by `deliver_by`
/// (ties: fewer transit days, then carrier and service name); `fastest`
/// the earliest promised delivery costing at most `budget` (ties: lower
/// cost, then names). The losing quotes are kept in the shipment's
/// `rejected_quotes`.
///
/// Errors: as `omskit_ship`; `INVALID_ARGUMENT` when `rule_json` is not
/// JSON; `VALIDATION` (`rule`, `budget` negative or not a decimal,
/// `deliver_by` not a timestamp; `carrier` when no carrier can carry it;
/// `deliver_by` or `budget` when no quote meets the rule);
/// `CURRENCY_MISMATCH` when carriers quote in different currencies.
///
/// # Safety
/// `oms` is a live handle; `fulfillment_id` and `rule_json` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_ship_with(
    oms: *const Oms,
    fulfillment_id: *const c_char,
    rule_json: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, id, rule) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(fulfillment_id, "fulfillment_id")?,
                text(rule_json, "rule_json")?,
            )
        };
        let id = self::fulfillment_id(id)?;
        let rule: RuleJson = from_json_doc(rule, "rule_json")?;
        put_json(slot, &h.oms.ship_with(id, &rule.into_rule()?)?)
    })
}

/// Which rate-shopping rule.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RuleKind {
    Cheapest,
    Fastest,
}

/// `RateShopping` in its serde form, read as a plain struct so that a bad
/// value is reported by its own path (`budget`, `deliver_by`); an
/// internally tagged enum would hide it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleJson {
    rule: RuleKind,
    #[serde(default)]
    deliver_by: Option<String>,
    #[serde(default)]
    budget: Option<Decimal>,
}

impl RuleJson {
    fn into_rule(self) -> Result<RateShopping, Failure> {
        match self.rule {
            RuleKind::Cheapest => {
                if self.budget.is_some() {
                    return Err(only_for("budget", "fastest"));
                }
                let deliver_by =
                    self.deliver_by.map(|at| timestamp(&at, "deliver_by")).transpose()?;
                Ok(RateShopping::Cheapest { deliver_by })
            }
            RuleKind::Fastest => {
                if self.deliver_by.is_some() {
                    return Err(only_for("deliver_by", "cheapest"));
                }
                Ok(RateShopping::Fastest { budget: self.budget })
            }
        }
    }
}

fn only_for(field: &str, rule: &str) -> Failure {
    omskit::Error::validation(field, format!("only the {rule} rule takes {field}")).into()
}

/// Records a carrier tracking event of the shipment `tracking_number`.
/// `update_json`:
///
/// ```json
/// {"carrier_event_id": "evt-1001", "kind": "in_transit",
///  "occurred_at": "2026-01-06T08:00:00Z", "location": "Memphis hub",
///  "description": "Departed facility", "proof": null}
/// ```
///
/// `kind` is `label_created`, `picked_up`, `in_transit`,
/// `out_for_delivery`, `delivered`, `delivery_failed`, `exception` or
/// `returned_to_sender`; only `delivered` may carry `proof`
/// (`{"signed_by": ..., "photo_reference": ..., "location": ...}`, each
/// optional). `location`, `description` and `proof` may be left out.
///
/// The same (tracking number, `carrier_event_id`) twice changes nothing.
/// Every event is kept in the shipment's history; it moves the fulfilment
/// order only forward: when its state allows it and the event is not older
/// than the last one that did (so events may arrive out of order).
/// `delivered` records the time and proof, and the order becomes
/// `delivered` when all its packages are; `exception` raises a
/// `ShipmentException` event.
///
/// `*out_outcome_json` (when not NULL) receives
/// `{"fulfillment": {...}, "recorded": true, "applied": true}`:
/// `recorded` is false for a duplicate, `applied` whether the state moved.
///
/// Errors: `INVALID_ARGUMENT` when `update_json` is not JSON; `VALIDATION`
/// (`tracking_number`, `carrier_event_id`, `kind`, `occurred_at`,
/// `location`, `description`, `proof`, `proof.signed_by`...);
/// `NOT_FOUND` (entity `shipment`) for an unknown tracking number.
///
/// # Safety
/// `oms` is a live handle; `tracking_number` and `update_json` are
/// NUL-terminated; `out_outcome_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_record_tracking_event(
    oms: *const Oms,
    tracking_number: *const c_char,
    update_json: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, tracking_number, update) = unsafe {
            (
                opt_out_string(out_outcome_json),
                handle(oms)?,
                text(tracking_number, "tracking_number")?,
                text(update_json, "update_json")?,
            )
        };
        let update: TrackingUpdate = from_json_doc(update, "update_json")?;
        put_json(slot, &h.oms.record_tracking_event(tracking_number, &update)?)
    })
}

/// Confirms delivery of the shipment `tracking_number` by hand (or from a
/// carrier's proof-of-delivery feed): a `delivered` tracking event with
/// carrier event id `delivery-confirmation`, recorded once. `proof_json` is
/// `{"signed_by": "A. Lovelace", "photo_reference": "pod-77",
/// "location": "front door"}` (each field optional: `{}` for no proof);
/// `delivered_at` is an RFC 3339 timestamp (`2026-01-07T15:04:05Z`).
///
/// `*out_outcome_json` (when not NULL) receives the outcome, as for
/// `omskit_record_tracking_event`.
///
/// Errors: as `omskit_record_tracking_event`; `VALIDATION` (`delivered_at`,
/// `proof.signed_by`...).
///
/// # Safety
/// `oms` is a live handle; `tracking_number`, `proof_json` and
/// `delivered_at` are NUL-terminated; `out_outcome_json` is NULL or valid
/// for writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_confirm_delivery(
    oms: *const Oms,
    tracking_number: *const c_char,
    proof_json: *const c_char,
    delivered_at: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, tracking_number, proof, at) = unsafe {
            (
                opt_out_string(out_outcome_json),
                handle(oms)?,
                text(tracking_number, "tracking_number")?,
                text(proof_json, "proof_json")?,
                text(delivered_at, "delivered_at")?,
            )
        };
        let proof: DeliveryProof = from_object_as(proof, "proof_json", "proof")?;
        let at = timestamp(at, "delivered_at")?;
        put_json(slot, &h.oms.confirm_delivery(tracking_number, &proof, at)?)
    })
}

/// The tracking events of a shipment, in the order they arrived, as a JSON
/// array: each the update (see `omskit_record_tracking_event`) with
/// `tracking_number`, `received_at` and `applied` (whether it moved the
/// state).
///
/// Errors: `VALIDATION` (`tracking_number`); `NOT_FOUND` (entity
/// `shipment`).
///
/// # Safety
/// `oms` is a live handle; `tracking_number` is NUL-terminated; `out_json`
/// is valid for writing a pointer. Free the string with
/// `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_tracking_events(
    oms: *const Oms,
    tracking_number: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, tracking_number) = unsafe {
            (
                out_string(out_json, "out_json")?,
                handle(oms)?,
                text(tracking_number, "tracking_number")?,
            )
        };
        *slot = to_json(&h.oms.tracking_events(tracking_number)?)?;
        Ok(())
    })
}

/// Sets the acceptable ranges of a shipment's sensor readings (replacing
/// the ones set before). `thresholds_json`, every field optional (no
/// limit):
///
/// ```json
/// {"min_temperature_c": "2", "max_temperature_c": "8", "max_shock_g": "5"}
/// ```
///
/// Errors: `INVALID_ARGUMENT` when `thresholds_json` is not JSON;
/// `VALIDATION` (`max_temperature_c` below `min_temperature_c`, a negative
/// `max_shock_g`, a value that is not a decimal, `tracking_number`);
/// `NOT_FOUND` (entity `shipment`).
///
/// # Safety
/// `oms` is a live handle; `tracking_number` and `thresholds_json` are
/// NUL-terminated; `out_fulfillment_json` is NULL or valid for writing a
/// pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_set_condition_thresholds(
    oms: *const Oms,
    tracking_number: *const c_char,
    thresholds_json: *const c_char,
    out_fulfillment_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, tracking_number, thresholds) = unsafe {
            (
                opt_out_string(out_fulfillment_json),
                handle(oms)?,
                text(tracking_number, "tracking_number")?,
                text(thresholds_json, "thresholds_json")?,
            )
        };
        let thresholds: ConditionThresholds = from_json_doc(thresholds, "thresholds_json")?;
        put_json(slot, &h.oms.set_condition_thresholds(tracking_number, &thresholds)?)
    })
}

/// Records a sensor reading of a shipment. `reading_json`:
///
/// ```json
/// {"kind": "temperature", "value": "9.5", "at": "2026-01-06T09:00:00Z",
///  "sensor": "probe-1"}
/// ```
///
/// `kind` is `temperature` (°C) or `shock` (g); `sensor` is optional. A
/// reading outside the shipment's thresholds raises a `ShipmentException`
/// event, and `*out_breach` (when `out_breach` is not NULL) receives why
/// (`temperature 9.5 °C above 8 °C`); it receives NULL for a reading within
/// them.
///
/// Errors: `INVALID_ARGUMENT` when `reading_json` is not JSON;
/// `VALIDATION` (`kind`, `value` not a decimal or a negative shock, `at`,
/// `sensor`, `tracking_number`); `NOT_FOUND` (entity `shipment`).
///
/// # Safety
/// `oms` is a live handle; `tracking_number` and `reading_json` are
/// NUL-terminated; `out_breach` is NULL or valid for writing a pointer.
/// Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_record_condition_reading(
    oms: *const Oms,
    tracking_number: *const c_char,
    reading_json: *const c_char,
    out_breach: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, tracking_number, reading) = unsafe {
            (
                opt_out_string(out_breach),
                handle(oms)?,
                text(tracking_number, "tracking_number")?,
                text(reading_json, "reading_json")?,
            )
        };
        let reading: ConditionReading = from_json_doc(reading, "reading_json")?;
        let breach = h.oms.record_condition_reading(tracking_number, &reading)?;
        if let (Some(slot), Some(breach)) = (slot, breach) {
            *slot = crate::status::c_string(&breach).into_raw();
        }
        Ok(())
    })
}

/// The sensor readings of a shipment, in the order recorded, as a JSON
/// array (see `omskit_record_condition_reading`).
///
/// Errors: `VALIDATION` (`tracking_number`); `NOT_FOUND` (entity
/// `shipment`).
///
/// # Safety
/// `oms` is a live handle; `tracking_number` is NUL-terminated; `out_json`
/// is valid for writing a pointer. Free the string with
/// `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_condition_readings(
    oms: *const Oms,
    tracking_number: *const c_char,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, tracking_number) = unsafe {
            (
                out_string(out_json, "out_json")?,
                handle(oms)?,
                text(tracking_number, "tracking_number")?,
            )
        };
        *slot = to_json(&h.oms.condition_readings(tracking_number)?)?;
        Ok(())
    })
}

/// Finds shipments past their promised delivery and not delivered, marks
/// each one (`/shipment/delay_notified`) and records a `ShipmentDelayed`
/// event for it, once per shipment: a periodic job may call this as often
/// as it likes. `*out_fulfillments_json` (when not NULL) receives the
/// fulfilment orders marked by this call, as a JSON array (often `[]`).
///
/// Errors: `STORAGE`.
///
/// # Safety
/// `oms` is a live handle; `out_fulfillments_json` is NULL or valid for
/// writing a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_check_delivery_promises(
    oms: *const Oms,
    out_fulfillments_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h) = unsafe { (opt_out_string(out_fulfillments_json), handle(oms)?) };
        put_json(slot, &h.oms.check_delivery_promises()?)
    })
}
