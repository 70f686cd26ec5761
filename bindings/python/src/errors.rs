//! The exception hierarchy and the one function that maps core errors to it.
//!
//! ```text
//! OmsError                 base of everything omskit raises (a closed Oms raises it as is)
//! ├── NotFound             .entity, .id
//! ├── ValidationError      .field (None when no single field is at fault)
//! ├── InsufficientStock    .sku, .requested, .available, .shortages
//! ├── InvalidTransition    .entity, .from_state, .action
//! ├── Conflict             .field (the first field that differs, or None)
//! └── StorageError         .retryable
//! ```
//!
//! Wrong Python types (a `str` where an `int` is expected, `None` for a
//! required argument, a `float` for money) are `TypeError`, as everywhere in
//! Python; wrong values are `ValidationError`.

use omskit::Error;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use crate::convert::Path;
use crate::model::Shortage;

pyo3::create_exception!(
    omskit,
    OmsError,
    PyException,
    "Base class of every error omskit raises. A call on a closed `Oms` raises it directly."
);
pyo3::create_exception!(
    omskit,
    NotFound,
    OmsError,
    "The order, order line, location, fulfilment order, shipment (by tracking number), carrier \
     or carrier service does not exist (`.entity`, `.id`)."
);
pyo3::create_exception!(
    omskit,
    ValidationError,
    OmsError,
    "An input value is missing, malformed or out of range. `.field` names it, as in \
     `lines[2].quantity` (None when no single field is at fault)."
);
pyo3::create_exception!(
    omskit,
    InsufficientStock,
    OmsError,
    "Not enough available stock. `.sku`, `.requested` and `.available` describe the first \
     short line; `.shortages` lists every short line. Nothing was reserved."
);
pyo3::create_exception!(
    omskit,
    InvalidTransition,
    OmsError,
    "The action is not allowed in the entity's current state (`.entity`, `.from_state`, \
     `.action`)."
);
pyo3::create_exception!(
    omskit,
    Conflict,
    OmsError,
    "The request collides with existing data: an idempotency key reused with other content, \
     an external id taken, a concurrent update. `.field` names the first field that differs, \
     where one does."
);
pyo3::create_exception!(
    omskit,
    StorageError,
    OmsError,
    "The store failed (disk, database server, a schema written by a newer omskit). \
     `.retryable` is True when trying again may succeed."
);

/// Adds the exception classes to the module, with their attributes' class-level
/// defaults (so `ValidationError("x").field` is None rather than an AttributeError).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let none = py.None();
    let defaults: [(Bound<'_, PyType>, &[&str]); 7] = [
        (py.get_type::<OmsError>(), &[]),
        (py.get_type::<NotFound>(), &["entity", "id"]),
        (py.get_type::<ValidationError>(), &["field"]),
        (py.get_type::<InsufficientStock>(), &["sku", "requested", "available"]),
        (py.get_type::<InvalidTransition>(), &["entity", "from_state", "action"]),
        (py.get_type::<Conflict>(), &["field"]),
        (py.get_type::<StorageError>(), &[]),
    ];
    for (class, attributes) in defaults {
        for name in attributes {
            class.setattr(*name, &none)?;
        }
        m.add(class.name()?, class)?;
    }
    py.get_type::<InsufficientStock>().setattr("shortages", PyTuple::empty(py))?;
    py.get_type::<StorageError>().setattr("retryable", false)?;
    Ok(())
}

/// Maps a core error to its Python exception. Every variant of
/// [`omskit::Error`] maps to exactly one class, here and nowhere else.
pub(crate) fn to_py(py: Python<'_>, error: Error) -> PyErr {
    build(py, error).unwrap_or_else(|e| e)
}

fn build(py: Python<'_>, error: Error) -> PyResult<PyErr> {
    let message = error.to_string();
    match error {
        Error::Validation { field, .. } => {
            exception::<ValidationError>(py, message, &[("field", field.into_bound_py_any(py)?)])
        }
        Error::UnknownCurrency { .. } | Error::CurrencyMismatch { .. } => {
            exception::<ValidationError>(
                py,
                message,
                &[("field", "currency".into_bound_py_any(py)?)],
            )
        }
        Error::Overflow { .. } => {
            exception::<ValidationError>(py, message, &[("field", py.None().into_bound(py))])
        }
        Error::NotFound { entity, id } => exception::<NotFound>(
            py,
            message,
            &[("entity", entity.into_bound_py_any(py)?), ("id", id.into_bound_py_any(py)?)],
        ),
        Error::InsufficientStock { sku, requested, available, shortages } => {
            let shortages: Vec<Shortage> = shortages.into_iter().map(Shortage::from).collect();
            exception::<InsufficientStock>(
                py,
                message,
                &[
                    ("sku", sku.into_bound_py_any(py)?),
                    ("requested", requested.into_bound_py_any(py)?),
                    ("available", available.into_bound_py_any(py)?),
                    ("shortages", PyTuple::new(py, shortages)?.into_any()),
                ],
            )
        }
        Error::InvalidTransition { entity, from, action } => exception::<InvalidTransition>(
            py,
            message,
            &[
                ("entity", entity.into_bound_py_any(py)?),
                ("from_state", from.into_bound_py_any(py)?),
                ("action", action.into_bound_py_any(py)?),
            ],
        ),
        Error::Conflict { field, .. } => {
            exception::<Conflict>(py, message, &[("field", field.into_bound_py_any(py)?)])
        }
        Error::UnsupportedSchema { .. } => {
            exception::<StorageError>(py, message, &[("retryable", false.into_bound_py_any(py)?)])
        }
        Error::Storage { retryable, .. } => exception::<StorageError>(
            py,
            message,
            &[("retryable", retryable.into_bound_py_any(py)?)],
        ),
        // A variant added to the core after this binding was written.
        _ => exception::<OmsError>(py, message, &[]),
    }
}

/// An exception of class `E` with `message` and the given attributes.
fn exception<E: pyo3::PyTypeInfo>(
    py: Python<'_>,
    message: String,
    attributes: &[(&str, Bound<'_, PyAny>)],
) -> Result<PyErr, PyErr> {
    let value = py.get_type::<E>().call1((message,))?;
    for (name, attribute) in attributes {
        value.setattr(*name, attribute)?;
    }
    Ok(PyErr::from_value(value))
}

/// `ValidationError` for a value the binding itself refuses before the core
/// sees it (an int beyond the Rust range, a NaN amount); mapped like any
/// core `Validation` error.
pub(crate) fn validation(py: Python<'_>, field: &Path<'_>, message: impl Into<String>) -> PyErr {
    to_py(py, Error::validation(field.to_string(), message))
}

/// `TypeError` for a value of the wrong Python type at `field`.
pub(crate) fn wrong_type(field: &Path<'_>, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string());
    PyTypeError::new_err(format!("{field}: expected {expected}, got {got}"))
}

/// The error of a call on an `Oms` that was closed.
pub(crate) fn closed() -> PyErr {
    OmsError::new_err("this Oms is closed")
}
