//! The boundary: catching panics, checking pointers, converting strings and JSON.

use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};

use omskit::{FulfillmentId, OrderId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::error::Category;

use crate::status::{clear_last, set_last, Failure, Status};

/// Runs the body of an exported function: a panic becomes `PANIC`, an error
/// becomes its status and this thread's last error; success clears it.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> Status {
    let outcome = panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(Failure::panic(&*payload)));
    match outcome {
        Ok(()) => {
            clear_last();
            Status::Ok
        }
        Err(failure) => set_last(failure),
    }
}

/// A required input string: not NULL, valid UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, param: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(param));
    }
    // SAFETY: not NULL, and the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes)
        .map_err(|e| Failure::invalid_argument(param, format_args!("not valid UTF-8 ({e})")))
}

/// An optional input string: NULL is `None`.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn opt_text<'a>(
    ptr: *const c_char,
    param: &str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { text(ptr, param) }.map(Some)
    }
}

/// A required out-parameter.
///
/// # Safety
/// `ptr` is NULL or valid for writes of a `T`, for `'a`.
pub(crate) unsafe fn out<'a, T>(ptr: *mut T, param: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller promises a valid pointer when it is not NULL.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(param))
}

/// A required string out-parameter, set to NULL at once so that it holds
/// either the result or NULL whatever happens.
///
/// # Safety
/// As [`out`].
pub(crate) unsafe fn out_string<'a>(
    ptr: *mut *mut c_char,
    param: &str,
) -> Result<&'a mut *mut c_char, Failure> {
    // SAFETY: forwarded from the caller.
    let slot = unsafe { out(ptr, param) }?;
    *slot = std::ptr::null_mut();
    Ok(slot)
}

/// An optional string out-parameter (NULL: the caller does not want it).
///
/// # Safety
/// As [`out`].
pub(crate) unsafe fn opt_out_string<'a>(ptr: *mut *mut c_char) -> Option<&'a mut *mut c_char> {
    // SAFETY: the caller promises a valid pointer when it is not NULL.
    let slot = unsafe { ptr.as_mut() }?;
    *slot = std::ptr::null_mut();
    Some(slot)
}

/// An order id in its hyphenated UUID form (`VALIDATION` on `order_id` otherwise).
pub(crate) fn order_id(text: &str) -> Result<OrderId, Failure> {
    Ok(text.parse::<OrderId>()?)
}

/// The id a listing starts after, in its hyphenated UUID form
/// (`VALIDATION` on `after`, the parameter, otherwise).
pub(crate) fn after_id<I: std::str::FromStr<Err = omskit::Error>>(
    text: &str,
) -> Result<I, Failure> {
    let id = text.parse::<I>().map_err(|e| match e {
        omskit::Error::Validation { message, .. } => omskit::Error::validation("after", message),
        other => other,
    })?;
    Ok(id)
}

/// A fulfilment order id in its hyphenated UUID form (`VALIDATION` on
/// `fulfillment_id` otherwise).
pub(crate) fn fulfillment_id(text: &str) -> Result<FulfillmentId, Failure> {
    Ok(text.parse::<FulfillmentId>()?)
}

/// An RFC 3339 timestamp (`2026-01-05T14:30:00Z`) of whatever time type the
/// core asks for; `VALIDATION` on `param` otherwise.
pub(crate) fn timestamp<T: DeserializeOwned>(text: &str, param: &str) -> Result<T, Failure> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| {
        omskit::Error::validation(
            param,
            format!("{text:?} is not an RFC 3339 timestamp such as 2026-01-05T14:30:00Z: {e}"),
        )
        .into()
    })
}

/// Parses `text` (the parameter `param`) as JSON of type `T`. Text that is
/// not JSON is `INVALID_ARGUMENT`; JSON of the wrong shape is `VALIDATION`
/// naming the path of the offending value (`lines[0].quantity`).
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, param: &str) -> Result<T, Failure> {
    parse_json(text, param, None)
}

/// As [`from_json`], for a document whose fields the core names from its
/// top (`carrier_event_id`, `proof.signed_by`): a shape error names the
/// field, a missing field included, and the parameter for the document as
/// a whole.
pub(crate) fn from_json_doc<T: DeserializeOwned>(text: &str, param: &str) -> Result<T, Failure> {
    from_object_as(text, param, "")
}

/// As [`from_json_as`], for a document that must be a JSON object (serde
/// would also read a struct from an array of its fields in order).
pub(crate) fn from_object_as<T: DeserializeOwned>(
    text: &str,
    param: &str,
    root: &str,
) -> Result<T, Failure> {
    let value = parse_json(text, param, Some(root))?;
    if !text.trim_start().starts_with('{') {
        let field = if root.is_empty() { param } else { root };
        return Err(Failure::json_shape(param, Some(field.to_owned()), "expected a JSON object"));
    }
    Ok(value)
}

/// As [`from_json`], for a document the core calls `root`: the field of a
/// shape error is named as the core names it in its own errors
/// (`packages[0].weight_kg`, and `packages` for the document as a whole).
pub(crate) fn from_json_as<T: DeserializeOwned>(
    text: &str,
    param: &str,
    root: &str,
) -> Result<T, Failure> {
    parse_json(text, param, Some(root))
}

fn parse_json<T: DeserializeOwned>(
    text: &str,
    param: &str,
    root: Option<&str>,
) -> Result<T, Failure> {
    // The fast path; the path of a failure is found by parsing again.
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => {
                let field = match root {
                    None => (path != ".").then_some(path),
                    Some(root) => Some(field_path(root, param, &path, &inner.to_string())),
                };
                Failure::json_shape(param, field, inner)
            }
            Category::Syntax | Category::Eof | Category::Io => {
                Failure::invalid_argument(param, format_args!("not JSON: {inner}"))
            }
        }
    })?;
    de.end().map_err(|e| Failure::invalid_argument(param, format_args!("not JSON: {e}")))?;
    Ok(value)
}

/// `value` as JSON in a new C string for the caller to free with `omskit_string_free`.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<*mut c_char, Failure> {
    let mut bytes = Vec::with_capacity(2048);
    serde_json::to_writer(&mut bytes, value).map_err(omskit::Error::storage)?;
    bytes.push(0);
    // JSON escapes control characters, so the only NUL is the terminator.
    let text = CString::from_vec_with_nul(bytes).map_err(omskit::Error::storage)?;
    Ok(text.into_raw())
}

/// Stores `value` as JSON in `slot`, when the caller asked for it.
pub(crate) fn put_json<T: Serialize + ?Sized>(
    slot: Option<&mut *mut c_char>,
    value: &T,
) -> Result<(), Failure> {
    if let Some(slot) = slot {
        *slot = to_json(value)?;
    }
    Ok(())
}

/// The field a JSON shape error is about: `path` (serde_path_to_error's
/// form, `.` for the top, `[0].lines`) under `root` (empty: the document's
/// own fields, `param` for the whole), with the name of a missing field
/// appended.
fn field_path(root: &str, param: &str, path: &str, message: &str) -> String {
    let mut field = match path {
        "." => root.to_owned(),
        p if root.is_empty() || p.starts_with('[') => format!("{root}{p}"),
        p => format!("{root}.{p}"),
    };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    if let Some(name) = missing {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    if field.is_empty() {
        param.to_owned()
    } else {
        field
    }
}
