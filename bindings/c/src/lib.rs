//! The C ABI of omskit: `libomskit.so` and `libomskit.a`, declared in
//! `include/omskit.h` (generated from this crate by cbindgen) and wrapped
//! for C++17 in `include/omskit.hpp`.
//!
//! Conventions, the same for every function:
//!
//! - An engine is an opaque handle, `omskit_oms`, created by
//!   `omskit_oms_in_memory`, `omskit_oms_open[_with]` (SQLite) or
//!   `omskit_oms_connect[_with]` (PostgreSQL) and freed by `omskit_oms_free`.
//!   One handle can be used from many threads at once.
//! - Every function that can fail returns an `omskit_status`; inputs come
//!   first, out-parameters last. After a failure `omskit_last_error_message`,
//!   `_field`, `_sku` and `_json` describe it, per thread.
//! - Strings cross as NUL-terminated UTF-8. Strings the library returns
//!   through out-parameters are freed with `omskit_string_free`; string
//!   out-parameters are set to NULL first, so they are NULL after a failure.
//! - Complex documents (drafts, orders, fulfilment orders, packages, pick
//!   lists, tracking events, notifications) cross as JSON in the serde form
//!   of the Rust types; money is a decimal string, never a double.
//! - Carriers implemented by the application are a struct of C callbacks
//!   (`omskit_carrier`) exchanging JSON.
//! - NULL pointers, invalid UTF-8, malformed JSON and unknown ids are
//!   statuses, never crashes; a panic is caught at the boundary and returned
//!   as `OMSKIT_STATUS_PANIC`.
//!
//! Every core error variant maps to exactly one status, in
//! `status::failure_of`.
#![deny(unsafe_op_in_unsafe_fn)]

mod boundary;
pub mod carrier;
pub mod events;
pub mod fulfillment;
pub mod handle;
pub mod inventory;
pub mod notifications;
pub mod orders;
pub mod shipping;
pub mod status;
pub mod util;

pub use carrier::{
    omskit_carriers, omskit_register_carrier, omskit_register_standard_carrier,
    omskit_register_table_rate_carrier, CarrierCallbacks, CarrierFreeFn, CarrierLabelFn,
    CarrierQuoteFn, CarrierVoidFn,
};

pub use events::{
    omskit_events_since, omskit_subscribe, omskit_unsubscribe, omskit_verify_audit_chain,
    EventCallback,
};
pub use fulfillment::{
    omskit_bin, omskit_cancel_fulfillment, omskit_confirm_pick, omskit_create_pick_list,
    omskit_fulfil, omskit_fulfillment, omskit_fulfillments, omskit_hold_fulfillment, omskit_pack,
    omskit_release_fulfillment, omskit_set_bin,
};
pub use handle::{
    omskit_oms_connect, omskit_oms_connect_with, omskit_oms_free, omskit_oms_in_memory,
    omskit_oms_open, omskit_oms_open_with, omskit_oms_set_hold_rules, Oms, PgOptions,
    SqliteOptions, Synchronous,
};
pub use inventory::{
    omskit_add_location, omskit_adjust_stock, omskit_available, omskit_locations,
    omskit_receive_stock, omskit_set_location_active, omskit_stock_level, omskit_stock_levels,
    omskit_stock_movements,
};
pub use notifications::{
    omskit_notification_for, omskit_notifications_since, omskit_state_diagram, DiagramFormat,
};
pub use orders::{
    omskit_cancel_lines, omskit_cancel_order, omskit_edit_order, omskit_hold_order, omskit_order,
    omskit_orders, omskit_place_order, omskit_place_orders, omskit_record_payment,
    omskit_release_hold, omskit_reservations, PaymentKind,
};
pub use shipping::{
    omskit_check_delivery_promises, omskit_condition_readings, omskit_confirm_delivery,
    omskit_quote_shipment, omskit_record_condition_reading, omskit_record_tracking_event,
    omskit_set_condition_thresholds, omskit_ship, omskit_ship_with, omskit_tracking_events,
};
pub use status::{
    omskit_last_error_field, omskit_last_error_json, omskit_last_error_message,
    omskit_last_error_sku, omskit_last_error_status, omskit_status_name, Status,
};
pub use util::{omskit_json_get, omskit_string_free, omskit_test_panic, omskit_version};
