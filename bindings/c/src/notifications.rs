//! Customer notifications derived from the event log, and the state
//! diagrams of the order and fulfilment-order life cycles.

use std::ffi::c_char;

use omskit::diagram::{StateDiagram, StateMachine};
use omskit::{EventRecord, FulfillmentStatus, OrderStatus};

use crate::boundary::{from_json_doc, guard, out_string, text, to_json};
use crate::handle::{handle, Oms};
use crate::status::{c_string, Failure, Status};

/// The customer notification an event calls for. `event_json` is one event
/// as `omskit_events_since` lists it or `omskit_subscribe` delivers it.
/// `*out_notification_json` receives NULL when the event is not a
/// customer-facing moment (the call still returns `OMSKIT_STATUS_OK`), or:
///
/// ```json
/// {"event_seq": 42, "kind": "shipped", "template_key": "shipped",
///  "order_id": "...", "external_id": "web-1001",
///  "recipient": {"customer_id": "c-42", "name": "Ada Lovelace",
///                "email": "ada@example.com", "phone": null},
///  "tracking": {"fulfillment_id": "...", "carrier": "table-rate",
///               "service": "ground", "tracking_number": "TR...",
///               "promised_delivery": "2026-01-12T23:59:59Z"},
///  "recorded_at": "2026-01-05T14:30:00.123456Z"}
/// ```
///
/// `kind` (and `template_key`) is `order_confirmed`, `shipped`,
/// `out_for_delivery`, `delivered`, `delayed` or `delivery_failed`;
/// `tracking` is null for `order_confirmed`. omskit sends nothing: the
/// application renders the template and sends it.
///
/// Errors: `INVALID_ARGUMENT` when `event_json` is not JSON; `VALIDATION`
/// when it is not an event (`seq`, `payload` not an event omskit knows...).
///
/// # Safety
/// `oms` is a live handle; `event_json` is NUL-terminated;
/// `out_notification_json` is valid for writing a pointer. Free the string
/// with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_notification_for(
    oms: *const Oms,
    event_json: *const c_char,
    out_notification_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h, event) = unsafe {
            (
                out_string(out_notification_json, "out_notification_json")?,
                handle(oms)?,
                text(event_json, "event_json")?,
            )
        };
        let record: EventRecord = from_json_doc(event, "event_json")?;
        // The core reads the payload only for the kinds that notify; a
        // payload that is not an event is the caller's mistake whatever the kind.
        record.event().map_err(|e| omskit::Error::validation("payload", e.to_string()))?;
        if let Some(notification) = h.oms.notification_for(&record)? {
            *slot = to_json(&notification)?;
        }
        Ok(())
    })
}

/// The notifications from the events after `after` (a sequence number, 0
/// to start), examining at most `limit` events:
/// `{"notifications": [...], "cursor": 57}` (each notification as
/// `omskit_notification_for` describes it). Pass `cursor` as `after` next
/// time; a worker that stores it once the page is delivered delivers every
/// notification at least once, across restarts.
///
/// # Safety
/// `oms` is a live handle; `out_page_json` is valid for writing a pointer.
/// Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_notifications_since(
    oms: *const Oms,
    after: u64,
    limit: usize,
    out_page_json: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, h) = unsafe { (out_string(out_page_json, "out_page_json")?, handle(oms)?) };
        *slot = to_json(&h.oms.notifications_since(after, limit)?)?;
        Ok(())
    })
}

/// The text format of `omskit_state_diagram`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagramFormat {
    /// Mermaid `stateDiagram-v2` source.
    Mermaid = 0,
    /// A Graphviz DOT `digraph`, laid out left to right.
    Dot = 1,
}

/// The state diagram of a life cycle, drawn from the transition table the
/// engine enforces: `machine` is `"order"` or `"fulfillment"`, `format` an
/// `omskit_diagram_format` (`OMSKIT_DIAGRAM_FORMAT_MERMAID` or
/// `OMSKIT_DIAGRAM_FORMAT_DOT`). `*out_text` receives the diagram's source:
///
/// ```text
/// stateDiagram-v2
///     [*] --> placed
///     placed --> on_hold : hold
///     ...
/// ```
///
/// Errors: `INVALID_ARGUMENT` for a `format` out of range; `VALIDATION`
/// (field `machine`) for another machine name.
///
/// # Safety
/// `machine` is NUL-terminated; `out_text` is valid for writing a pointer.
/// Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_state_diagram(
    machine: *const c_char,
    format: u32,
    out_text: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, machine) =
            unsafe { (out_string(out_text, "out_text")?, text(machine, "machine")?) };
        let diagram: StateDiagram = match machine {
            "order" => OrderStatus::diagram(),
            "fulfillment" => FulfillmentStatus::diagram(),
            other => {
                return Err(omskit::Error::validation(
                    "machine",
                    format!("{other:?} is not a state machine (\"order\" or \"fulfillment\")"),
                )
                .into())
            }
        };
        let source = match format {
            0 => diagram.to_mermaid(),
            1 => diagram.to_dot(),
            other => {
                return Err(Failure::invalid_argument(
                    "format",
                    format_args!("{other} is not an omskit_diagram_format value"),
                ))
            }
        };
        *slot = c_string(&source).into_raw();
        Ok(())
    })
}
