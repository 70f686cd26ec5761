//! Strings the library returns, reading JSON from C, the version, and a
//! deliberate panic for testing the boundary.

use std::ffi::{c_char, CString};

use serde_json::Value;

use crate::boundary::{guard, out_string, text};
use crate::status::Status;

/// Frees a string the library returned through an out-parameter.
/// `omskit_string_free(NULL)` does nothing.
///
/// # Safety
/// `text` is NULL or a string from an omskit out-parameter that was not
/// freed yet. Strings from `omskit_last_error_*`, `omskit_status_name` and
/// `omskit_version` are not to be freed.
#[no_mangle]
pub unsafe extern "C" fn omskit_string_free(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: the caller hands back a string from `CString::into_raw`, once.
        drop(unsafe { CString::from_raw(text) });
    }
}

/// Reads one value out of a JSON document, so C code needs no JSON parser
/// for the common cases. `pointer` is a JSON Pointer (RFC 6901): `""` is
/// the whole document, `"/id"` an order's id, `"/lines/0/id"` its first
/// line's id, `"/totals/grand_total"` its grand total. A string value is
/// returned without quotes (`0190a5f2-...`, `113.20`); any other value as
/// JSON text (`3`, `true`, `null`, `{"sku":...}`).
///
/// Errors: `INVALID_ARGUMENT` when `json` is not JSON or `pointer` is not
/// empty and does not start with `/`; `NOT_FOUND` when nothing is at `pointer`.
///
/// # Safety
/// `json` and `pointer` are NUL-terminated; `out_value` is valid for writing
/// a pointer. Free the string with `omskit_string_free`.
#[no_mangle]
pub unsafe extern "C" fn omskit_json_get(
    json: *const c_char,
    pointer: *const c_char,
    out_value: *mut *mut c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller's promises.
        let (slot, json, pointer) = unsafe {
            (out_string(out_value, "out_value")?, text(json, "json")?, text(pointer, "pointer")?)
        };
        let document: Value = serde_json::from_str(json).map_err(|e| {
            crate::status::Failure::invalid_argument("json", format_args!("not JSON: {e}"))
        })?;
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(crate::status::Failure::invalid_argument(
                "pointer",
                "a JSON Pointer is empty or starts with '/'",
            ));
        }
        let value = document
            .pointer(pointer)
            .ok_or_else(|| omskit::Error::not_found("JSON value", pointer))?;
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        *slot = crate::status::c_string(&text).into_raw();
        Ok(())
    })
}

/// The library's version, such as `"0.1.0"`. A static string: do not free it.
#[no_mangle]
pub extern "C" fn omskit_version() -> *const c_char {
    static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

/// Panics inside the library on purpose and returns what every function
/// returns then: `OMSKIT_STATUS_PANIC`, with the panic's message as the last
/// error. For tests of an application's error handling; it changes nothing.
#[no_mangle]
pub extern "C" fn omskit_test_panic() -> Status {
    guard(|| panic!("omskit_test_panic was called"))
}
