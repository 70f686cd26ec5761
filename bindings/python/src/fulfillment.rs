//! Fulfilment: fulfilment orders, their lines and packages, pick lists, and
//! the inputs of picking and packing (`{"line_id": 1, "quantity": 2}`,
//! `{"id": "BOX-1", "weight_kg": "1.2", ..., "lines": [...]}`).

use omskit::core::fulfillment::{PickListEntry, PickSource, PickTotal};
use omskit::core::shipping::Parcel;
use omskit::{FulfillmentLine, FulfillmentOrder, Package, PackageLine, PickList, PickedLine};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{
    decimal, each_item, int, py_decimal, py_enum, py_time, text, Enum, Fields, Path,
};
use crate::draft::plain_list;
use crate::model::{repr_of, set, Plain};
use crate::shipping::PyShipment;

// ------------------------------------------------------------------ inputs

/// What was picked for one line: `{"line_id": 1, "quantity": 2}`.
pub(crate) fn picked_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<PickedLine> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict such as {\"line_id\": 1, \"quantity\": 2}")?;
    let line = PickedLine {
        line_id: int(&f.required(intern!(py, "line_id"), "int")?, &path.field("line_id"))?,
        quantity: int(&f.required(intern!(py, "quantity"), "int")?, &path.field("quantity"))?,
    };
    f.finish(&["line_id", "quantity"])?;
    Ok(line)
}

/// Units of one line in a package, from a `PackageLine` or a dict.
fn package_line_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<PackageLine> {
    if let Ok(typed) = obj.cast::<PyPackageLine>() {
        return Ok(typed.get().0);
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a PackageLine or a dict")?;
    let line = PackageLine {
        line_id: int(&f.required(intern!(py, "line_id"), "int")?, &path.field("line_id"))?,
        quantity: int(&f.required(intern!(py, "quantity"), "int")?, &path.field("quantity"))?,
    };
    f.finish(&["line_id", "quantity"])?;
    Ok(line)
}

/// The measures of a parcel, read from the fields of `f` (a package or a
/// parcel dict): weight and dimensions as Decimal, str or int.
pub(crate) fn parcel_fields<'py>(
    f: &mut Fields<'_, 'py>,
    py: Python<'py>,
    path: &Path<'_>,
) -> PyResult<Parcel> {
    let measure = |f: &mut Fields<'_, 'py>, key: &Bound<'py, PyString>, name: &str| {
        decimal(&f.required(key, "Decimal, str or int")?, &path.field(name))
    };
    Ok(Parcel {
        weight_kg: measure(f, intern!(py, "weight_kg"), "weight_kg")?,
        length_cm: measure(f, intern!(py, "length_cm"), "length_cm")?,
        width_cm: measure(f, intern!(py, "width_cm"), "width_cm")?,
        height_cm: measure(f, intern!(py, "height_cm"), "height_cm")?,
    })
}

/// A package from a `Package` or a dict with its id, measures and lines.
pub(crate) fn package_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Package> {
    if let Ok(typed) = obj.cast::<PyPackage>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a Package or a dict")?;
    let id = text(&f.required(intern!(py, "id"), "str")?, &path.field("id"))?;
    let parcel = parcel_fields(&mut f, py, path)?;
    let lines_path = path.field("lines");
    let lines =
        each_item(&f.required(intern!(py, "lines"), "a list")?, &lines_path, package_line_in)?;
    f.finish(&["id", "weight_kg", "length_cm", "width_cm", "height_cm", "lines"])?;
    Ok(Package { id, parcel, lines })
}

// ------------------------------------------------------------- plain dicts

impl Plain for FulfillmentLine {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "line_id", self.line_id)?;
        set(&d, "sku", &self.sku)?;
        set(&d, "quantity", self.quantity)?;
        Ok(d)
    }
}

impl Plain for PackageLine {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "line_id", self.line_id)?;
        set(&d, "quantity", self.quantity)?;
        Ok(d)
    }
}

/// The four measures of a parcel into `d` (flattened, as in the serde form).
pub(crate) fn parcel_into(d: &Bound<'_, PyDict>, parcel: &Parcel) -> PyResult<()> {
    let py = d.py();
    d.set_item("weight_kg", py_decimal(py, &parcel.weight_kg)?)?;
    d.set_item("length_cm", py_decimal(py, &parcel.length_cm)?)?;
    d.set_item("width_cm", py_decimal(py, &parcel.width_cm)?)?;
    d.set_item("height_cm", py_decimal(py, &parcel.height_cm)?)?;
    Ok(())
}

impl Plain for Package {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", &self.id)?;
        parcel_into(&d, &self.parcel)?;
        d.set_item("lines", plain_list(py, &self.lines)?)?;
        Ok(d)
    }
}

impl Plain for FulfillmentOrder {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id.to_string())?;
        set(&d, "order_id", self.order_id.to_string())?;
        set(&d, "location", &self.location)?;
        d.set_item("status", py_enum(py, Enum::FulfillmentStatus, self.status.as_str())?)?;
        d.set_item("held_from", opt_status(py, self.held_from)?)?;
        set(&d, "reason", &self.reason)?;
        d.set_item("lines", plain_list(py, &self.lines)?)?;
        d.set_item("packages", plain_list(py, &self.packages)?)?;
        d.set_item("shipment", crate::draft::opt_plain(py, self.shipment.as_ref())?)?;
        d.set_item("created_at", py_time(py, &self.created_at)?)?;
        d.set_item("updated_at", py_time(py, &self.updated_at)?)?;
        Ok(d)
    }
}

fn opt_status(
    py: Python<'_>,
    status: Option<omskit::FulfillmentStatus>,
) -> PyResult<Bound<'_, PyAny>> {
    match status {
        Some(s) => py_enum(py, Enum::FulfillmentStatus, s.as_str()),
        None => Ok(py.None().into_bound(py)),
    }
}

impl Plain for PickSource {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "fulfillment_id", self.fulfillment_id.to_string())?;
        set(&d, "order_id", self.order_id.to_string())?;
        set(&d, "line_id", self.line_id)?;
        set(&d, "quantity", self.quantity)?;
        Ok(d)
    }
}

impl Plain for PickListEntry {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "bin", &self.bin)?;
        set(&d, "sku", &self.sku)?;
        set(&d, "quantity", self.quantity)?;
        d.set_item("sources", plain_list(py, &self.sources)?)?;
        Ok(d)
    }
}

impl Plain for PickTotal {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "fulfillment_id", self.fulfillment_id.to_string())?;
        set(&d, "order_id", self.order_id.to_string())?;
        set(&d, "units", self.units)?;
        Ok(d)
    }
}

impl Plain for PickList {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "id", self.id.to_string())?;
        set(&d, "location", &self.location)?;
        d.set_item("created_at", py_time(py, &self.created_at)?)?;
        d.set_item("entries", plain_list(py, &self.entries)?)?;
        d.set_item("totals", plain_list(py, &self.totals)?)?;
        Ok(d)
    }
}

// ----------------------------------------------------------- typed classes

/// Units of one order line that a fulfilment order ships.
#[pyclass(name = "FulfillmentLine", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyFulfillmentLine(pub(crate) FulfillmentLine);

#[pymethods]
impl PyFulfillmentLine {
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

    /// Units to ship (after a short pick: units picked).
    #[getter]
    fn quantity(&self) -> u32 {
        self.0.quantity
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("FulfillmentLine", &self.0.plain(py)?)
    }
}

/// Units of one line in a package. As a dict: `{"line_id": 1, "quantity": 2}`.
#[pyclass(name = "PackageLine", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPackageLine(pub(crate) PackageLine);

#[pymethods]
impl PyPackageLine {
    /// The order line.
    #[getter]
    fn line_id(&self) -> u32 {
        self.0.line_id
    }

    /// Units.
    #[getter]
    fn quantity(&self) -> u32 {
        self.0.quantity
    }

    /// The value as a dict of plain Python data (the dict form `Oms.pack` accepts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("PackageLine", &self.0.plain(py)?)
    }
}

/// A box or envelope of a packed fulfilment order: the packer's id for it,
/// its weight (kg) and outer dimensions (cm), and what is in it. As a dict:
/// `{"id": "BOX-1", "weight_kg": "1.2", "length_cm": "30", "width_cm": "20",
/// "height_cm": "10", "lines": [{"line_id": 1, "quantity": 2}]}`.
#[pyclass(name = "Package", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPackage(pub(crate) Package);

#[pymethods]
impl PyPackage {
    /// The packer's id for it (a label or box barcode), unique within the
    /// fulfilment order.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// Weight in kilograms.
    #[getter]
    fn weight_kg<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.parcel.weight_kg)
    }

    /// Length in centimetres.
    #[getter]
    fn length_cm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.parcel.length_cm)
    }

    /// Width in centimetres.
    #[getter]
    fn width_cm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.parcel.width_cm)
    }

    /// Height in centimetres.
    #[getter]
    fn height_cm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.parcel.height_cm)
    }

    /// What is in it.
    #[getter]
    fn lines(&self) -> Vec<PyPackageLine> {
        self.0.lines.iter().copied().map(PyPackageLine).collect()
    }

    /// The value as a dict of plain Python data (the dict form `Oms.pack` accepts).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Package", &self.0.plain(py)?)
    }
}

/// A fulfilment order: the units of one order that one location ships,
/// from `ready` through picking, packing and shipping to `delivered` (or
/// first `pending`, awaiting stock, when a short pick found none). A
/// snapshot: call `Oms.fulfillment(id)` again for its current state.
#[pyclass(name = "FulfillmentOrder", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyFulfillmentOrder(pub(crate) FulfillmentOrder);

#[pymethods]
impl PyFulfillmentOrder {
    /// Fulfilment order id (a time-ordered UUID, as text).
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// The order it fulfils.
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }

    /// The location that ships it; while `pending`, where its units ran
    /// short (`Oms.allocate_fulfillment` moves it to where they are reserved).
    #[getter]
    fn location(&self) -> &str {
        &self.0.location
    }

    /// Lifecycle state.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::FulfillmentStatus, self.0.status.as_str())
    }

    /// While on hold: the state a release returns to; else None.
    #[getter]
    fn held_from<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_status(py, self.0.held_from)
    }

    /// Why it is on hold or was cancelled.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// What it ships.
    #[getter]
    fn lines(&self) -> Vec<PyFulfillmentLine> {
        self.0.lines.iter().cloned().map(PyFulfillmentLine).collect()
    }

    /// Units it ships over all its lines.
    #[getter]
    fn units(&self) -> u64 {
        self.0.units()
    }

    /// Packages, once packed.
    #[getter]
    fn packages(&self) -> Vec<PyPackage> {
        self.0.packages.iter().cloned().map(PyPackage).collect()
    }

    /// The shipment, once shipped; else None.
    #[getter]
    fn shipment(&self) -> Option<PyShipment> {
        self.0.shipment.clone().map(PyShipment)
    }

    /// When it was created (UTC).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.created_at)
    }

    /// When it last changed (UTC).
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.updated_at)
    }

    /// The fulfilment order as a dict of plain Python data, with the Rust
    /// serde field names.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| -> PyResult<String> {
            Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
        };
        let tracking = match &self.0.shipment {
            Some(s) => format!(", tracking_number={}", text(&s.tracking_number)?),
            None => String::new(),
        };
        Ok(format!(
            "FulfillmentOrder(id={}, order_id={}, location={}, status={}, lines={}{tracking})",
            text(&self.0.id.to_string())?,
            text(&self.0.order_id.to_string())?,
            text(&self.0.location)?,
            self.status(py)?.repr()?,
            self.0.lines.len(),
        ))
    }
}

/// Where one fulfilment order's units of a pick-list entry go, for sorting
/// the picked units afterwards.
#[pyclass(name = "PickSource", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPickSource(pub(crate) PickSource);

#[pymethods]
impl PyPickSource {
    /// The fulfilment order.
    #[getter]
    fn fulfillment_id(&self) -> String {
        self.0.fulfillment_id.to_string()
    }

    /// Its order.
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }

    /// The order line.
    #[getter]
    fn line_id(&self) -> u32 {
        self.0.line_id
    }

    /// Units.
    #[getter]
    fn quantity(&self) -> u32 {
        self.0.quantity
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("PickSource", &self.0.plain(py)?)
    }
}

/// One stop of a pick walk: a SKU in a bin, and how many units to take.
#[pyclass(name = "PickListEntry", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPickListEntry(pub(crate) PickListEntry);

#[pymethods]
impl PyPickListEntry {
    /// The bin, or None when none is recorded (those stops come last).
    #[getter]
    fn bin(&self) -> Option<&str> {
        self.0.bin.as_deref()
    }

    /// SKU.
    #[getter]
    fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Units to take, over every fulfilment order.
    #[getter]
    fn quantity(&self) -> u64 {
        self.0.quantity
    }

    /// The split by fulfilment order.
    #[getter]
    fn sources(&self) -> Vec<PyPickSource> {
        self.0.sources.iter().cloned().map(PyPickSource).collect()
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("PickListEntry", &self.0.plain(py)?)
    }
}

/// Units one fulfilment order gets from a pick walk.
#[pyclass(name = "PickTotal", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPickTotal(pub(crate) PickTotal);

#[pymethods]
impl PyPickTotal {
    /// The fulfilment order.
    #[getter]
    fn fulfillment_id(&self) -> String {
        self.0.fulfillment_id.to_string()
    }

    /// Its order.
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }

    /// Units over all its lines.
    #[getter]
    fn units(&self) -> u64 {
        self.0.units
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("PickTotal", &self.0.plain(py)?)
    }
}

/// A batch of fulfilment orders of one location, picked in one walk
/// sorted by bin (`Oms.create_pick_list`).
#[pyclass(name = "PickList", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyPickList(pub(crate) PickList);

#[pymethods]
impl PyPickList {
    /// Pick list id.
    #[getter]
    fn id(&self) -> String {
        self.0.id.to_string()
    }

    /// The location walked.
    #[getter]
    fn location(&self) -> &str {
        &self.0.location
    }

    /// When it was made (UTC).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.created_at)
    }

    /// The stops, by bin then SKU (stops without a bin last).
    #[getter]
    fn entries(&self) -> Vec<PyPickListEntry> {
        self.0.entries.iter().cloned().map(PyPickListEntry).collect()
    }

    /// Units per fulfilment order, in the order given.
    #[getter]
    fn totals(&self) -> Vec<PyPickTotal> {
        self.0.totals.iter().cloned().map(PyPickTotal).collect()
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| -> PyResult<String> {
            Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
        };
        Ok(format!(
            "PickList(id={}, location={}, entries={}, fulfillments={})",
            text(&self.0.id.to_string())?,
            text(&self.0.location)?,
            self.0.entries.len(),
            self.0.totals.len(),
        ))
    }
}
