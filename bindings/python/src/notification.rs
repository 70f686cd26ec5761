//! Customer notifications derived from the event log, and the state
//! diagrams of orders and fulfilment orders.

use omskit::core::diagram::StateMachine;
use omskit::core::notification::{Recipient, TrackingInfo};
use omskit::{FulfillmentStatus, Notification, NotificationPage, OrderStatus};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{choice, opt_text, py_enum, py_time, Enum, Path};
use crate::draft::{opt_plain, plain_list};
use crate::errors;
use crate::model::{repr_of, set, Plain};

impl Plain for Recipient {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "customer_id", &self.customer_id)?;
        set(&d, "name", &self.name)?;
        set(&d, "email", &self.email)?;
        set(&d, "phone", &self.phone)?;
        Ok(d)
    }
}

impl Plain for TrackingInfo {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "fulfillment_id", self.fulfillment_id.to_string())?;
        set(&d, "carrier", &self.carrier)?;
        set(&d, "service", &self.service)?;
        set(&d, "tracking_number", &self.tracking_number)?;
        d.set_item("promised_delivery", py_time(py, &self.promised_delivery)?)?;
        Ok(d)
    }
}

impl Plain for Notification {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set(&d, "event_seq", self.event_seq)?;
        d.set_item("kind", py_enum(py, Enum::NotificationKind, self.kind.template_key())?)?;
        set(&d, "template_key", &self.template_key)?;
        set(&d, "order_id", self.order_id.to_string())?;
        set(&d, "external_id", &self.external_id)?;
        d.set_item("recipient", self.recipient.plain(py)?)?;
        d.set_item("tracking", opt_plain(py, self.tracking.as_ref())?)?;
        d.set_item("recorded_at", py_time(py, &self.recorded_at)?)?;
        Ok(d)
    }
}

impl Plain for NotificationPage {
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("notifications", plain_list(py, &self.notifications)?)?;
        set(&d, "cursor", self.cursor)?;
        Ok(d)
    }
}

/// Who a notification is for: the order's customer.
#[pyclass(name = "Recipient", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyRecipient(pub(crate) Recipient);

#[pymethods]
impl PyRecipient {
    /// The customer's id.
    #[getter]
    fn customer_id(&self) -> &str {
        &self.0.customer_id
    }

    /// Name.
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

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("Recipient", &self.0.plain(py)?)
    }
}

/// The shipment a shipping notification is about.
#[pyclass(name = "TrackingInfo", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyTrackingInfo(pub(crate) TrackingInfo);

#[pymethods]
impl PyTrackingInfo {
    /// The fulfilment order.
    #[getter]
    fn fulfillment_id(&self) -> String {
        self.0.fulfillment_id.to_string()
    }

    /// Carrier name.
    #[getter]
    fn carrier(&self) -> &str {
        &self.0.carrier
    }

    /// Service level.
    #[getter]
    fn service(&self) -> &str {
        &self.0.service
    }

    /// Tracking number.
    #[getter]
    fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }

    /// Promised delivery (UTC).
    #[getter]
    fn promised_delivery<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.promised_delivery)
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr_of("TrackingInfo", &self.0.plain(py)?)
    }
}

/// A message to send to a customer: which moment (`kind`, and the
/// `template_key` to render), about which order, to whom, and for shipping
/// moments the shipment. omskit sends nothing itself.
#[pyclass(name = "Notification", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyNotification(pub(crate) Notification);

#[pymethods]
impl PyNotification {
    /// The sequence number of the event behind it: unique, and the cursor
    /// to resume from.
    #[getter]
    fn event_seq(&self) -> u64 {
        self.0.event_seq
    }

    /// Which moment.
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_enum(py, Enum::NotificationKind, self.0.kind.template_key())
    }

    /// The template key applications map to a message (`order_confirmed`,
    /// `shipped`...).
    #[getter]
    fn template_key(&self) -> &str {
        &self.0.template_key
    }

    /// The order.
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }

    /// The channel's id of the order, for the message.
    #[getter]
    fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Who to tell.
    #[getter]
    fn recipient(&self) -> PyRecipient {
        PyRecipient(self.0.recipient.clone())
    }

    /// The shipment, for shipping moments; else None.
    #[getter]
    fn tracking(&self) -> Option<PyTrackingInfo> {
        self.0.tracking.clone().map(PyTrackingInfo)
    }

    /// When the event was recorded (UTC).
    #[getter]
    fn recorded_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_time(py, &self.0.recorded_at)
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
            "Notification(event_seq={}, kind={}, order_id={}, recipient={})",
            self.0.event_seq,
            self.kind(py)?.repr()?,
            text(&self.0.order_id.to_string())?,
            text(&self.0.recipient.customer_id)?,
        ))
    }
}

/// A page of notifications (`Oms.notifications_since`) and the cursor to
/// read the next page from.
#[pyclass(name = "NotificationPage", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyNotificationPage(pub(crate) NotificationPage);

#[pymethods]
impl PyNotificationPage {
    /// The notifications, in event order.
    #[getter]
    fn notifications(&self) -> Vec<PyNotification> {
        self.0.notifications.iter().cloned().map(PyNotification).collect()
    }

    /// The sequence number of the last event examined: pass it as `after`
    /// next time (store it once the page is delivered, for at-least-once
    /// delivery across restarts).
    #[getter]
    fn cursor(&self) -> u64 {
        self.0.cursor
    }

    /// The value as a dict of plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.0.plain(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "NotificationPage(notifications={}, cursor={})",
            self.0.notifications.len(),
            self.0.cursor
        )
    }
}

/// The state diagram of `machine` (`"order"` or `"fulfillment"`), drawn
/// from the transition table the engine enforces, as Mermaid
/// `stateDiagram-v2` source (`format="mermaid"`, the default) or a
/// Graphviz DOT digraph (`format="dot"`).
///
/// ```python
/// print(omskit.diagram("fulfillment", format="dot"))
/// ```
#[pyfunction]
#[pyo3(signature = (machine, format=None), text_signature = "(machine, format='mermaid')")]
pub(crate) fn diagram(
    machine: &Bound<'_, PyAny>,
    format: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let chart = choice(
        machine,
        &Path::root("machine"),
        &[
            ("order", OrderStatus::diagram as fn() -> _),
            ("fulfillment", FulfillmentStatus::diagram),
        ],
    )?();
    let format_path = Path::root("format");
    match opt_text(format, &format_path)?.as_deref().unwrap_or("mermaid") {
        "mermaid" => Ok(chart.to_mermaid()),
        "dot" => Ok(chart.to_dot()),
        other => Err(errors::validation(
            machine.py(),
            &format_path,
            format!("must be \"mermaid\" or \"dot\", got {other:?}"),
        )),
    }
}
