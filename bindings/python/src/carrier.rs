//! Carriers written in Python, and the table-rate carrier's configuration.
//!
//! A Python carrier is any object with a `name` (str) and the methods
//! `services()`, `quote(request)`, `create_label(request, service)` and
//! `void_label(tracking_number)` (the `omskit.Carrier` protocol). It is
//! wrapped in a [`PyCarrier`], which implements the core's [`Carrier`]:
//! the engine calls it with the interpreter released (outside any storage
//! transaction), and the wrapper attaches to call into Python.
//!
//! An exception the carrier raises becomes a core error (an `OmsError`
//! subclass raised by the carrier keeps its class; any other exception is
//! a `StorageError`, retryable for `ConnectionError` and `TimeoutError`). A
//! return value of the wrong shape is a `StorageError` naming the bad field.
//! Either way the original Python exception is remembered on this thread
//! ([`begin`], [`finish`]) and becomes the `__cause__` of the exception the
//! call finally raises; one the engine swallowed (a label it failed to
//! void) is reported through `sys.unraisablehook` instead.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use omskit::core::shipping::{
    check_tracking_number, Label, RateRequest, ServiceLevel, TableRateBand, TableRateConfig,
    TableRateTransit, TableRateZone,
};
use omskit::{Carrier, Currency, Error, RateQuote};
use pyo3::call::PyCallArgs;
use pyo3::exceptions::{PyConnectionError, PyException, PyTimeoutError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PySequence, PyString};

use crate::convert::{decimal, each_item, int, items, text, time, Fields, Path};
use crate::draft::currency;
use crate::errors::{self, Conflict, NotFound, StorageError, ValidationError};
use crate::shipping::{PyRateQuote, PyRateRequest};

// ------------------------------------------------------- remembered failures

/// A Python exception raised (or a bad value returned) by a carrier, with
/// the core error it became and the carrier that raised it.
struct Failure {
    error: Error,
    exception: PyErr,
    carrier: Py<PyAny>,
}

thread_local! {
    /// The carrier failures of the engine call running on this thread.
    static FAILURES: RefCell<Vec<Failure>> = const { RefCell::new(Vec::new()) };
}

fn remember(error: &Error, exception: PyErr, carrier: &Py<PyAny>, py: Python<'_>) {
    let failure = Failure { error: error.clone(), exception, carrier: carrier.clone_ref(py) };
    FAILURES.with(|f| f.borrow_mut().push(failure));
}

fn take() -> Vec<Failure> {
    FAILURES.with(|f| std::mem::take(&mut *f.borrow_mut()))
}

/// The carrier failures remembered during one engine call.
pub(crate) struct Failures(Vec<Failure>);

/// Starts an engine call: sets aside the failures of an enclosing call (a
/// carrier that calls the `Oms` again), to be restored by [`finish`].
pub(crate) fn begin() -> Failures {
    Failures(take())
}

/// Ends an engine call: returns its failures and restores the enclosing
/// call's.
pub(crate) fn finish(outer: Failures) -> Failures {
    let mine = take();
    FAILURES.with(|f| *f.borrow_mut() = outer.0);
    Failures(mine)
}

impl Failures {
    /// After a call that succeeded: reports the carrier exceptions the
    /// engine swallowed (a failed void) through `sys.unraisablehook`.
    pub(crate) fn report(self, py: Python<'_>) {
        for failure in self.0 {
            failure.exception.write_unraisable(py, Some(failure.carrier.bind(py)));
        }
    }

    /// After a call that failed with `error` (mapped to `raised`): the
    /// carrier exception behind it becomes its `__cause__` (or is raised
    /// itself when it is no `Exception`, such as `KeyboardInterrupt`); other
    /// carrier exceptions are reported through `sys.unraisablehook`.
    pub(crate) fn attach_cause(self, py: Python<'_>, error: &Error, raised: PyErr) -> PyErr {
        let mut cause = None;
        for failure in self.0 {
            if cause.is_none() && failure.error == *error {
                cause = Some(failure.exception);
            } else {
                failure.exception.write_unraisable(py, Some(failure.carrier.bind(py)));
            }
        }
        match cause {
            Some(cause) if !cause.is_instance_of::<PyException>(py) => cause,
            Some(cause) => {
                raised.set_cause(py, Some(cause));
                raised
            }
            None => raised,
        }
    }
}

// ----------------------------------------------------------- the wrapper

/// A carrier implemented in Python.
pub(crate) struct PyCarrier {
    name: String,
    services: Vec<ServiceLevel>,
    object: Py<PyAny>,
}

const METHODS: [&str; 4] = ["services", "quote", "create_label", "void_label"];

impl PyCarrier {
    /// Wraps `obj` after checking it follows the protocol: a non-empty
    /// `name` and the four methods; `services()` is called once, now.
    pub(crate) fn new(obj: &Bound<'_, PyAny>) -> PyResult<PyCarrier> {
        let py = obj.py();
        let top = Path::root("arguments");
        let path = top.field("carrier");
        for method in METHODS {
            let callable = obj.getattr(method).map(|m| m.is_callable()).unwrap_or(false);
            if !callable {
                return Err(errors::wrong_type(
                    &path,
                    &format!(
                        "a carrier (an object with name, services(), quote(), create_label() \
                         and void_label()); it has no method {method}()"
                    ),
                    obj,
                ));
            }
        }
        let name_path = path.field("name");
        let name = match obj.getattr(intern!(py, "name")) {
            Ok(name) => text(&name, &name_path)?,
            Err(_) => return Err(errors::validation(py, &name_path, "is required")),
        };
        if name.trim().is_empty() {
            return Err(errors::validation(py, &name_path, "must not be empty"));
        }
        let returned = obj.call_method0(intern!(py, "services"))?;
        let services_path = Path::root("services()");
        let services = returned_items(&returned, &services_path)?
            .iter()
            .enumerate()
            .map(|(i, s)| service_in(s, &services_path.index(i)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyCarrier { name, services, object: obj.clone().unbind() })
    }

    /// Calls `method` with `args`; an exception becomes a core error.
    fn call<'py>(
        &self,
        py: Python<'py>,
        method: &'static str,
        args: impl PyCallArgs<'py>,
    ) -> Result<Bound<'py, PyAny>, Error> {
        self.object.bind(py).call_method1(method, args).map_err(|exception| {
            let error = self.raised(py, method, &exception);
            remember(&error, exception, &self.object, py);
            error
        })
    }

    /// Converts what `method` returned; a value of the wrong shape becomes
    /// a (non-retryable) `Storage` error.
    fn returned<T>(
        &self,
        py: Python<'_>,
        method: &str,
        converted: PyResult<T>,
    ) -> Result<T, Error> {
        converted.map_err(|exception| {
            let error = Error::Storage {
                message: format!(
                    "carrier {:?}: {method}() returned an unusable value: {}",
                    self.name,
                    exception.value(py)
                ),
                retryable: false,
            };
            remember(&error, exception, &self.object, py);
            error
        })
    }

    /// The core error an exception raised by `method` maps to.
    fn raised(&self, py: Python<'_>, method: &str, exception: &PyErr) -> Error {
        let value = exception.value(py);
        let message = value.str().map(|s| s.to_string()).unwrap_or_default();
        let attr = |name: &str| -> Option<String> {
            value.getattr(name).ok().and_then(|v| v.extract::<String>().ok())
        };
        if exception.is_instance_of::<ValidationError>(py) {
            Error::Validation { field: attr("field").unwrap_or_else(|| "carrier".into()), message }
        } else if exception.is_instance_of::<NotFound>(py) {
            let entity = match attr("entity").as_deref() {
                Some("carrier service") => "carrier service",
                Some("label") => "label",
                Some("carrier") => "carrier",
                _ if method == "create_label" => "carrier service",
                _ if method == "void_label" => "label",
                _ => "carrier",
            };
            Error::NotFound { entity, id: attr("id").unwrap_or(message) }
        } else if exception.is_instance_of::<Conflict>(py) {
            Error::Conflict { field: attr("field"), message }
        } else {
            let kind = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            let retryable = if exception.is_instance_of::<StorageError>(py) {
                value.getattr("retryable").and_then(|r| r.is_truthy()).unwrap_or(false)
            } else {
                exception.is_instance_of::<PyConnectionError>(py)
                    || exception.is_instance_of::<PyTimeoutError>(py)
            };
            Error::Storage {
                message: format!("carrier {:?}: {method}() raised {kind}: {message}", self.name),
                retryable,
            }
        }
    }
}

impl Carrier for PyCarrier {
    fn name(&self) -> &str {
        &self.name
    }

    fn services(&self) -> Vec<ServiceLevel> {
        self.services.clone()
    }

    fn quote(&self, request: &RateRequest) -> omskit::Result<Vec<RateQuote>> {
        Python::attach(|py| {
            let out = self.call(py, "quote", (PyRateRequest(request.clone()),))?;
            let path = Path::root("quote()");
            let quotes = returned_items(&out, &path).and_then(|list| {
                list.iter()
                    .enumerate()
                    .map(|(i, q)| quote_in(q, &path.index(i), &self.name))
                    .collect::<PyResult<Vec<_>>>()
            });
            self.returned(py, "quote", quotes)
        })
    }

    fn create_label(&self, request: &RateRequest, service: &str) -> omskit::Result<Label> {
        Python::attach(|py| {
            let out = self.call(py, "create_label", (PyRateRequest(request.clone()), service))?;
            let top = Path::root("returned");
            self.returned(py, "create_label", label_in(&out, &top.field("create_label()")))
        })
    }

    fn void_label(&self, tracking_number: &str) -> omskit::Result<()> {
        Python::attach(|py| self.call(py, "void_label", (tracking_number,)).map(drop))
    }
}

// ------------------------------------------------ what carriers return

/// The items of a sequence a carrier returned: a list, a tuple, or any
/// other sequence but a str.
fn returned_items<'py>(
    obj: &Bound<'py, PyAny>,
    path: &Path<'_>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyString>() {
        return Err(errors::wrong_type(path, "a list", obj));
    }
    match obj.cast::<PySequence>() {
        Ok(sequence) => sequence.try_iter()?.collect(),
        Err(_) => items(obj, path),
    }
}

fn service_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<ServiceLevel> {
    let py = obj.py();
    let mut f =
        Fields::of(obj, path, "a dict such as {\"name\": \"ground\", \"transit_days\": 5}")?;
    let service = ServiceLevel {
        name: text(&f.required(intern!(py, "name"), "str")?, &path.field("name"))?,
        transit_days: int(
            &f.required(intern!(py, "transit_days"), "int")?,
            &path.field("transit_days"),
        )?,
    };
    f.finish(&["name", "transit_days"])?;
    Ok(service)
}

/// Cost, currency and promised delivery, as quotes and labels carry them.
fn priced<'py>(
    f: &mut Fields<'_, 'py>,
    py: Python<'py>,
    path: &Path<'_>,
) -> PyResult<(omskit::Decimal, Currency, DateTime<Utc>)> {
    Ok((
        decimal(&f.required(intern!(py, "cost"), "Decimal or str")?, &path.field("cost"))?,
        currency(&f.required(intern!(py, "currency"), "str")?, &path.field("currency"))?,
        time(
            &f.required(intern!(py, "promised_delivery"), "datetime")?,
            &path.field("promised_delivery"),
        )?,
    ))
}

/// A quote from a `RateQuote` or a dict; `carrier` defaults to the
/// carrier's name (the engine sets it to the registered name anyway).
fn quote_in(obj: &Bound<'_, PyAny>, path: &Path<'_>, carrier: &str) -> PyResult<RateQuote> {
    if let Ok(typed) = obj.cast::<PyRateQuote>() {
        return Ok(typed.get().0.clone());
    }
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a RateQuote or a dict")?;
    let name = match f.optional(intern!(py, "carrier"))? {
        Some(c) => text(&c, &path.field("carrier"))?,
        None => carrier.to_owned(),
    };
    let service = text(&f.required(intern!(py, "service"), "str")?, &path.field("service"))?;
    let transit_days =
        int(&f.required(intern!(py, "transit_days"), "int")?, &path.field("transit_days"))?;
    let (cost, currency, promised_delivery) = priced(&mut f, py, path)?;
    f.finish(&["carrier", "service", "cost", "currency", "transit_days", "promised_delivery"])?;
    Ok(RateQuote { carrier: name, service, cost, currency, transit_days, promised_delivery })
}

/// A label from a dict: `{"tracking_number", "label_reference", "cost",
/// "currency", "promised_delivery"}`.
fn label_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Label> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict")?;
    let number_path = path.field("tracking_number");
    let tracking_number = text(&f.required(intern!(py, "tracking_number"), "str")?, &number_path)?;
    if let Err(Error::Validation { message, .. }) = check_tracking_number(&tracking_number) {
        return Err(errors::validation(py, &number_path, message));
    }
    let label_reference =
        text(&f.required(intern!(py, "label_reference"), "str")?, &path.field("label_reference"))?;
    let (cost, currency, promised_delivery) = priced(&mut f, py, path)?;
    f.finish(&["tracking_number", "label_reference", "cost", "currency", "promised_delivery"])?;
    Ok(Label { tracking_number, label_reference, cost, currency, promised_delivery })
}

// ------------------------------------------------ table-rate configuration

fn zone_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<TableRateZone> {
    let py = obj.py();
    let mut f =
        Fields::of(obj, path, "a dict such as {\"name\": \"home\", \"countries\": [\"US\"]}")?;
    let zone = TableRateZone {
        name: text(&f.required(intern!(py, "name"), "str")?, &path.field("name"))?,
        countries: each_item(
            &f.required(intern!(py, "countries"), "a list")?,
            &path.field("countries"),
            text,
        )?,
    };
    f.finish(&["name", "countries"])?;
    Ok(zone)
}

fn band_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<TableRateBand> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict with service, zone, up_to_kg and price")?;
    let band = TableRateBand {
        service: text(&f.required(intern!(py, "service"), "str")?, &path.field("service"))?,
        zone: text(&f.required(intern!(py, "zone"), "str")?, &path.field("zone"))?,
        up_to_kg: decimal(
            &f.required(intern!(py, "up_to_kg"), "Decimal, str or int")?,
            &path.field("up_to_kg"),
        )?,
        price: decimal(
            &f.required(intern!(py, "price"), "Decimal, str or int")?,
            &path.field("price"),
        )?,
    };
    f.finish(&["service", "zone", "up_to_kg", "price"])?;
    Ok(band)
}

fn transit_in(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<TableRateTransit> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict with service, zone and days")?;
    let transit = TableRateTransit {
        service: text(&f.required(intern!(py, "service"), "str")?, &path.field("service"))?,
        zone: text(&f.required(intern!(py, "zone"), "str")?, &path.field("zone"))?,
        days: int(&f.required(intern!(py, "days"), "int")?, &path.field("days"))?,
    };
    f.finish(&["service", "zone", "days"])?;
    Ok(transit)
}

/// A table-rate carrier's configuration from a dict with the fields of the
/// Rust `TableRateConfig` (`name`, `currency`, `zones`, `services`,
/// `rates`, and optionally `transit_days`).
pub(crate) fn table_rate_config_in(
    obj: &Bound<'_, PyAny>,
    path: &Path<'_>,
) -> PyResult<TableRateConfig> {
    let py = obj.py();
    let mut f = Fields::of(obj, path, "a dict")?;
    let config = TableRateConfig {
        name: text(&f.required(intern!(py, "name"), "str")?, &path.field("name"))?,
        currency: currency(&f.required(intern!(py, "currency"), "str")?, &path.field("currency"))?,
        zones: each_item(
            &f.required(intern!(py, "zones"), "a list")?,
            &path.field("zones"),
            zone_in,
        )?,
        services: each_item(
            &f.required(intern!(py, "services"), "a list")?,
            &path.field("services"),
            service_in,
        )?,
        rates: each_item(
            &f.required(intern!(py, "rates"), "a list")?,
            &path.field("rates"),
            band_in,
        )?,
        transit_days: match f.optional(intern!(py, "transit_days"))? {
            Some(t) => each_item(&t, &path.field("transit_days"), transit_in)?,
            None => Vec::new(),
        },
    };
    f.finish(&["name", "currency", "zones", "services", "rates", "transit_days"])?;
    Ok(config)
}
