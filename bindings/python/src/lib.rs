//! `omskit._omskit`: the native module of the `omskit` Python package.
//!
//! A thin adapter around the Rust engine: it converts Python values to the
//! core's types ([`convert`], [`draft`]), runs the use case with the
//! interpreter released ([`oms`]), converts the result ([`model`]) and maps
//! errors to one exception hierarchy ([`errors`]). It holds no domain logic.
//!
//! Python imports it through `omskit/__init__.py`, which re-exports every
//! class; the str-valued enums live in `omskit/_enums.py`, the type stubs in
//! `omskit/_omskit.pyi`. Build it with maturin (see `pyproject.toml`).
#![forbid(unsafe_code)]

mod convert;
mod draft;
mod errors;
mod holds;
mod model;
mod oms;

use pyo3::prelude::*;

/// The native part of omskit. Import `omskit` instead: it re-exports everything here.
#[pymodule]
fn _omskit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<oms::PyOms>()?;

    m.add_class::<draft::PyOrderDraft>()?;
    m.add_class::<draft::PyLineDraft>()?;
    m.add_class::<draft::PyCustomer>()?;
    m.add_class::<draft::PyAddress>()?;
    m.add_class::<draft::PyDiscount>()?;
    m.add_class::<draft::PyOrderDiscount>()?;
    m.add_class::<draft::PyOrderEdit>()?;
    m.add_class::<draft::PyLineCancel>()?;

    m.add_class::<holds::GrandTotalAbove>()?;
    m.add_class::<holds::LineQuantityAbove>()?;
    m.add_class::<holds::CustomHoldRule>()?;

    m.add_class::<model::PyOrder>()?;
    m.add_class::<model::PyOrderLine>()?;
    m.add_class::<model::PyTotals>()?;
    m.add_class::<model::PyPayment>()?;
    m.add_class::<model::PyHold>()?;
    m.add_class::<model::PyLocation>()?;
    m.add_class::<model::PyStockLevel>()?;
    m.add_class::<model::PyStockMovement>()?;
    m.add_class::<model::PyReservation>()?;
    m.add_class::<model::Shortage>()?;
    m.add_class::<model::PyEventRecord>()?;
    m.add_class::<model::PyAuditReport>()?;
    m.add_class::<model::PyBrokenLink>()?;

    errors::register(m)?;
    Ok(())
}
