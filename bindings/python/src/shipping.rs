//! Shipping: shipments, rate quotes, tracking events and their outcome,
//! delivery proof, condition thresholds and readings, the requests carriers
//! are asked to quote, and the inputs of tracking and rate shopping as
//! dicts with the field names of the Rust serde form.

use omskit::core::shipping::{Parcel, RateRequest};
use omskit::{
    ConditionKind, ConditionReading, ConditionThresholds, DeliveryProof, RateQuote, RateShopping,
    Shipment, TrackingEvent, TrackingEventKind, TrackingOutcome, TrackingUpdate,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{
    choice, decimal, opt_decimal, opt_text, opt_time, py_decimal, py_enum, py_opt_decimal,
    py_opt_time, py_time, text, time, Enum, Fields, Path,
};
use crate::draft::{opt_plain, plain_list, PyAddress};
use crate::fulfillment::{parcel_into, PyFulfillmentOrder};
use crate::model::{repr_of, set, Plain};

/// The kinds of tracking event, by their names.
pub(crate) const TRACKING_EVENT_KINDS: [(&str, TrackingEventKind); 8] = [
    ("label_created", TrackingEventKind::LabelCreated),
    ("picked_up", TrackingEventKind::PickedUp),
    ("in_transit", TrackingEventKind::InTransit),
    ("out_for_delivery", TrackingEventKind::OutForDelivery),
    ("delivered", TrackingEventKind::Delivered),
    ("delivery_failed", TrackingEventKind::DeliveryFailed),
    ("exception", TrackingEventKind::Exception),
    ("returned_to_sender", TrackingEventKind::ReturnedToSender),
];

/// The kinds of condition reading, by their names.
const CONDITION_KINDS: [(&str, ConditionKind); 2] =
    [("temperature", ConditionKind::Temperature), ("shock", ConditionKind::Shock)];

// ------------------------------------------------------------------ inputs

/// Proof of delivery from a `DeliveryProof` or a dict (every field optional).
pub(crate) fn proof_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<DeliveryProof> {
    if let Ok(typed) = obj.cast::<PyDeliveryProof>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a DeliveryProof or a dict")?;
    let proof = DeliveryProof {
        signed_by: opt_text(
            f.optional(intern!(py, "signed_by"))?.as_ref(),
            &path.field("signed_by"),
        )?,
        photo_reference: opt_text(
            f.optional(intern!(py, "photo_reference"))?.as_ref(),
            &path.field("photo_reference"),
        )?,
        location: opt_text(f.optional(intern!(py, "location"))?.as_ref(), &path.field("location"))?,
    };
    f.finish(&["signed_by", "photo_reference", "location"])?;
    Ok(proof)
}

/// A carrier's tracking event from a dict: `{"carrier_event_id": "ev-1",
/// "kind": "in_transit", "occurred_at": datetime(...), "location": ...,
/// "description": ..., "proof": {...}}`.
pub(crate) fn tracking_update_in(
    obj: &Bound<'_, PyAny>,
    path: &Path<'_>,
) -> PyResult<TrackingUpdate> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict such as {\"carrier_event_id\": ..., \"kind\": ...}")?;
    let proof_path = path.field("proof");
    let update = TrackingUpdate {
        carrier_event_id: text(
            &f.required(intern!(py, "carrier_event_id"), "str")?,
            &path.field("carrier_event_id"),
        )?,
        kind: choice(
            &f.required(intern!(py, "kind"), "str")?,
            &path.field("kind"),
            &TRACKING_EVENT_KINDS,
        )?,
        occurred_at: time(
            &f.required(intern!(py, "occurred_at"), "datetime")?,
            &path.field("occurred_at"),
        )?,
        location: opt_text(f.optional(intern!(py, "location"))?.as_ref(), &path.field("location"))?,
        description: opt_text(
            f.optional(intern!(py, "description"))?.as_ref(),
            &path.field("description"),
        )?,
        proof: match f.optional(intern!(py, "proof"))? {
            Some(p) => Some(proof_in(&p, &proof_path)?),
            None => None,
        },
    };
    f.finish(&["carrier_event_id", "kind", "occurred_at", "location", "description", "proof"])?;
    Ok(update)
}

/// Condition thresholds from a `ConditionThresholds` or a dict (every field
/// optional: no limit).
pub(crate) fn thresholds_in(
    obj: &Bound<'_, PyAny>,
    path: &Path<'_>,
) -> PyResult<ConditionThresholds> {
    if let Ok(typed) = obj.cast::<PyConditionThresholds>() {
        return Ok(typed.get().0);
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a ConditionThresholds or a dict")?;
    let thresholds = ConditionThresholds {
        min_temperature_c: opt_decimal(
            f.optional(intern!(py, "min_temperature_c"))?.as_ref(),
            &path.field("min_temperature_c"),
        )?,
        max_temperature_c: opt_decimal(
            f.optional(intern!(py, "max_temperature_c"))?.as_ref(),
            &path.field("max_temperature_c"),
        )?,
        max_shock_g: opt_decimal(
            f.optional(intern!(py, "max_shock_g"))?.as_ref(),
            &path.field("max_shock_g"),
        )?,
    };
    f.finish(&["min_temperature_c", "max_temperature_c", "max_shock_g"])?;
    Ok(thresholds)
}

/// A sensor reading from a `ConditionReading` or a dict: `{"kind":
/// "temperature", "value": "4.5", "at": datetime(...), "sensor": "s-1"}`.
pub(crate) fn reading_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<ConditionReading> {
    if let Ok(typed) = obj.cast::<PyConditionReading>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a ConditionReading or a dict")?;
    let reading = ConditionReading {
        kind: choice(
            &f.required(intern!(py, "kind"), "str")?,
            &path.field("kind"),
            &CONDITION_KINDS,
        )?,
        value: decimal(
            &f.required(intern!(py, "value"), "Decimal, str or int")?,
            &path.field("value"),
        )?,
        at: time(&f.required(intern!(py, "at"), "datetime")?, &path.field("at"))?,
        sensor: opt_text(f.optional(intern!(py, "sensor"))?.as_ref(), &path.field("sensor"))?,
    };
    f.finish(&["kind", "value", "at", "sensor"])?;
    Ok(reading)
}

/// A rate-shopping rule from a dict tagged by `rule`: `{"rule": "cheapest",
/// "deliver_by": datetime(...) or None}` or `{"rule": "fastest", "budget":
/// Decimal("12.00") or None}`.
pub(crate) fn rate_shopping_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<RateShopping> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict such as {\"rule\": \"cheapest\"}")?;
    let rule = choice(
        &f.required(intern!(py, "rule"), "str")?,
        &path.field("rule"),
        &[("cheapest", true), ("fastest", false)],
    )?;
    if rule {
        let deliver_by =
            opt_time(f.optional(intern!(py, "deliver_by"))?.as_ref(), &path.field("deliver_by"))?;
        f.finish(&["rule", "deliver_by"])?;
        Ok(RateShopping::Cheapest { deliver_by })
    } else {
        let budget =
            opt_decimal(f.optional(intern!(py, "budget"))?.as_ref(), &path.field("budget"))?;
        f.finish(&["rule", "budget"])?;
        Ok(RateShopping::Fastest { budget })
    }
}

// ------------------------------------------------------------- plain dicts

impl Plain for DeliveryProof {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "signed_by", &self.signed_by)?;
        set(&d, "photo_reference", &self.photo_reference)?;
        set(&d, "location", &self.location)?;
        Ok(d)
    }
}

impl Plain for ConditionThresholds {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("min_temperature_c", py_opt_decimal(py, self.min_temperature_c.as_ref())?)?;
        d.set_item("max_temperature_c", py_opt_decimal(py, self.max_temperature_c.as_ref())?)?;
        d.set_item("max_shock_g", py_opt_decimal(py, self.max_shock_g.as_ref())?)?;
        Ok(d)
    }
}

impl Plain for ConditionReading {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("kind", py_enum(py, Enum::ConditionKind, self.kind.as_str())?)?;
        d.set_item("value", py_decimal(py, &self.value)?)?;
        d.set_item("at", py_time(py, &self.at)?)?;
        set(&d, "sensor", &self.sensor)?;
        Ok(d)
    }
}

impl Plain for RateQuote {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "carrier", &self.carrier)?;
        set(&d, "service", &self.service)?;
        d.set_item("cost", py_decimal(py, &self.cost)?)?;
        set(&d, "currency", self.currency.code())?;
        set(&d, "transit_days", self.transit_days)?;
        d.set_item("promised_delivery", py_time(py, &self.promised_delivery)?)?;
        Ok(d)
    }
}

impl Plain for Shipment {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "tracking_number", &self.tracking_number)?;
        set(&d, "carrier", &self.carrier)?;
        set(&d, "service", &self.service)?;
        set(&d, "label_reference", &self.label_reference)?;
        d.set_item("cost", py_decimal(py, &self.cost)?)?;
        set(&d, "currency", self.currency.code())?;
        d.set_item("shipped_at", py_time(py, &self.shipped_at)?)?;
        d.set_item("promised_delivery", py_time(py, &self.promised_delivery)?)?;
        d.set_item("rejected_quotes", plain_list(py, &self.rejected_quotes)?)?;
        d.set_item("last_status_at", py_opt_time(py, self.last_status_at.as_ref())?)?;
        d.set_item("delivered_at", py_opt_time(py, self.delivered_at.as_ref())?)?;
        d.set_item("proof", opt_plain(py, self.proof.as_ref())?)?;
        d.set_item("thresholds", self.thresholds.plain(py)?)?;
        set(&d, "delay_notified", self.delay_notified)?;
        Ok(d)
    }
}

impl Plain for TrackingEvent {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let u = &self.update;
        set(&d, "tracking_number", &self.tracking_number)?;
        set(&d, "carrier_event_id", &u.carrier_event_id)?;
        d.set_item("kind", py_enum(py, Enum::TrackingEventKind, u.kind.as_str())?)?;
        d.set_item("occurred_at", py_time(py, &u.occurred_at)?)?;
        set(&d, "location", &u.location)?;
        set(&d, "description", &u.description)?;
        d.set_item("proof", opt_plain(py, u.proof.as_ref())?)?;
        d.set_item("received_at", py_time(py, &self.received_at)?)?;
        set(&d, "applied", self.applied)?;
        Ok(d)
    }
}

impl Plain for TrackingOutcome {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("fulfillment", self.fulfillment.plain(py)?)?;
        set(&d, "recorded", self.recorded)?;
        set(&d, "applied", self.applied)?;
        Ok(d)
    }
}

impl Plain for Parcel {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        parcel_into(&d, self)?;
        Ok(d)
    }
}

impl Plain for RateRequest {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "origin", &self.origin)?;
        d.set_item("destination", self.destination.plain(py)?)?;
        d.set_item("parcels", plain_list(py, &self.parcels)?)?;
        d.set_item("ship_at", py_time(py, &self.ship_at)?)?;
        Ok(d)
    }
}

// ----------------------------------------------------------- typed classes

/// Proof that a package was delivered. As a dict: `{"signed_by": "Ada",
/// "photo_reference": "photo-1", "location": "front door"}` (each optional).
#[pyclass(name = "DeliveryProof", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyDeliveryProof(pub(crate) DeliveryProof);

#[pymethods]
impl PyDeliveryProof {
    /// Who signed for it.
    #[getter]
    fn signed_by(&self) -> Option<&str> {
        self.0.signed_by.as_deref()
    }

    /// The carrier's reference of a photo of the drop-off.
    #[getter]
    fn photo_reference(&self) -> Option<&str> {
        self.0.photo_reference.as_deref()
    }

    /// Where it was left (`front door`, a locker id, coordinates).
    #[getter]
    fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }

    /// The value as a dict of plain Python data (the dict form it is accepted as).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("DeliveryProof", &self.0.plain(py)?)
    }
}

/// Acceptable ranges of a shipment's sensor readings; None means no limit.
/// As a dict: `{"min_temperature_c": "2", "max_temperature_c": "8",
/// "max_shock_g": "5"}` (each optional).
#[pyclass(name = "ConditionThresholds", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyConditionThresholds(pub(crate) ConditionThresholds);

#[pymethods]
impl PyConditionThresholds {
    /// Lowest acceptable temperature (°C).
    #[getter]
    fn min_temperature_c<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_opt_decimal(py, self.0.min_temperature_c.as_ref())
    }

    /// Highest acceptable temperature (°C).
    #[getter]
    fn max_temperature_c<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_opt_decimal(py, self.0.max_temperature_c.as_ref())
    }

    /// Highest acceptable shock (g).
    #[getter]
    fn max_shock_g<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_opt_decimal(py, self.0.max_shock_g.as_ref())
    }

    /// The value as a dict of plain Python data (the dict form it is accepted as).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("ConditionThresholds", &self.0.plain(py)?)
    }
}

/// One sensor reading of a shipment. As a dict: `{"kind": "temperature",
/// "value": "4.5", "at": datetime(...), "sensor": "probe-1"}`.
#[pyclass(name = "ConditionReading", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyConditionReading(pub(crate) ConditionReading);

#[pymethods]
impl PyConditionReading {
    /// What was measured: `temperature` (°C) or `shock` (g).
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::ConditionKind, self.0.kind.as_str())
    }

    /// The value (°C or g).
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.value)
    }

    /// When it was measured (UTC).
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.at)
    }

    /// The sensor that measured it.
    #[getter]
    fn sensor(&self) -> Option<&str> {
        self.0.sensor.as_deref()
    }

    /// The value as a dict of plain Python data (the dict form it is accepted as).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("ConditionReading", &self.0.plain(py)?)
    }
}

/// A carrier's price for one service (`Oms.quote_shipment`).
#[pyclass(name = "RateQuote", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyRateQuote(pub(crate) RateQuote);

#[pymethods]
impl PyRateQuote {
    /// The carrier's name, as registered.
    #[getter]
    fn carrier(&self) -> &str {
        &self.0.carrier
    }

    /// The service (`ground`, `express`...).
    #[getter]
    fn service(&self) -> &str {
        &self.0.service
    }

    /// Price of the whole shipment.
    #[getter]
    fn cost<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.cost)
    }

    /// ISO 4217 code of `cost`.
    #[getter]
    fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// Business days in transit.
    #[getter]
    fn transit_days(&self) -> u32 {
        self.0.transit_days
    }

    /// When the carrier promises delivery (UTC).
    #[getter]
    fn promised_delivery<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.promised_delivery)
    }

    /// The value as a dict of plain Python data (the dict form a carrier's
    /// `quote()` returns).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("RateQuote", &self.0.plain(py)?)
    }
}

/// A fulfilment order's packages on their way: the bought label and what
/// the carrier has reported since.
#[pyclass(name = "Shipment", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyShipment(pub(crate) Shipment);

#[pymethods]
impl PyShipment {
    /// The carrier's tracking number, unique across all shipments.
    #[getter]
    fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }

    /// Carrier name, as registered.
    #[getter]
    fn carrier(&self) -> &str {
        &self.0.carrier
    }

    /// Service level.
    #[getter]
    fn service(&self) -> &str {
        &self.0.service
    }

    /// The carrier's label reference.
    #[getter]
    fn label_reference(&self) -> &str {
        &self.0.label_reference
    }

    /// What the label cost.
    #[getter]
    fn cost<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.cost)
    }

    /// ISO 4217 code of `cost`.
    #[getter]
    fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// When it was handed to the carrier (UTC).
    #[getter]
    fn shipped_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.shipped_at)
    }

    /// When the carrier promised delivery (UTC).
    #[getter]
    fn promised_delivery<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.promised_delivery)
    }

    /// The quotes that lost the rate shopping, kept for the record.
    #[getter]
    fn rejected_quotes(&self) -> Vec<PyRateQuote> {
        self.0.rejected_quotes.iter().cloned().map(PyRateQuote).collect()
    }

    /// When the latest tracking event that changed the state happened; an
    /// older event is kept in the history but changes nothing.
    #[getter]
    fn last_status_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_opt_time(py, self.0.last_status_at.as_ref())
    }

    /// When it was delivered, by the carrier's clock; None before.
    #[getter]
    fn delivered_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_opt_time(py, self.0.delivered_at.as_ref())
    }

    /// Proof of delivery, once delivered with one.
    #[getter]
    fn proof(&self) -> Option<PyDeliveryProof> {
        self.0.proof.clone().map(PyDeliveryProof)
    }

    /// Limits for sensor readings.
    #[getter]
    fn thresholds(&self) -> PyConditionThresholds {
        PyConditionThresholds(self.0.thresholds)
    }

    /// Whether the customer was already told it is late.
    #[getter]
    fn delay_notified(&self) -> bool {
        self.0.delay_notified
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
            "Shipment(tracking_number={}, carrier={}, service={}, cost={}, currency={})",
            text(&self.0.tracking_number)?,
            text(&self.0.carrier)?,
            text(&self.0.service)?,
            py_decimal(py, &self.0.cost)?.repr()?,
            text(self.0.currency.code())?,
        ))
    }
}

/// A carrier tracking event as stored: the carrier's report, when omskit
/// received it, and whether it moved the fulfilment order's state.
#[pyclass(name = "TrackingEvent", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyTrackingEvent(pub(crate) TrackingEvent);

#[pymethods]
impl PyTrackingEvent {
    /// The shipment's tracking number.
    #[getter]
    fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }

    /// The carrier's id of the event: the same id twice is one event.
    #[getter]
    fn carrier_event_id(&self) -> &str {
        &self.0.update.carrier_event_id
    }

    /// What happened.
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::TrackingEventKind, self.0.update.kind.as_str())
    }

    /// When it happened, by the carrier's clock (UTC).
    #[getter]
    fn occurred_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.update.occurred_at)
    }

    /// Where (a depot, a city).
    #[getter]
    fn location(&self) -> Option<&str> {
        self.0.update.location.as_deref()
    }

    /// The carrier's description.
    #[getter]
    fn description(&self) -> Option<&str> {
        self.0.update.description.as_deref()
    }

    /// Proof of delivery, for `delivered`.
    #[getter]
    fn proof(&self) -> Option<PyDeliveryProof> {
        self.0.update.proof.clone().map(PyDeliveryProof)
    }

    /// When omskit received it (UTC).
    #[getter]
    fn received_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.received_at)
    }

    /// Whether it moved the state forward (False for late arrivals,
    /// out-of-sequence events and exceptions).
    #[getter]
    fn applied(&self) -> bool {
        self.0.applied
    }

    /// The value as a dict of plain Python data (the update's fields flattened).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("TrackingEvent", &self.0.plain(py)?)
    }
}

/// What recording a tracking event did (`Oms.record_tracking_event`,
/// `Oms.confirm_delivery`).
#[pyclass(name = "TrackingOutcome", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyTrackingOutcome(pub(crate) TrackingOutcome);

#[pymethods]
impl PyTrackingOutcome {
    /// The fulfilment order, as it is now.
    #[getter]
    fn fulfillment(&self) -> PyFulfillmentOrder {
        PyFulfillmentOrder(self.0.fulfillment.clone())
    }

    /// False when the event was a duplicate: nothing changed.
    #[getter]
    fn recorded(&self) -> bool {
        self.0.recorded
    }

    /// Whether it moved the state forward (an older or out-of-sequence
    /// event is kept in the history only).
    #[getter]
    fn applied(&self) -> bool {
        self.0.applied
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TrackingOutcome(recorded={}, applied={}, status={})",
            if self.0.recorded { "True" } else { "False" },
            if self.0.applied { "True" } else { "False" },
            py_enum(py, Enum::FulfillmentStatus, self.0.fulfillment.status.as_str())?.repr()?,
        ))
    }
}

/// One parcel a carrier is asked to quote or label: weight (kg) and outer
/// dimensions (cm).
#[pyclass(name = "Parcel", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyParcel(pub(crate) Parcel);

#[pymethods]
impl PyParcel {
    /// Weight in kilograms.
    #[getter]
    fn weight_kg<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.weight_kg)
    }

    /// Length in centimetres.
    #[getter]
    fn length_cm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.length_cm)
    }

    /// Width in centimetres.
    #[getter]
    fn width_cm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.width_cm)
    }

    /// Height in centimetres.
    #[getter]
    fn height_cm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.height_cm)
    }

    /// The weight a carrier bills: the larger of the actual weight and
    /// length × width × height / 5000 (kg).
    #[getter]
    fn billable_weight_kg<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.0.billable_weight_kg())
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Parcel", &self.0.plain(py)?)
    }
}

/// What a carrier is asked to quote or label: where the parcels leave from
/// (a location code), where they go, the parcels, and when they are handed
/// over. Passed to the methods of a carrier registered with
/// `Oms.register_carrier`.
#[pyclass(name = "RateRequest", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyRateRequest(pub(crate) RateRequest);

#[pymethods]
impl PyRateRequest {
    /// The code of the location the parcels leave from.
    #[getter]
    fn origin(&self) -> &str {
        &self.0.origin
    }

    /// Where they go (the order's shipping address).
    #[getter]
    fn destination(&self) -> PyAddress {
        PyAddress(self.0.destination.clone())
    }

    /// The parcels, shipped together under one tracking number.
    #[getter]
    fn parcels(&self) -> Vec<PyParcel> {
        self.0.parcels.iter().cloned().map(PyParcel).collect()
    }

    /// When they are handed over (the start of transit; UTC).
    #[getter]
    fn ship_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.ship_at)
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("RateRequest", &self.0.plain(py)?)
    }
}
