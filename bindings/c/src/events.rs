//! The event log: reading it, checking its hash chain, and subscribing.

use std::ffi::{c_char, c_void, CString};

use crate::boundary::{guard, opt_out_string, out, out_string, put_json, to_json};
use crate::handle::{handle, Oms};
use crate::status::Status;

/// Receives one committed event as JSON (see `omskit_events_since`) and the
/// `user_data` given to `omskit_subscribe`. `event_json` belongs to the
/// library and is valid only during the call.
pub type EventCallback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

/// Up to `limit` committed events with a sequence number above `after`,
/// ascending, as a JSON array. Page through the log by passing the last
/// `seq` seen (0 to start):
///
/// ```json
/// [{"seq": 7, "stream": "order:0190a5f2-...", "version": 1,
///   "recorded_at": "2026-01-01T12:00:00.123456Z", "kind": "OrderPlaced",
///   "payload": "{\"type\":\"OrderPlaced\",\"order_id\":\"0190a5f2-...\",...}",
///   "prev_hash": "000...000", "hash": "3f5a..."}]
/// ```
///
/// `payload` is the event itself as a JSON string: the exact text that was
/// hashed into the chain. `kind` is one of `LocationAdded`,
/// `LocationActivityChanged`, `StockReceived`, `StockAdjusted`,
/// `OrderPlaced`, `StockReserved`, `StockReleased`, `OrderHeld`,
/// `OrderHoldReleased`, `OrderEdited`, `OrderLinesCancelled`,
/// `OrderCancelled`, `PaymentRecorded`, `OrderStatusChanged`,
/// `FulfillmentCreated`, `FulfillmentStatusChanged`, `PickConfirmed`,
/// `UnitsUnfulfilled`, `FulfillmentPacked`, `FulfillmentShipped`,
/// `StockShipped`, `FulfillmentDelivered`, `ShipmentException`,
/// `ShipmentDelayed`, `FulfillmentCancelled`, `BinAssigned`,
/// `ConditionThresholdsSet`. `stream` is `order:<id>`,
/// `fulfillment:<id>`, `stock:<sku>@<location>` or `location:<code>`.
/// `omskit_notification_for` turns an event into a customer notification.
///
/// # Safety
/// `oms` is a live handle; `out_json` is valid for writing a pointer. Free
/// the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_events_since(
    oms: *const Oms,
    after: u64,
    limit: usize,
    out_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h) = unsafe { (out_string(out_json, "out_json")?, handle(oms)?) };
        *slot = to_json(&h.oms.events_since(after, limit)?)?;
        Ok(())
    })
}

/// Re-hashes the whole event log and checks every stream's chain.
/// `*out_intact` is true when every event verified. When `out_report_json`
/// is not NULL it receives the report:
/// `{"events_checked": 42, "streams": 7, "first_broken": null}`, where
/// `first_broken` is `{"seq": ..., "stream": ..., "reason": ...}` for a
/// broken chain. A broken chain is a result, not an error.
///
/// # Safety
/// `oms` is a live handle; `out_intact` is valid for writing a `bool`;
/// `out_report_json` is NULL or valid for writing a pointer. Free the
/// string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_verify_audit_chain(
    oms: *const Oms,
    out_intact: *mut bool,
    out_report_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (report_slot, intact, h) = unsafe {
            (opt_out_string(out_report_json), out(out_intact, "out_intact")?, handle(oms)?)
        };
        let report = h.oms.verify_audit_chain()?;
        *intact = report.is_intact();
        put_json(report_slot, &report)
    })
}

/// The caller's pointer, handed back to its callback on any thread.
struct UserData(*mut c_void);

// SAFETY: omskit never dereferences the pointer; `omskit_subscribe`'s
// contract makes the caller responsible for what its callback does with it
// on whichever thread a change is made.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

impl UserData {
    fn get(&self) -> *mut c_void {
        self.0
    }
}

/// Calls `callback(event_json, user_data)` for every event committed through
/// this handle from now on, after the commit of the change that recorded it
/// (never for a change that failed), in sequence order within that change.
/// `*out_subscription` receives the number to pass to `omskit_unsubscribe`.
///
/// The callback runs on the thread that made the change, before that call
/// returns, and after the store's locks are released: it may call omskit
/// functions on the same handle (but not free it). Calls on several threads
/// may run callbacks at the same time. It must return normally: no
/// `longjmp`, and no C++ exception may leave it.
///
/// # Safety
/// `oms` is a live handle; `callback` is a function that is safe to call
/// with any event until it is unsubscribed and no call that could deliver
/// an event is still running (or until the handle is freed); `user_data`
/// is anything that callback expects; `out_subscription` is valid for
/// writing a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn omskit_subscribe(
    oms: *const Oms,
    callback: EventCallback,
    user_data: *mut c_void,
    out_subscription: *mut u64,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h) = unsafe { (out(out_subscription, "out_subscription")?, handle(oms)?) };
        let callback = callback.ok_or_else(|| crate::status::Failure::null("callback"))?;
        let user = UserData(user_data);
        let id = h.oms.subscribe(move |record| {
            let Ok(json) = serde_json::to_string(record) else { return };
            let Ok(json) = CString::new(json) else { return };
            // SAFETY: the caller of `omskit_subscribe` promised a callback
            // that can be called with an event and its user data.
            unsafe { callback(json.as_ptr(), user.get()) }
        });
        let mut subs = h.subscriptions.lock().unwrap_or_else(|p| p.into_inner());
        subs.next += 1;
        let number = subs.next;
        subs.active.insert(number, id);
        *slot = number;
        Ok(())
    })
}

/// Ends a subscription. A call already running on another thread may still
/// deliver an event to the callback after this returns.
///
/// Errors: `NOT_FOUND` when `subscription` is not active on this handle.
///
/// # Safety
/// `oms` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn omskit_unsubscribe(oms: *const Oms, subscription: u64) -> Status {
    guard(|| {
        // SAFETY: the caller's promise.
        let h = unsafe { handle(oms) }?;
        let id = {
            let mut subs = h.subscriptions.lock().unwrap_or_else(|p| p.into_inner());
            subs.active.remove(&subscription)
        };
        match id {
            Some(id) if h.oms.unsubscribe(id) => Ok(()),
            _ => Err(omskit::Error::not_found("subscription", subscription).into()),
        }
    })
}
