//! Status codes, the one mapping from core errors to them, and the
//! per-thread last error.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::fmt::Display;

use omskit::Error;
use serde_json::{json, Map, Value};

/// The outcome of a call. Every function that can fail returns one.
///
/// The values are part of the ABI: they are fixed, and a value is never
/// reused for another meaning. New statuses get new numbers.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The call succeeded.
    Ok = 0,
    /// An order, order line, location, subscription, fulfilment order,
    /// shipment (tracking number), carrier or carrier service does not
    /// exist (`omskit_last_error_json()` has `entity` and `id`).
    NotFound = 1,
    /// An input value is missing, malformed or out of range, including JSON
    /// that is well-formed but does not match the expected shape;
    /// `omskit_last_error_field()` names it (`lines[2].quantity`).
    Validation = 2,
    /// Not enough available stock; `omskit_last_error_sku()` names the first
    /// short SKU and `omskit_last_error_json()` lists every shortage.
    InsufficientStock = 3,
    /// The action is not allowed in the current state of the order or
    /// fulfilment order (`omskit_last_error_json()` has `entity`, `from`
    /// and `action`).
    InvalidTransition = 4,
    /// The request collides with existing data: an idempotency key reused
    /// with other content, a duplicate external id or location code, a
    /// payment reference recorded with another amount, or a concurrent
    /// update that kept failing. `omskit_last_error_field()` names the first
    /// differing field where there is one.
    Conflict = 5,
    /// The storage backend failed (file, database or connection), or a
    /// carrier did (`omskit_last_error_json()` has `retryable`: true for a
    /// transient failure).
    Storage = 6,
    /// The call itself is malformed: a NULL pointer where one is required,
    /// text that is not UTF-8, text that is not JSON at all, an enum value
    /// out of range. `omskit_last_error_field()` names the parameter.
    InvalidArgument = 7,
    /// A bug: the library panicked. The panic was caught at the boundary;
    /// the handle can still be used and freed.
    Panic = 8,
    /// A currency code that is not in omskit's ISO 4217 table.
    UnknownCurrency = 9,
    /// Arithmetic between amounts of two different currencies, or carriers
    /// quoting in different currencies for rate shopping.
    CurrencyMismatch = 10,
    /// An amount or count left the representable range.
    Overflow = 11,
    /// The database was written by a newer omskit; it was left untouched.
    UnsupportedSchema = 12,
    /// An error of the core that this build of the C binding has no status
    /// for yet; the message says what happened.
    Other = 13,
}

/// Every status, in value order.
pub(crate) const ALL_STATUSES: [Status; 14] = [
    Status::Ok,
    Status::NotFound,
    Status::Validation,
    Status::InsufficientStock,
    Status::InvalidTransition,
    Status::Conflict,
    Status::Storage,
    Status::InvalidArgument,
    Status::Panic,
    Status::UnknownCurrency,
    Status::CurrencyMismatch,
    Status::Overflow,
    Status::UnsupportedSchema,
    Status::Other,
];

impl Status {
    /// The status's name without the `OMSKIT_STATUS_` prefix, as a C string.
    pub fn name(self) -> &'static CStr {
        match self {
            Status::Ok => c"OK",
            Status::NotFound => c"NOT_FOUND",
            Status::Validation => c"VALIDATION",
            Status::InsufficientStock => c"INSUFFICIENT_STOCK",
            Status::InvalidTransition => c"INVALID_TRANSITION",
            Status::Conflict => c"CONFLICT",
            Status::Storage => c"STORAGE",
            Status::InvalidArgument => c"INVALID_ARGUMENT",
            Status::Panic => c"PANIC",
            Status::UnknownCurrency => c"UNKNOWN_CURRENCY",
            Status::CurrencyMismatch => c"CURRENCY_MISMATCH",
            Status::Overflow => c"OVERFLOW",
            Status::UnsupportedSchema => c"UNSUPPORTED_SCHEMA",
            Status::Other => c"OTHER",
        }
    }

    fn name_str(self) -> &'static str {
        self.name().to_str().unwrap_or("OTHER")
    }
}

/// Why a call failed: the status and everything the last-error functions
/// report. Boxed, so that results that carry it stay small.
#[derive(Debug)]
pub(crate) struct Failure(Box<Details>);

#[derive(Debug)]
struct Details {
    status: Status,
    message: String,
    field: Option<String>,
    sku: Option<String>,
    /// Variant-specific details (an object), merged into the error JSON.
    details: Map<String, Value>,
}

impl Failure {
    fn new(status: Status, message: String) -> Failure {
        Failure(Box::new(Details { status, message, field: None, sku: None, details: Map::new() }))
    }

    /// The status the call returns.
    pub(crate) fn status(&self) -> Status {
        self.0.status
    }

    /// `INVALID_ARGUMENT` for the parameter `param`.
    pub(crate) fn invalid_argument(param: &str, message: impl Display) -> Failure {
        let mut failure = Failure::new(Status::InvalidArgument, format!("{param}: {message}"));
        failure.0.field = Some(param.to_owned());
        failure
    }

    /// `INVALID_ARGUMENT` for a NULL pointer passed as `param`.
    pub(crate) fn null(param: &str) -> Failure {
        Failure::invalid_argument(param, "must not be NULL")
    }

    /// `VALIDATION` of JSON that parsed but does not have the expected
    /// shape; `field` is the path inside the document (`None` for the whole).
    pub(crate) fn json_shape(param: &str, field: Option<String>, message: impl Display) -> Failure {
        let where_ = field.as_deref().unwrap_or(param);
        let prefix = format!("invalid {where_}: ");
        let message = message.to_string();
        // A core validation error inside serde already names the field.
        let message = message.strip_prefix(&prefix).unwrap_or(&message);
        let mut failure = Failure::new(Status::Validation, format!("{prefix}{message}"));
        failure.0.details.insert("field".into(), json!(field));
        failure.0.field = field;
        failure
    }

    /// `PANIC`, with the panic's message.
    pub(crate) fn panic(payload: &(dyn std::any::Any + Send)) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        Failure::new(Status::Panic, format!("omskit panicked (a bug; please report it): {what}"))
    }

    /// The error as a JSON object: `status`, `code`, `message`, then the details.
    pub(crate) fn to_json(&self) -> Value {
        let this = &self.0;
        let mut object = Map::new();
        object.insert("status".into(), json!(this.status.name_str()));
        object.insert("code".into(), json!(this.status as i32));
        object.insert("message".into(), json!(this.message));
        if let Some(field) = &this.field {
            object.insert("field".into(), json!(field));
        }
        for (key, value) in &this.details {
            object.entry(key.clone()).or_insert_with(|| value.clone());
        }
        Value::Object(object)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        failure_of(error)
    }
}

/// THE mapping from core errors to statuses: every variant of
/// [`omskit::Error`] maps to exactly one status, here and nowhere else.
pub(crate) fn failure_of(error: Error) -> Failure {
    let message = error.to_string();
    let (status, field, sku, details) = match error {
        Error::Validation { field, message: _ } => {
            (Status::Validation, Some(field.clone()), None, json!({ "field": field }))
        }
        Error::UnknownCurrency { code } => {
            // Not `code`: that key is the status's value.
            (Status::UnknownCurrency, None, None, json!({ "currency": code }))
        }
        Error::CurrencyMismatch { expected, found } => {
            (Status::CurrencyMismatch, None, None, json!({ "expected": expected, "found": found }))
        }
        Error::Overflow { what } => (Status::Overflow, None, None, json!({ "what": what })),
        Error::NotFound { entity, id } => {
            (Status::NotFound, None, None, json!({ "entity": entity, "id": id }))
        }
        Error::InsufficientStock { sku, requested, available, shortages } => (
            Status::InsufficientStock,
            None,
            Some(sku.clone()),
            json!({
                "sku": sku,
                "requested": requested,
                "available": available,
                "shortages": shortages,
            }),
        ),
        Error::InvalidTransition { entity, from, action } => (
            Status::InvalidTransition,
            None,
            None,
            json!({ "entity": entity, "from": from, "action": action }),
        ),
        Error::Conflict { field, message: _ } => {
            (Status::Conflict, field.clone(), None, json!({ "field": field }))
        }
        Error::UnsupportedSchema { found, supported } => (
            Status::UnsupportedSchema,
            None,
            None,
            json!({ "found": found, "supported": supported }),
        ),
        Error::Storage { message: _, retryable } => {
            (Status::Storage, None, None, json!({ "retryable": retryable }))
        }
        // `Error` is non-exhaustive: a variant added to the core after this
        // binding was written gets its own status when the binding learns it.
        _ => (Status::Other, None, None, json!({})),
    };
    let details = match details {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Failure(Box::new(Details { status, message, field, sku, details }))
}

/// The last failure of this thread, as the C strings the accessors return.
struct LastError {
    status: Status,
    message: CString,
    field: Option<CString>,
    sku: Option<CString>,
    json: CString,
}

thread_local! {
    static LAST: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// A C string of `text`; NUL bytes (which no C string can hold) become `\0`.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// Records `failure` as this thread's last error and returns its status.
pub(crate) fn set_last(failure: Failure) -> Status {
    let status = failure.status();
    let json = c_string(&failure.to_json().to_string());
    let this = &failure.0;
    let last = LastError {
        status,
        message: c_string(&this.message),
        field: this.field.as_deref().map(c_string),
        sku: this.sku.as_deref().map(c_string),
        json,
    };
    // `try_with` fails only while the thread is being torn down.
    let _ = LAST.try_with(|cell| *cell.borrow_mut() = Some(last));
    status
}

/// Forgets this thread's last error (after a successful call).
pub(crate) fn clear_last() {
    let _ = LAST.try_with(|cell| {
        if cell.borrow().is_some() {
            *cell.borrow_mut() = None;
        }
    });
}

/// Reads this thread's last error.
fn with_last<R>(f: impl FnOnce(Option<&LastError>) -> R) -> R {
    let mut f = Some(f);
    let result = LAST.try_with(|cell| (f.take().expect("called once"))(cell.borrow().as_ref()));
    match result {
        Ok(value) => value,
        Err(_) => (f.take().expect("not called"))(None),
    }
}

/// The status of the last call on this thread that failed, or
/// `OMSKIT_STATUS_OK` if the last call succeeded (or none was made).
#[no_mangle]
pub extern "C" fn omskit_last_error_status() -> Status {
    with_last(|last| last.map_or(Status::Ok, |e| e.status))
}

/// The message of the last error on this thread, or `""` after a successful
/// call. The string belongs to the library and stays valid until the next
/// omskit call on this thread; do not free it.
#[no_mangle]
pub extern "C" fn omskit_last_error_message() -> *const c_char {
    with_last(|last| last.map_or(c"".as_ptr(), |e| e.message.as_ptr()))
}

/// The field the last error on this thread is about, or NULL when it has
/// none: the path of a bad input field for `VALIDATION` (`lines[2].quantity`,
/// `customer.email`), the first differing field for `CONFLICT`, the
/// parameter's name for `INVALID_ARGUMENT` (`draft_json`). Valid until the
/// next omskit call on this thread; do not free it.
#[no_mangle]
pub extern "C" fn omskit_last_error_field() -> *const c_char {
    with_last(|last| last.and_then(|e| e.field.as_ref()).map_or(std::ptr::null(), |f| f.as_ptr()))
}

/// The SKU of the first short line when the last error on this thread is
/// `INSUFFICIENT_STOCK`, or NULL. Valid until the next omskit call on this
/// thread; do not free it.
#[no_mangle]
pub extern "C" fn omskit_last_error_sku() -> *const c_char {
    with_last(|last| last.and_then(|e| e.sku.as_ref()).map_or(std::ptr::null(), |s| s.as_ptr()))
}

/// Everything about the last error on this thread as a JSON object, or NULL
/// after a successful call:
///
/// ```json
/// {"status": "INSUFFICIENT_STOCK", "code": 3,
///  "message": "insufficient stock for CHAIR: requested 100, available 12",
///  "sku": "CHAIR", "requested": 100, "available": 12,
///  "shortages": [{"sku": "CHAIR", "requested": 100, "available": 12}]}
/// ```
///
/// Besides `status`, `code` and `message`: `field` (VALIDATION, CONFLICT,
/// INVALID_ARGUMENT), `entity` and `id` (NOT_FOUND), `entity`, `from` and
/// `action` (INVALID_TRANSITION), `retryable` (STORAGE), `found` and
/// `supported` (UNSUPPORTED_SCHEMA), `what` (OVERFLOW), `currency`
/// (UNKNOWN_CURRENCY), `expected` and `found` (CURRENCY_MISMATCH). Valid
/// until the next omskit call on this thread; do not free it.
#[no_mangle]
pub extern "C" fn omskit_last_error_json() -> *const c_char {
    with_last(|last| last.map_or(std::ptr::null(), |e| e.json.as_ptr()))
}

/// The name of a status value without its prefix (`"INSUFFICIENT_STOCK"`),
/// or `"UNKNOWN"` for a value that is not a status. A static string: do not
/// free it.
#[no_mangle]
pub extern "C" fn omskit_status_name(status: i32) -> *const c_char {
    ALL_STATUSES
        .iter()
        .find(|s| **s as i32 == status)
        .map_or(c"UNKNOWN".as_ptr(), |s| s.name().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_fixed_and_names_match() {
        for (value, status) in ALL_STATUSES.iter().enumerate() {
            assert_eq!(*status as i32, value as i32);
            // SAFETY: `omskit_status_name` returns a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(omskit_status_name(value as i32)) };
            assert_eq!(name, status.name());
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(omskit_status_name(99)) };
        assert_eq!(unknown, c"UNKNOWN");
    }

    #[test]
    fn each_variant_maps_to_its_status() {
        let cases = [
            (Error::validation("lines[0].quantity", "bad"), Status::Validation),
            (Error::UnknownCurrency { code: "XYZ".into() }, Status::UnknownCurrency),
            (
                Error::CurrencyMismatch { expected: "USD".into(), found: "EUR".into() },
                Status::CurrencyMismatch,
            ),
            (Error::Overflow { what: "total".into() }, Status::Overflow),
            (Error::not_found("order", "x"), Status::NotFound),
            (
                Error::insufficient_stock(vec![omskit::Shortage {
                    sku: "A".into(),
                    requested: 2,
                    available: 1,
                }]),
                Status::InsufficientStock,
            ),
            (Error::invalid_transition("order", "cancelled", "hold"), Status::InvalidTransition),
            (Error::conflict(Some("code"), "exists"), Status::Conflict),
            (Error::UnsupportedSchema { found: 9, supported: 1 }, Status::UnsupportedSchema),
            (Error::storage("disk"), Status::Storage),
        ];
        for (error, status) in cases {
            let failure = failure_of(error);
            assert_eq!(failure.status(), status);
            let json = failure.to_json();
            assert_eq!(json["status"], status.name_str());
            assert_eq!(json["code"], status as i32);
        }
        let short = failure_of(Error::insufficient_stock(vec![omskit::Shortage {
            sku: "A".into(),
            requested: 2,
            available: 1,
        }]));
        assert_eq!(short.0.sku.as_deref(), Some("A"));
        assert_eq!(short.to_json()["shortages"][0]["requested"], 2);
    }

    #[test]
    fn last_error_is_per_thread_and_cleared_by_success() {
        set_last(Failure::null("oms"));
        assert_eq!(omskit_last_error_status(), Status::InvalidArgument);
        std::thread::spawn(|| assert_eq!(omskit_last_error_status(), Status::Ok))
            .join()
            .expect("thread");
        // SAFETY: the accessors return NUL-terminated strings valid until the next call.
        let field = unsafe { CStr::from_ptr(omskit_last_error_field()) };
        assert_eq!(field, c"oms");
        clear_last();
        assert!(omskit_last_error_field().is_null());
        assert!(omskit_last_error_json().is_null());
    }
}
