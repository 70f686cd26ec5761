//! `omskit._omskit`: the native module of the `omskit` Python package.
//!
//! A thin adapter around the Rust engine: it converts Python values to the
//! core's types ([`convert`], [`draft`]), runs the use case with the
//! interpreter released ([`oms`]), converts the result ([`model`]) and maps
//! errors to one exception hierarchy ([`errors`]). It holds no domain logic.
//! Fulfilment ([`fulfillment`]), shipping ([`shipping`], with carriers
//! written in Python in [`carrier`]) and notifications ([`notification`])
//! follow the same pattern.
//!
//! Python imports it through `omskit/__init__.py`, which re-exports every
//! class; the str-valued enums live in `omskit/_enums.py`, the type stubs in
//! `omskit/_omskit.pyi`. Build it with maturin (see `pyproject.toml`).
#![forbid(unsafe_code)]

mod carrier;
mod convert;
mod draft;
mod errors;
mod fulfillment;
mod holds;
mod model;
mod notification;
mod oms;
mod shipping;

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

    m.add_class::<fulfillment::PyFulfillmentOrder>()?;
    m.add_class::<fulfillment::PyFulfillmentLine>()?;
    m.add_class::<fulfillment::PyPackage>()?;
    m.add_class::<fulfillment::PyPackageLine>()?;
    m.add_class::<fulfillment::PyPickList>()?;
    m.add_class::<fulfillment::PyPickListEntry>()?;
    m.add_class::<fulfillment::PyPickSource>()?;
    m.add_class::<fulfillment::PyPickTotal>()?;

    m.add_class::<shipping::PyShipment>()?;
    m.add_class::<shipping::PyRateQuote>()?;
    m.add_class::<shipping::PyRateRequest>()?;
    m.add_class::<shipping::PyParcel>()?;
    m.add_class::<shipping::PyTrackingEvent>()?;
    m.add_class::<shipping::PyTrackingOutcome>()?;
    m.add_class::<shipping::PyDeliveryProof>()?;
    m.add_class::<shipping::PyConditionThresholds>()?;
    m.add_class::<shipping::PyConditionReading>()?;

    m.add_class::<notification::PyNotification>()?;
    m.add_class::<notification::PyNotificationPage>()?;
    m.add_class::<notification::PyRecipient>()?;
    m.add_class::<notification::PyTrackingInfo>()?;
    m.add_function(wrap_pyfunction!(notification::diagram, m)?)?;

    errors::register(m)?;
    Ok(())
}
