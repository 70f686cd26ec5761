//! What the engine returns: orders, stock, reservations, events, as typed
//! read-only Python objects.
//!
//! Each one wraps the core value and converts a field when it is read, so a
//! use case returns as fast as the core does; `to_dict()` converts
//! everything at once into plain Python data (`Decimal`, aware `datetime`,
//! str-valued enums, nested dicts and lists) with the Rust serde field names.

use omskit::{
    AuditReport, EventRecord, Location, Order, OrderLine, Reservation, StockLevel, StockMovement,
    Totals,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::IntoPyObjectExt;

use crate::convert::{py_decimal, py_enum, py_json, py_opt_time, py_time, Enum};
use crate::draft::{opt_plain, plain_list, PyAddress, PyCustomer, PyDiscount, PyOrderDiscount};

/// A value that has a plain-dict form (`to_dict()`).
pub(crate) trait Plain {
    /// The value as a dict of plain Python data.
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>>;
}

/// `Name(field=repr, ...)` from a plain dict.
pub(crate) fn repr_of(name: &str, fields: &Bound<'_, PyDict>) -> PyResult<String> {
    let mut out = format!("{name}(");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&key.str()?.to_cow()?);
        out.push('=');
        out.push_str(&value.repr()?.to_cow()?);
    }
    out.push(')');
    Ok(out)
}

/// Sets `key` of a plain dict to any value that converts.
pub(crate) fn set<'py>(
    dict: &Bound<'py, PyDict>,
    key: &str,
    value: impl IntoPyObject<'py>,
) -> PyResult<()> {
    dict.set_item(key, value.into_bound_py_any(dict.py())?)
}

// ---------------------------------------------------------------- inventory

impl Plain for Location {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "code", &self.code)?;
        set(&d, "name", &self.name)?;
        set(&d, "priority", self.priority)?;
        set(&d, "active", self.active)?;
        Ok(d)
    }
}

/// A place that holds stock: a warehouse, a store, a dropshipper.
#[pyclass(name = "Location", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyLocation(pub(crate) Location);

#[pymethods]
impl PyLocation {
    /// Short unique code, such as `WH-EAST`.
    #[getter]
    fn code(&self) -> &str {
        &self.0.code
    }

    /// Display name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// Allocation priority: lower numbers are reserved from first; ties go by code.
    #[getter]
    fn priority(&self) -> i32 {
        self.0.priority
    }

    /// Whether new reservations may use it.
    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }

    /// The location as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Location", &self.0.plain(py)?)
    }
}

impl Plain for StockLevel {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "sku", &self.sku)?;
        set(&d, "location", &self.location)?;
        set(&d, "on_hand", self.on_hand)?;
        set(&d, "reserved", self.reserved)?;
        set(&d, "available", self.available())?;
        Ok(d)
    }
}

/// Stock of one SKU at one location: `available = on_hand - reserved`.
#[pyclass(name = "StockLevel", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyStockLevel(pub(crate) StockLevel);

#[pymethods]
impl PyStockLevel {
    /// SKU.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Location code.
    #[getter]
    fn location(&self) -> &str {
        &self.0.location
    }

    /// Units physically there.
    #[getter]
    fn on_hand(&self) -> i64 {
        self.0.on_hand
    }

    /// Units promised to orders.
    #[getter]
    fn reserved(&self) -> i64 {
        self.0.reserved
    }

    /// Units that new orders can still reserve.
    #[getter]
    fn available(&self) -> i64 {
        self.0.available()
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("StockLevel", &self.0.plain(py)?)
    }
}

impl Plain for StockMovement {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id.to_string())?;
        d.set_item("at", py_time(py, &self.at)?)?;
        set(&d, "sku", &self.sku)?;
        set(&d, "location", &self.location)?;
        d.set_item("kind", py_enum(py, Enum::MovementKind, self.kind.as_str())?)?;
        set(&d, "on_hand_delta", self.on_hand_delta)?;
        set(&d, "reserved_delta", self.reserved_delta)?;
        set(&d, "reason", &self.reason)?;
        set(&d, "reference", &self.reference)?;
        Ok(d)
    }
}

/// One entry of the append-only stock ledger.
#[pyclass(name = "StockMovement", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyStockMovement(pub(crate) StockMovement);

#[pymethods]
impl PyStockMovement {
    /// Movement id (a time-ordered UUID).
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// When it happened (UTC).
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.at)
    }

    /// SKU.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Location code.
    #[getter]
    fn location(&self) -> &str {
        &self.0.location
    }

    /// Why stock moved.
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::MovementKind, self.0.kind.as_str())
    }

    /// Change of on hand.
    #[getter]
    fn on_hand_delta(&self) -> i64 {
        self.0.on_hand_delta
    }

    /// Change of reserved.
    #[getter]
    fn reserved_delta(&self) -> i64 {
        self.0.reserved_delta
    }

    /// Free-text reason (adjustments, releases).
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// The document behind it: a purchase order, an order id...
    #[getter]
    fn reference(&self) -> &str {
        &self.0.reference
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("StockMovement", &self.0.plain(py)?)
    }
}

impl Plain for Reservation {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id.to_string())?;
        set(&d, "order_id", self.order_id.to_string())?;
        set(&d, "line_id", self.line_id)?;
        set(&d, "sku", &self.sku)?;
        set(&d, "location", &self.location)?;
        set(&d, "quantity", self.quantity)?;
        d.set_item("status", py_enum(py, Enum::ReservationStatus, self.status.as_str())?)?;
        d.set_item("created_at", py_time(py, &self.created_at)?)?;
        d.set_item("updated_at", py_time(py, &self.updated_at)?)?;
        Ok(d)
    }
}

/// Units of one order line held at one location.
#[pyclass(name = "Reservation", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyReservation(pub(crate) Reservation);

#[pymethods]
impl PyReservation {
    /// Reservation id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// The order.
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }

    /// The order line.
    #[getter]
    fn line_id(&self) -> u32 {
        self.0.line_id
    }

    /// SKU.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Location code.
    #[getter]
    fn location(&self) -> &str {
        &self.0.location
    }

    /// Units held now (0 once released).
    #[getter]
    fn quantity(&self) -> i64 {
        self.0.quantity
    }

    /// `active` or `released`.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::ReservationStatus, self.0.status.as_str())
    }

    /// When it was made (UTC).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.created_at)
    }

    /// When it last changed (UTC).
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.updated_at)
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Reservation", &self.0.plain(py)?)
    }
}

impl Plain for omskit::Shortage {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "sku", &self.sku)?;
        set(&d, "requested", self.requested)?;
        set(&d, "available", self.available)?;
        Ok(d)
    }
}

/// One SKU that could not be reserved in full (`InsufficientStock.shortages`).
#[pyclass(name = "Shortage", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Shortage(pub(crate) omskit::Shortage);

impl From<omskit::Shortage> for Shortage {
    fn from(s: omskit::Shortage) -> Shortage {
        Shortage(s)
    }
}

#[pymethods]
impl Shortage {
    /// The SKU that is short.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Units the request needed.
    #[getter]
    fn requested(&self) -> u64 {
        self.0.requested
    }

    /// Units that were available for it.
    #[getter]
    fn available(&self) -> u64 {
        self.0.available
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Shortage", &self.0.plain(py)?)
    }
}

// -------------------------------------------------------------------- orders

impl Plain for Totals {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("subtotal", py_decimal(py, &self.subtotal)?)?;
        d.set_item("discounts", py_decimal(py, &self.discounts)?)?;
        d.set_item("tax", py_decimal(py, &self.tax)?)?;
        d.set_item("shipping", py_decimal(py, &self.shipping)?)?;
        d.set_item("grand_total", py_decimal(py, &self.grand_total)?)?;
        Ok(d)
    }
}

/// An order's amounts, all in its currency.
#[pyclass(name = "Totals", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyTotals(pub(crate) Totals);

#[pymethods]
impl PyTotals {
    /// Sum of line gross amounts.
    #[getter]
    fn subtotal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.subtotal)
    }

    /// Line discounts plus order-level discounts.
    #[getter]
    fn discounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.discounts)
    }

    /// Sum of line taxes.
    #[getter]
    fn tax<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.tax)
    }

    /// Shipping charge (untaxed).
    #[getter]
    fn shipping<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.shipping)
    }

    /// `subtotal - discounts + tax + shipping`.
    #[getter]
    fn grand_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.grand_total)
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Totals", &self.0.plain(py)?)
    }
}

impl Plain for OrderLine {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id)?;
        set(&d, "sku", &self.sku)?;
        set(&d, "quantity", self.quantity)?;
        set(&d, "cancelled_quantity", self.cancelled_quantity)?;
        d.set_item("unit_price", py_decimal(py, &self.unit_price)?)?;
        d.set_item("discount", opt_plain(py, self.discount.as_ref())?)?;
        d.set_item("tax_rate", py_decimal(py, &self.tax_rate)?)?;
        d.set_item("gross", py_decimal(py, &self.gross)?)?;
        d.set_item("line_discount", py_decimal(py, &self.line_discount)?)?;
        d.set_item("order_discount", py_decimal(py, &self.order_discount)?)?;
        d.set_item("tax", py_decimal(py, &self.tax)?)?;
        d.set_item("total", py_decimal(py, &self.total)?)?;
        Ok(d)
    }
}

/// A line of a placed order, with its computed amounts.
#[pyclass(name = "OrderLine", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyOrderLine(pub(crate) OrderLine);

#[pymethods]
impl PyOrderLine {
    /// Line id: 1, 2, ... in the order lines were added; never reused.
    #[getter]
    fn id(&self) -> u32 {
        self.0.id
    }

    /// Stock keeping unit.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Units still ordered (cancelled units excluded).
    #[getter]
    fn quantity(&self) -> u32 {
        self.0.quantity
    }

    /// Units cancelled so far.
    #[getter]
    fn cancelled_quantity(&self) -> u32 {
        self.0.cancelled_quantity
    }

    /// Price per unit.
    #[getter]
    fn unit_price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.unit_price)
    }

    /// The line's own discount, if any.
    #[getter]
    fn discount(&self) -> Option<PyDiscount> {
        self.0.discount.map(PyDiscount)
    }

    /// Tax rate as a fraction.
    #[getter]
    fn tax_rate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.tax_rate)
    }

    /// `unit_price * quantity`, rounded to the currency's minor unit.
    #[getter]
    fn gross<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.gross)
    }

    /// The line's own discount, as an amount.
    #[getter]
    fn line_discount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.line_discount)
    }

    /// This line's share of the order-level discounts.
    #[getter]
    fn order_discount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.order_discount)
    }

    /// Tax on `gross - line_discount - order_discount`.
    #[getter]
    fn tax<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.tax)
    }

    /// `gross - line_discount - order_discount + tax`.
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.total)
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("OrderLine", &self.0.plain(py)?)
    }
}

impl Plain for omskit::core::order::Payment {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id.to_string())?;
        d.set_item("kind", py_enum(py, Enum::PaymentKind, self.kind.as_str())?)?;
        d.set_item("amount", py_decimal(py, &self.amount)?)?;
        set(&d, "reference", &self.reference)?;
        d.set_item("recorded_at", py_time(py, &self.recorded_at)?)?;
        Ok(d)
    }
}

/// A payment recorded against an order (recorded, never collected: omskit
/// talks to no payment provider).
#[pyclass(name = "Payment", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPayment(pub(crate) omskit::core::order::Payment);

#[pymethods]
impl PyPayment {
    /// Id of the record.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// `authorization` or `capture`.
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::PaymentKind, self.0.kind.as_str())
    }

    /// Amount in the order currency.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.amount)
    }

    /// The payment provider's reference.
    #[getter]
    fn reference(&self) -> &str {
        &self.0.reference
    }

    /// When it was recorded (UTC).
    #[getter]
    fn recorded_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.recorded_at)
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Payment", &self.0.plain(py)?)
    }
}

impl Plain for omskit::core::order::Hold {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "rule", &self.rule)?;
        set(&d, "reason", &self.reason)?;
        d.set_item("placed_at", py_time(py, &self.placed_at)?)?;
        d.set_item("released_at", py_opt_time(py, self.released_at.as_ref())?)?;
        Ok(d)
    }
}

/// A hold on an order, placed by a hold rule or by hand (`manual`).
#[pyclass(name = "Hold", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyHold(pub(crate) omskit::core::order::Hold);

#[pymethods]
impl PyHold {
    /// The rule that placed it (`grand_total_above`, `line_quantity_above`,
    /// a custom rule's name), or `manual`.
    #[getter]
    fn rule(&self) -> &str {
        &self.0.rule
    }

    /// Why.
    #[getter]
    fn reason(&self) -> &str {
        &self.0.reason
    }

    /// When it was placed (UTC).
    #[getter]
    fn placed_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.placed_at)
    }

    /// When it was released, or None while it holds.
    #[getter]
    fn released_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_opt_time(py, self.0.released_at.as_ref())
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Hold", &self.0.plain(py)?)
    }
}

impl Plain for Order {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id.to_string())?;
        set(&d, "channel", self.channel.as_str())?;
        set(&d, "external_id", &self.external_id)?;
        set(&d, "idempotency_key", &self.idempotency_key)?;
        d.set_item("customer", self.customer.plain(py)?)?;
        d.set_item("ship_to", opt_plain(py, self.ship_to.as_ref())?)?;
        d.set_item("bill_to", opt_plain(py, self.bill_to.as_ref())?)?;
        set(&d, "currency", self.currency.code())?;
        d.set_item("lines", plain_list(py, &self.lines)?)?;
        set(&d, "last_line_id", self.last_line_id)?;
        d.set_item("discounts", plain_list(py, &self.discounts)?)?;
        set(&d, "notes", &self.notes)?;
        d.set_item("totals", self.totals.plain(py)?)?;
        d.set_item("status", py_enum(py, Enum::OrderStatus, self.status.as_str())?)?;
        d.set_item(
            "payment_status",
            py_enum(py, Enum::PaymentStatus, self.payment_status.as_str())?,
        )?;
        d.set_item("authorized", py_decimal(py, &self.authorized)?)?;
        d.set_item("captured", py_decimal(py, &self.captured)?)?;
        d.set_item("payments", plain_list(py, &self.payments)?)?;
        d.set_item("holds", plain_list(py, &self.holds)?)?;
        set(&d, "cancel_reason", &self.cancel_reason)?;
        d.set_item("placed_at", py_time(py, &self.placed_at)?)?;
        d.set_item("updated_at", py_time(py, &self.updated_at)?)?;
        set(&d, "version", self.version)?;
        Ok(d)
    }
}

/// An order: what was bought, by whom, for how much, and where it stands.
/// A snapshot: call `Oms.order(id)` again for its current state.
#[pyclass(name = "Order", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyOrder(pub(crate) Order);

#[pymethods]
impl PyOrder {
    /// Order id (a time-ordered UUID, as text).
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// Where it came from (`web`, `phone`...).
    #[getter]
    fn channel(&self) -> &str {
        self.0.channel.as_str()
    }

    /// The channel's own id for it.
    #[getter]
    fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The idempotency key it was placed with.
    #[getter]
    fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }

    /// Who ordered.
    #[getter]
    fn customer(&self) -> PyCustomer {
        PyCustomer(self.0.customer.clone())
    }

    /// Shipping address.
    #[getter]
    fn ship_to(&self) -> Option<PyAddress> {
        self.0.ship_to.clone().map(PyAddress)
    }

    /// Billing address.
    #[getter]
    fn bill_to(&self) -> Option<PyAddress> {
        self.0.bill_to.clone().map(PyAddress)
    }

    /// ISO 4217 code of every amount.
    #[getter]
    fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// The lines (fully cancelled lines stay, with quantity 0).
    #[getter]
    fn lines(&self) -> Vec<PyOrderLine> {
        self.0.lines.iter().cloned().map(PyOrderLine).collect()
    }

    /// The highest line id ever given in this order (removed lines included).
    #[getter]
    fn last_line_id(&self) -> u32 {
        self.0.last_line_id
    }

    /// Order-level discounts.
    #[getter]
    fn discounts(&self) -> Vec<PyOrderDiscount> {
        self.0.discounts.iter().cloned().map(PyOrderDiscount).collect()
    }

    /// Note.
    #[getter]
    fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// Amounts.
    #[getter]
    fn totals(&self) -> PyTotals {
        PyTotals(self.0.totals)
    }

    /// Lifecycle state.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::OrderStatus, self.0.status.as_str())
    }

    /// How far it is paid.
    #[getter]
    fn payment_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::PaymentStatus, self.0.payment_status.as_str())
    }

    /// Authorized amount not yet captured.
    #[getter]
    fn authorized<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.authorized)
    }

    /// Captured amount.
    #[getter]
    fn captured<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.captured)
    }

    /// Payment records.
    #[getter]
    fn payments(&self) -> Vec<PyPayment> {
        self.0.payments.iter().cloned().map(PyPayment).collect()
    }

    /// Holds, active and released.
    #[getter]
    fn holds(&self) -> Vec<PyHold> {
        self.0.holds.iter().cloned().map(PyHold).collect()
    }

    /// Why it was cancelled, when it was.
    #[getter]
    fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// When it was placed (UTC).
    #[getter]
    fn placed_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.placed_at)
    }

    /// When it last changed (UTC).
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.updated_at)
    }

    /// Incremented by every change.
    #[getter]
    fn version(&self) -> u64 {
        self.0.version
    }

    /// The order as a dict of plain Python data, with the Rust serde field names.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| -> PyResult<String> {
            Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
        };
        Ok(format!(
            "Order(id={}, channel={}, status={}, payment_status={}, grand_total={}, \
             currency={}, lines={})",
            text(&self.0.id.to_string())?,
            text(self.0.channel.as_str())?,
            self.status(py)?.repr()?,
            self.payment_status(py)?.repr()?,
            py_decimal(py, &self.0.totals.grand_total)?.repr()?,
            text(self.0.currency.code())?,
            self.0.lines.len(),
        ))
    }
}

// -------------------------------------------------------------------- events

impl Plain for EventRecord {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "seq", self.seq)?;
        set(&d, "stream", &self.stream)?;
        set(&d, "version", self.version)?;
        d.set_item("recorded_at", py_time(py, &self.recorded_at)?)?;
        set(&d, "kind", &self.kind)?;
        d.set_item("payload", payload(py, &self.payload)?)?;
        set(&d, "prev_hash", self.prev_hash.to_string())?;
        set(&d, "hash", self.hash.to_string())?;
        Ok(d)
    }
}

fn payload<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => py_json(py, &value),
        // A payload is always JSON the engine wrote; show anything else as text.
        Err(_) => text.into_bound_py_any(py),
    }
}

/// One committed event of the log: its place (`seq`, `stream`, `version`),
/// its type (`kind`, such as `OrderPlaced`), its content (`payload`, a dict
/// of the event's fields as JSON data: amounts as decimal strings) and its
/// link in the tamper-evident hash chain.
#[pyclass(name = "EventRecord", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyEventRecord(pub(crate) EventRecord);

#[pymethods]
impl PyEventRecord {
    /// Global sequence number, increasing in commit order: the cursor for `events_since`.
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }

    /// The aggregate's history it belongs to: `order:<id>`, `stock:<sku>@<location>`,
    /// `location:<code>`.
    #[getter]
    fn stream(&self) -> &str {
        &self.0.stream
    }

    /// Position within its stream, from 1.
    #[getter]
    fn version(&self) -> u64 {
        self.0.version
    }

    /// When it was recorded (UTC).
    #[getter]
    fn recorded_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.recorded_at)
    }

    /// The event type, such as `OrderPlaced`.
    #[getter]
    fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The event's fields as a dict of JSON data (amounts are decimal strings).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        payload(py, &self.0.payload)
    }

    /// SHA-256 of the previous event of the stream, as hex (zeros for the first).
    #[getter]
    fn prev_hash(&self) -> String {
        self.0.prev_hash.to_string()
    }

    /// SHA-256 of this event, as hex.
    #[getter]
    fn hash(&self) -> String {
        self.0.hash.to_string()
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("EventRecord", &self.0.plain(py)?)
    }
}

impl Plain for omskit::core::events::BrokenLink {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "seq", self.seq)?;
        set(&d, "stream", &self.stream)?;
        set(&d, "reason", &self.reason)?;
        Ok(d)
    }
}

/// Where the audit chain is broken.
#[pyclass(name = "BrokenLink", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyBrokenLink(pub(crate) omskit::core::events::BrokenLink);

#[pymethods]
impl PyBrokenLink {
    /// Sequence number of the first event that does not verify.
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }

    /// Its stream.
    #[getter]
    fn stream(&self) -> &str {
        &self.0.stream
    }

    /// What is wrong with it.
    #[getter]
    fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("BrokenLink", &self.0.plain(py)?)
    }
}

impl Plain for AuditReport {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "events_checked", self.events_checked)?;
        set(&d, "streams", self.streams)?;
        d.set_item("first_broken", opt_plain(py, self.first_broken.as_ref())?)?;
        Ok(d)
    }
}

/// The outcome of `Oms.verify_audit_chain()`.
#[pyclass(name = "AuditReport", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyAuditReport(pub(crate) AuditReport);

#[pymethods]
impl PyAuditReport {
    /// Events checked.
    #[getter]
    fn events_checked(&self) -> u64 {
        self.0.events_checked
    }

    /// Streams seen.
    #[getter]
    fn streams(&self) -> u64 {
        self.0.streams
    }

    /// The first broken link in sequence order, or None.
    #[getter]
    fn first_broken(&self) -> Option<PyBrokenLink> {
        self.0.first_broken.clone().map(PyBrokenLink)
    }

    /// True when every event verified.
    fn is_intact(&self) -> bool {
        self.0.is_intact()
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("AuditReport", &self.0.plain(py)?)
    }
}

/// Converts a list of core values to a list of their Python classes.
pub(crate) fn list_of<'py, T, P>(
    py: Python<'py>,
    values: Vec<T>,
    wrap: fn(T) -> P,
) -> PyResult<Bound<'py, PyList>>
where
    P: IntoPyObject<'py>,
{
    PyList::new(py, values.into_iter().map(wrap))
}
