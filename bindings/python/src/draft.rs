//! What callers submit: order drafts and their parts, edits and line
//! cancellations, as typed objects or as plain dicts with the field names of
//! the Rust serde form (`{"sku": "MUG", "quantity": 2, "unit_price": "9.50"}`).
//!
//! Conversion checks Python types only (`TypeError`), and ranges the core's
//! integer types cannot hold (`ValidationError`); every other rule (a zero
//! quantity, an empty SKU, a negative price) is the core's, checked when the
//! draft is used, with the same field names.

use std::str::FromStr;

use omskit::{
    Address, Channel, Currency, Customer, Decimal, Discount, LineCancel, LineDraft, OrderDiscount,
    OrderDraft, OrderEdit,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::{intern, IntoPyObjectExt};

use crate::convert::{
    decimal, each_item, int, opt_decimal, opt_int, opt_text, py_decimal, text, Fields, Path,
};
use crate::errors;
use crate::model::{repr_of, Plain};

// ------------------------------------------------------------- conversions

/// An ISO 4217 currency code omskit knows.
pub(crate) fn currency(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Currency> {
    let code = text(obj, path)?;
    Currency::from_code(&code).map_err(|_| {
        errors::validation(
            obj.py(),
            path,
            format!("{code:?} is not an ISO 4217 currency code omskit knows"),
        )
    })
}

fn channel(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Channel> {
    let name = text(obj, path)?;
    Channel::from_str(&name).map_err(|e| match e {
        omskit::Error::Validation { message, .. } => errors::validation(obj.py(), path, message),
        other => errors::to_py(obj.py(), other),
    })
}

pub(crate) fn customer_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Customer> {
    if let Ok(typed) = obj.cast::<PyCustomer>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a Customer or a dict")?;
    let customer = Customer {
        id: text(&f.required(intern!(py, "id"), "str")?, &path.field("id"))?,
        name: text(&f.required(intern!(py, "name"), "str")?, &path.field("name"))?,
        email: opt_text(f.optional(intern!(py, "email"))?.as_ref(), &path.field("email"))?,
        phone: opt_text(f.optional(intern!(py, "phone"))?.as_ref(), &path.field("phone"))?,
    };
    f.finish(&["id", "name", "email", "phone"])?;
    Ok(customer)
}

pub(crate) fn address_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Address> {
    if let Ok(typed) = obj.cast::<PyAddress>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "an Address or a dict")?;
    let address = Address {
        name: text(&f.required(intern!(py, "name"), "str")?, &path.field("name"))?,
        line1: text(&f.required(intern!(py, "line1"), "str")?, &path.field("line1"))?,
        line2: opt_text(f.optional(intern!(py, "line2"))?.as_ref(), &path.field("line2"))?,
        city: text(&f.required(intern!(py, "city"), "str")?, &path.field("city"))?,
        region: opt_text(f.optional(intern!(py, "region"))?.as_ref(), &path.field("region"))?,
        postal_code: opt_text(
            f.optional(intern!(py, "postal_code"))?.as_ref(),
            &path.field("postal_code"),
        )?,
        country: text(&f.required(intern!(py, "country"), "str")?, &path.field("country"))?,
    };
    f.finish(&["name", "line1", "line2", "city", "region", "postal_code", "country"])?;
    Ok(address)
}

fn opt_address(obj: Option<&Bound<'_, PyAny>>, path: &Path<'_>) -> PyResult<Option<Address>> {
    match obj {
        Some(obj) if !obj.is_none() => address_in(obj, path).map(Some),
        _ => Ok(None),
    }
}

pub(crate) fn discount_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Discount> {
    if let Ok(typed) = obj.cast::<PyDiscount>() {
        return Ok(typed.get().0);
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a Discount or a dict such as {\"percent\": \"10\"}")?;
    let amount = f.optional(intern!(py, "amount"))?;
    let percent = f.optional(intern!(py, "percent"))?;
    f.finish(&["amount", "percent"])?;
    match (amount, percent) {
        (Some(a), None) => Ok(Discount::Amount(decimal(&a, &path.field("amount"))?)),
        (None, Some(p)) => Ok(Discount::Percent(decimal(&p, &path.field("percent"))?)),
        _ => Err(errors::validation(
            obj.py(),
            path,
            "needs exactly one of \"amount\" or \"percent\"",
        )),
    }
}

fn opt_discount(obj: Option<&Bound<'_, PyAny>>, path: &Path<'_>) -> PyResult<Option<Discount>> {
    match obj {
        Some(obj) if !obj.is_none() => discount_in(obj, path).map(Some),
        _ => Ok(None),
    }
}

pub(crate) fn order_discount_in(
    obj: &Bound<'_, PyAny>,
    path: &Path<'_>,
) -> PyResult<OrderDiscount> {
    if let Ok(typed) = obj.cast::<PyOrderDiscount>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "an OrderDiscount or a dict")?;
    let discount = OrderDiscount {
        code: opt_text(f.optional(intern!(py, "code"))?.as_ref(), &path.field("code"))?,
        value: discount_in(
            &f.required(intern!(py, "value"), "a Discount or a dict")?,
            &path.field("value"),
        )?,
    };
    f.finish(&["code", "value"])?;
    Ok(discount)
}

pub(crate) fn line_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<LineDraft> {
    if let Ok(typed) = obj.cast::<PyLineDraft>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a LineDraft or a dict")?;
    let line = LineDraft {
        sku: text(&f.required(intern!(py, "sku"), "str")?, &path.field("sku"))?,
        quantity: int(&f.required(intern!(py, "quantity"), "int")?, &path.field("quantity"))?,
        unit_price: decimal(
            &f.required(intern!(py, "unit_price"), "Decimal or str")?,
            &path.field("unit_price"),
        )?,
        discount: opt_discount(
            f.optional(intern!(py, "discount"))?.as_ref(),
            &path.field("discount"),
        )?,
        tax_rate: opt_decimal(
            f.optional(intern!(py, "tax_rate"))?.as_ref(),
            &path.field("tax_rate"),
        )?
        .unwrap_or(Decimal::ZERO),
    };
    f.finish(&["sku", "quantity", "unit_price", "discount", "tax_rate"])?;
    Ok(line)
}

fn lines_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Vec<LineDraft>> {
    each_item(obj, path, line_in)
}

fn discounts_in(obj: Option<&Bound<'_, PyAny>>, path: &Path<'_>) -> PyResult<Vec<OrderDiscount>> {
    match obj {
        Some(obj) if !obj.is_none() => each_item(obj, path, order_discount_in),
        _ => Ok(Vec::new()),
    }
}

/// The fields of an [`OrderDraft`], in declaration order (the order in which
/// the core validates them and names the first difference of two drafts).
const DRAFT_FIELDS: [&str; 11] = [
    "channel",
    "external_id",
    "idempotency_key",
    "customer",
    "ship_to",
    "bill_to",
    "currency",
    "lines",
    "discounts",
    "shipping",
    "notes",
];

/// An order draft from an [`PyOrderDraft`] or a dict.
pub(crate) fn draft_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<OrderDraft> {
    if let Ok(typed) = obj.cast::<PyOrderDraft>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "an OrderDraft or a dict")?;
    let draft = OrderDraft {
        channel: channel(&f.required(intern!(py, "channel"), "str")?, &path.field("channel"))?,
        external_id: opt_text(
            f.optional(intern!(py, "external_id"))?.as_ref(),
            &path.field("external_id"),
        )?,
        idempotency_key: opt_text(
            f.optional(intern!(py, "idempotency_key"))?.as_ref(),
            &path.field("idempotency_key"),
        )?,
        customer: customer_in(
            &f.required(intern!(py, "customer"), "a Customer or a dict")?,
            &path.field("customer"),
        )?,
        ship_to: opt_address(f.optional(intern!(py, "ship_to"))?.as_ref(), &path.field("ship_to"))?,
        bill_to: opt_address(f.optional(intern!(py, "bill_to"))?.as_ref(), &path.field("bill_to"))?,
        currency: currency(&f.required(intern!(py, "currency"), "str")?, &path.field("currency"))?,
        lines: lines_in(&f.required(intern!(py, "lines"), "a list")?, &path.field("lines"))?,
        discounts: discounts_in(
            f.optional(intern!(py, "discounts"))?.as_ref(),
            &path.field("discounts"),
        )?,
        shipping: opt_decimal(
            f.optional(intern!(py, "shipping"))?.as_ref(),
            &path.field("shipping"),
        )?
        .unwrap_or(Decimal::ZERO),
        notes: opt_text(f.optional(intern!(py, "notes"))?.as_ref(), &path.field("notes"))?,
    };
    f.finish(&DRAFT_FIELDS)?;
    Ok(draft)
}

/// An order edit from an [`PyOrderEdit`] or a dict tagged by `op`.
pub(crate) fn edit_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<OrderEdit> {
    if let Ok(typed) = obj.cast::<PyOrderEdit>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "an OrderEdit or a dict")?;
    let op = text(&f.required(intern!(py, "op"), "str")?, &path.field("op"))?;
    let edit = match op.as_str() {
        "add_line" => {
            let edit = OrderEdit::AddLine {
                line: line_in(
                    &f.required(intern!(py, "line"), "a LineDraft or a dict")?,
                    &path.field("line"),
                )?,
            };
            f.finish(&["op", "line"])?;
            edit
        }
        "remove_line" => {
            let edit = OrderEdit::RemoveLine {
                line_id: int(&f.required(intern!(py, "line_id"), "int")?, &path.field("line_id"))?,
            };
            f.finish(&["op", "line_id"])?;
            edit
        }
        "set_quantity" => {
            let edit = OrderEdit::SetQuantity {
                line_id: int(&f.required(intern!(py, "line_id"), "int")?, &path.field("line_id"))?,
                quantity: int(
                    &f.required(intern!(py, "quantity"), "int")?,
                    &path.field("quantity"),
                )?,
            };
            f.finish(&["op", "line_id", "quantity"])?;
            edit
        }
        other => {
            return Err(errors::validation(
                obj.py(),
                &path.field("op"),
                format!("{other:?} is not an edit (add_line, remove_line or set_quantity)"),
            ))
        }
    };
    Ok(edit)
}

/// A line cancellation from a [`PyLineCancel`] or a dict.
pub(crate) fn cancel_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<LineCancel> {
    if let Ok(typed) = obj.cast::<PyLineCancel>() {
        return Ok(typed.get().0);
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a LineCancel or a dict")?;
    let cancel = LineCancel {
        line_id: int(&f.required(intern!(py, "line_id"), "int")?, &path.field("line_id"))?,
        quantity: opt_int(f.optional(intern!(py, "quantity"))?.as_ref(), &path.field("quantity"))?,
    };
    f.finish(&["line_id", "quantity"])?;
    Ok(cancel)
}

// ------------------------------------------------------------ plain dicts

fn set<'py>(dict: &Bound<'py, PyDict>, key: &str, value: impl IntoPyObject<'py>) -> PyResult<()> {
    dict.set_item(key, value.into_bound_py_any(dict.py())?)
}

impl Plain for Customer {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", &self.id)?;
        set(&d, "name", &self.name)?;
        set(&d, "email", &self.email)?;
        set(&d, "phone", &self.phone)?;
        Ok(d)
    }
}

impl Plain for Address {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "name", &self.name)?;
        set(&d, "line1", &self.line1)?;
        set(&d, "line2", &self.line2)?;
        set(&d, "city", &self.city)?;
        set(&d, "region", &self.region)?;
        set(&d, "postal_code", &self.postal_code)?;
        set(&d, "country", &self.country)?;
        Ok(d)
    }
}

impl Plain for Discount {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match self {
            Discount::Amount(a) => d.set_item("amount", py_decimal(py, a)?)?,
            Discount::Percent(p) => d.set_item("percent", py_decimal(py, p)?)?,
        }
        Ok(d)
    }
}

impl Plain for OrderDiscount {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "code", &self.code)?;
        d.set_item("value", self.value.plain(py)?)?;
        Ok(d)
    }
}

impl Plain for LineDraft {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "sku", &self.sku)?;
        set(&d, "quantity", self.quantity)?;
        d.set_item("unit_price", py_decimal(py, &self.unit_price)?)?;
        d.set_item("discount", opt_plain(py, self.discount.as_ref())?)?;
        d.set_item("tax_rate", py_decimal(py, &self.tax_rate)?)?;
        Ok(d)
    }
}

impl Plain for OrderDraft {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "channel", self.channel.as_str())?;
        set(&d, "external_id", &self.external_id)?;
        set(&d, "idempotency_key", &self.idempotency_key)?;
        d.set_item("customer", self.customer.plain(py)?)?;
        d.set_item("ship_to", opt_plain(py, self.ship_to.as_ref())?)?;
        d.set_item("bill_to", opt_plain(py, self.bill_to.as_ref())?)?;
        set(&d, "currency", self.currency.code())?;
        d.set_item("lines", plain_list(py, &self.lines)?)?;
        d.set_item("discounts", plain_list(py, &self.discounts)?)?;
        d.set_item("shipping", py_decimal(py, &self.shipping)?)?;
        set(&d, "notes", &self.notes)?;
        Ok(d)
    }
}

impl Plain for OrderEdit {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match self {
            OrderEdit::AddLine { line } => {
                set(&d, "op", "add_line")?;
                d.set_item("line", line.plain(py)?)?;
            }
            OrderEdit::RemoveLine { line_id } => {
                set(&d, "op", "remove_line")?;
                set(&d, "line_id", line_id)?;
            }
            OrderEdit::SetQuantity { line_id, quantity } => {
                set(&d, "op", "set_quantity")?;
                set(&d, "line_id", line_id)?;
                set(&d, "quantity", quantity)?;
            }
        }
        Ok(d)
    }
}

impl Plain for LineCancel {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "line_id", self.line_id)?;
        set(&d, "quantity", self.quantity)?;
        Ok(d)
    }
}

/// The plain dict of a value, or `None`.
pub(crate) fn opt_plain<'py, T: Plain>(
    py: Python<'py>,
    value: Option<&T>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => Ok(v.plain(py)?.into_any()),
        None => Ok(py.None().into_bound(py)),
    }
}

/// A list of plain dicts.
pub(crate) fn plain_list<'py, T: Plain>(
    py: Python<'py>,
    values: &[T],
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for v in values {
        list.append(v.plain(py)?)?;
    }
    Ok(list)
}

// ------------------------------------------------------------ typed classes

/// The customer who placed an order.
///
/// `Customer(id, name, email=None, phone=None)`; in a dict draft,
/// `{"id": ..., "name": ..., "email": ..., "phone": ...}`.
#[pyclass(name = "Customer", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyCustomer(pub(crate) Customer);

#[pymethods]
impl PyCustomer {
    #[new]
    #[pyo3(signature = (id, name, email=None, phone=None))]
    fn new(
        id: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        email: Option<&Bound<'_, PyAny>>,
        phone: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyCustomer(Customer {
            id: text(id, &Path::root("id"))?,
            name: text(name, &Path::root("name"))?,
            email: opt_text(email, &Path::root("email"))?,
            phone: opt_text(phone, &Path::root("phone"))?,
        }))
    }

    /// The caller's customer id.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// Full name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// E-mail address, if known.
    #[getter]
    fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Phone number, if known.
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The customer as a plain dict (the dict form a draft accepts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Customer", &self.0.plain(py)?)
    }
}

/// A postal address.
///
/// `Address(name, line1, city, country, line2=None, region=None,
/// postal_code=None)`; `country` is an ISO 3166-1 alpha-2 code such as `"US"`.
#[pyclass(name = "Address", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyAddress(pub(crate) Address);

#[pymethods]
impl PyAddress {
    #[new]
    #[pyo3(signature = (name, line1, city, country, line2=None, region=None, postal_code=None))]
    fn new(
        name: &Bound<'_, PyAny>,
        line1: &Bound<'_, PyAny>,
        city: &Bound<'_, PyAny>,
        country: &Bound<'_, PyAny>,
        line2: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
        postal_code: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyAddress(Address {
            name: text(name, &Path::root("name"))?,
            line1: text(line1, &Path::root("line1"))?,
            line2: opt_text(line2, &Path::root("line2"))?,
            city: text(city, &Path::root("city"))?,
            region: opt_text(region, &Path::root("region"))?,
            postal_code: opt_text(postal_code, &Path::root("postal_code"))?,
            country: text(country, &Path::root("country"))?,
        }))
    }

    /// Recipient's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// First address line.
    #[getter]
    fn line1(&self) -> &str {
        &self.0.line1
    }

    /// Second address line.
    #[getter]
    fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }

    /// City.
    #[getter]
    fn city(&self) -> &str {
        &self.0.city
    }

    /// State, province or region.
    #[getter]
    fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }

    /// Postal code.
    #[getter]
    fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }

    /// ISO 3166-1 alpha-2 country code, such as `"US"`.
    #[getter]
    fn country(&self) -> &str {
        &self.0.country
    }

    /// The address as a plain dict (the dict form a draft accepts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Address", &self.0.plain(py)?)
    }
}

/// A reduction of a line or of the whole order: `Discount.amount("5.00")`
/// (off the total, in the order currency) or `Discount.percent("10")`
/// (0 to 100). As a dict: `{"amount": "5.00"}` or `{"percent": "10"}`.
#[pyclass(name = "Discount", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyDiscount(pub(crate) Discount);

#[pymethods]
impl PyDiscount {
    /// A fixed amount off, in the order currency.
    #[staticmethod]
    fn amount(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyDiscount(Discount::Amount(decimal(value, &Path::root("value"))?)))
    }

    /// A percentage off, 0 to 100.
    #[staticmethod]
    fn percent(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyDiscount(Discount::Percent(decimal(value, &Path::root("value"))?)))
    }

    /// `"amount"` or `"percent"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.0 {
            Discount::Amount(_) => "amount",
            Discount::Percent(_) => "percent",
        }
    }

    /// The amount or the percentage.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.0 {
            Discount::Amount(v) | Discount::Percent(v) => py_decimal(py, v),
        }
    }

    /// The discount as a plain dict: `{"amount": Decimal(...)}` or `{"percent": Decimal(...)}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Discount.{}({})", self.kind(), self.value(py)?.repr()?))
    }
}

/// An order-level discount, spread across the lines in proportion to their
/// totals: `OrderDiscount(Discount.percent("10"), code="WELCOME")`.
#[pyclass(name = "OrderDiscount", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyOrderDiscount(pub(crate) OrderDiscount);

#[pymethods]
impl PyOrderDiscount {
    #[new]
    #[pyo3(signature = (value, code=None))]
    fn new(value: &Bound<'_, PyAny>, code: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(PyOrderDiscount(OrderDiscount {
            code: opt_text(code, &Path::root("code"))?,
            value: discount_in(value, &Path::root("value"))?,
        }))
    }

    /// The promotion or coupon code, if any.
    #[getter]
    fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// How much.
    #[getter]
    fn value(&self) -> PyDiscount {
        PyDiscount(self.0.value)
    }

    /// The discount as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("OrderDiscount", &self.0.plain(py)?)
    }
}

/// One line of an order draft: `LineDraft("MUG", 2, "12.50",
/// tax_rate="0.0825")`. `quantity` is 1 to 1,000,000; `unit_price` a
/// Decimal, str or int (never a float); `tax_rate` a fraction from 0 to 1.
#[pyclass(name = "LineDraft", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyLineDraft(pub(crate) LineDraft);

#[pymethods]
impl PyLineDraft {
    #[new]
    #[pyo3(signature = (sku, quantity, unit_price, discount=None, tax_rate=None))]
    fn new(
        sku: &Bound<'_, PyAny>,
        quantity: &Bound<'_, PyAny>,
        unit_price: &Bound<'_, PyAny>,
        discount: Option<&Bound<'_, PyAny>>,
        tax_rate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyLineDraft(LineDraft {
            sku: text(sku, &Path::root("sku"))?,
            quantity: int(quantity, &Path::root("quantity"))?,
            unit_price: decimal(unit_price, &Path::root("unit_price"))?,
            discount: opt_discount(discount, &Path::root("discount"))?,
            tax_rate: opt_decimal(tax_rate, &Path::root("tax_rate"))?.unwrap_or(Decimal::ZERO),
        }))
    }

    /// Stock keeping unit.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Units ordered.
    #[getter]
    fn quantity(&self) -> i64 {
        self.0.quantity
    }

    /// Price of one unit, in the order currency.
    #[getter]
    fn unit_price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.unit_price)
    }

    /// The line's own discount, if any.
    #[getter]
    fn discount(&self) -> Option<PyDiscount> {
        self.0.discount.map(PyDiscount)
    }

    /// Tax rate as a fraction (0.0825 for 8.25 %).
    #[getter]
    fn tax_rate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.tax_rate)
    }

    /// The line as a plain dict (the dict form a draft accepts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("LineDraft", &self.0.plain(py)?)
    }
}

/// An order as submitted. Parts may be typed objects or dicts:
///
/// ```python
/// OrderDraft("web", "USD", Customer("c-42", "Ada Lovelace"),
///            [LineDraft("MUG", 2, "12.50")], shipping="4.95")
/// ```
///
/// A plain dict with the same field names is accepted wherever a draft is.
#[pyclass(name = "OrderDraft", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyOrderDraft(pub(crate) OrderDraft);

#[pymethods]
impl PyOrderDraft {
    #[new]
    #[pyo3(signature = (
        channel, currency, customer, lines, *, external_id=None, idempotency_key=None,
        ship_to=None, bill_to=None, discounts=None, shipping=None, notes=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        channel: &Bound<'_, PyAny>,
        currency: &Bound<'_, PyAny>,
        customer: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        external_id: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<&Bound<'_, PyAny>>,
        ship_to: Option<&Bound<'_, PyAny>>,
        bill_to: Option<&Bound<'_, PyAny>>,
        discounts: Option<&Bound<'_, PyAny>>,
        shipping: Option<&Bound<'_, PyAny>>,
        notes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyOrderDraft(OrderDraft {
            channel: self::channel(channel, &Path::root("channel"))?,
            external_id: opt_text(external_id, &Path::root("external_id"))?,
            idempotency_key: opt_text(idempotency_key, &Path::root("idempotency_key"))?,
            customer: customer_in(customer, &Path::root("customer"))?,
            ship_to: opt_address(ship_to, &Path::root("ship_to"))?,
            bill_to: opt_address(bill_to, &Path::root("bill_to"))?,
            currency: self::currency(currency, &Path::root("currency"))?,
            lines: lines_in(lines, &Path::root("lines"))?,
            discounts: discounts_in(discounts, &Path::root("discounts"))?,
            shipping: opt_decimal(shipping, &Path::root("shipping"))?.unwrap_or(Decimal::ZERO),
            notes: opt_text(notes, &Path::root("notes"))?,
        }))
    }

    /// Build a draft from its dict form (as `Oms.place_order` would read it).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        if data.cast::<PyOrderDraft>().is_ok() {
            return Err(errors::wrong_type(&Path::root("data"), "a dict", data));
        }
        draft_in(data, &Path::root("draft")).map(PyOrderDraft)
    }

    /// Where the order came from: `web`, `mobile`, `phone`, `pos`,
    /// `marketplace`, `api`, or another lowercase name.
    #[getter]
    fn channel(&self) -> &str {
        self.0.channel.as_str()
    }

    /// ISO 4217 code of every amount in the order.
    #[getter]
    fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// The channel's own id for the order, unique per channel.
    #[getter]
    fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The key that makes placing this order safe to retry.
    #[getter]
    fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }

    /// Who ordered.
    #[getter]
    fn customer(&self) -> PyCustomer {
        PyCustomer(self.0.customer.clone())
    }

    /// Where to ship.
    #[getter]
    fn ship_to(&self) -> Option<PyAddress> {
        self.0.ship_to.clone().map(PyAddress)
    }

    /// Where to bill.
    #[getter]
    fn bill_to(&self) -> Option<PyAddress> {
        self.0.bill_to.clone().map(PyAddress)
    }

    /// The lines.
    #[getter]
    fn lines(&self) -> Vec<PyLineDraft> {
        self.0.lines.iter().cloned().map(PyLineDraft).collect()
    }

    /// Order-level discounts.
    #[getter]
    fn discounts(&self) -> Vec<PyOrderDiscount> {
        self.0.discounts.iter().cloned().map(PyOrderDiscount).collect()
    }

    /// Shipping charge.
    #[getter]
    fn shipping<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.shipping)
    }

    /// A note from the customer or the agent.
    #[getter]
    fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// The draft as a plain dict, which `OrderDraft.from_dict` and
    /// `Oms.place_order` accept back.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| -> PyResult<String> {
            Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
        };
        Ok(format!(
            "OrderDraft(channel={}, currency={}, customer={}, lines={})",
            text(self.0.channel.as_str())?,
            text(self.0.currency.code())?,
            text(&self.0.customer.id)?,
            self.0.lines.len()
        ))
    }
}

/// One change in `Oms.edit_order`: `OrderEdit.add_line(line)`,
/// `OrderEdit.remove_line(line_id)` or `OrderEdit.set_quantity(line_id,
/// quantity)`. As a dict: `{"op": "set_quantity", "line_id": 1, "quantity": 5}`.
#[pyclass(name = "OrderEdit", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyOrderEdit(pub(crate) OrderEdit);

#[pymethods]
impl PyOrderEdit {
    /// Add a line (its units are reserved).
    #[staticmethod]
    fn add_line(line: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyOrderEdit(OrderEdit::AddLine { line: line_in(line, &Path::root("line"))? }))
    }

    /// Remove a line (its reservations are released).
    #[staticmethod]
    fn remove_line(line_id: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyOrderEdit(OrderEdit::RemoveLine { line_id: int(line_id, &Path::root("line_id"))? }))
    }

    /// Set a line's quantity (only the difference is reserved or released).
    #[staticmethod]
    fn set_quantity(line_id: &Bound<'_, PyAny>, quantity: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyOrderEdit(OrderEdit::SetQuantity {
            line_id: int(line_id, &Path::root("line_id"))?,
            quantity: int(quantity, &Path::root("quantity"))?,
        }))
    }

    /// `"add_line"`, `"remove_line"` or `"set_quantity"`.
    #[getter]
    fn op(&self) -> &'static str {
        match self.0 {
            OrderEdit::AddLine { .. } => "add_line",
            OrderEdit::RemoveLine { .. } => "remove_line",
            OrderEdit::SetQuantity { .. } => "set_quantity",
        }
    }

    /// The new line (`add_line`), else None.
    #[getter]
    fn line(&self) -> Option<PyLineDraft> {
        match &self.0 {
            OrderEdit::AddLine { line } => Some(PyLineDraft(line.clone())),
            _ => None,
        }
    }

    /// The line changed (`remove_line`, `set_quantity`), else None.
    #[getter]
    fn line_id(&self) -> Option<u32> {
        match self.0 {
            OrderEdit::RemoveLine { line_id } | OrderEdit::SetQuantity { line_id, .. } => {
                Some(line_id)
            }
            _ => None,
        }
    }

    /// The new quantity (`set_quantity`), else None.
    #[getter]
    fn quantity(&self) -> Option<i64> {
        match self.0 {
            OrderEdit::SetQuantity { quantity, .. } => Some(quantity),
            _ => None,
        }
    }

    /// The edit as a plain dict, tagged by `op`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("OrderEdit", &self.0.plain(py)?)
    }
}

/// Cancel units of one line in `Oms.cancel_lines`: `LineCancel(1, 2)`
/// cancels 2 units of line 1; `LineCancel(1)` all that remain. As a dict:
/// `{"line_id": 1, "quantity": 2}`.
#[pyclass(name = "LineCancel", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyLineCancel(pub(crate) LineCancel);

#[pymethods]
impl PyLineCancel {
    #[new]
    #[pyo3(signature = (line_id, quantity=None))]
    fn new(line_id: &Bound<'_, PyAny>, quantity: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(PyLineCancel(LineCancel {
            line_id: int(line_id, &Path::root("line_id"))?,
            quantity: opt_int(quantity, &Path::root("quantity"))?,
        }))
    }

    /// The line.
    #[getter]
    fn line_id(&self) -> u32 {
        self.0.line_id
    }

    /// Units to cancel; None cancels all that remain.
    #[getter]
    fn quantity(&self) -> Option<i64> {
        self.0.quantity
    }

    /// The cancellation as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("LineCancel", &self.0.plain(py)?)
    }
}
