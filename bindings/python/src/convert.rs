//! Conversions between Python values and the core's: strings, bounded
//! integers, exact decimals, ids, times, enums and JSON.
//!
//! Every input conversion names the field it reads (a [`Path`] such as
//! `lines[2].quantity`) in its error: a value of the wrong Python type is a
//! `TypeError`, a value of the right type but out of range a `ValidationError`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use omskit::{Decimal, FulfillmentId, OrderId};
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use pyo3::{intern, IntoPyObjectExt};

use crate::errors;

/// Where a value sits in the arguments: `quantity`, `lines[2].unit_price`.
/// Built on the stack as conversion descends, formatted only for an error.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    /// The value itself, named only when the error is about the whole of it.
    Root(&'a str),
    Field(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// An argument, or a document whose own fields are named without a prefix
    /// (a draft: `lines[0].sku`, as the core names them).
    pub(crate) const fn root(name: &'a str) -> Path<'a> {
        Path { parent: None, segment: Segment::Root(name) }
    }

    /// A named field of this value.
    pub(crate) fn field(&'a self, name: &'a str) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Field(name) }
    }

    /// An item of this sequence.
    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Index(index) }
    }

    /// Writes the path; returns whether anything was written.
    fn write(&self, f: &mut fmt::Formatter<'_>, alone: bool) -> Result<bool, fmt::Error> {
        let written = match self.parent {
            Some(parent) => parent.write(f, false)?,
            None => false,
        };
        match self.segment {
            Segment::Root(name) if alone => f.write_str(name)?,
            Segment::Root(_) => return Ok(written),
            Segment::Field(name) if written => write!(f, ".{name}")?,
            Segment::Field(name) => f.write_str(name)?,
            Segment::Index(i) => {
                if !written {
                    if let Some(Path { segment: Segment::Root(name), .. }) = self.parent {
                        f.write_str(name)?;
                    }
                }
                write!(f, "[{i}]")?
            }
        }
        Ok(true)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true).map(|_| ())
    }
}

// ------------------------------------------------------------------ inputs

/// A `str`. A string that cannot be encoded as UTF-8 (a lone surrogate) is a
/// `ValidationError`.
pub(crate) fn text(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<String> {
    let s = obj.cast::<PyString>().map_err(|_| errors::wrong_type(path, "str", obj))?;
    match s.to_cow() {
        Ok(text) => Ok(text.into_owned()),
        Err(_) => Err(errors::validation(obj.py(), path, "is not valid Unicode text")),
    }
}

/// A `str` or `None`.
pub(crate) fn opt_text(
    obj: Option<&Bound<'_, PyAny>>,
    path: &Path<'_>,
) -> PyResult<Option<String>> {
    match obj {
        Some(obj) if !obj.is_none() => text(obj, path).map(Some),
        _ => Ok(None),
    }
}

/// An integer type the binding accepts, with its range for error messages.
pub(crate) trait Int: Sized + for<'a, 'py> FromPyObject<'a, 'py, Error = PyErr> {
    /// `from 0 to 4294967295`...
    const RANGE: &'static str;
}

impl Int for i64 {
    const RANGE: &'static str = "from -9223372036854775808 to 9223372036854775807";
}
impl Int for i32 {
    const RANGE: &'static str = "from -2147483648 to 2147483647";
}
impl Int for u32 {
    const RANGE: &'static str = "from 0 to 4294967295";
}
impl Int for u64 {
    const RANGE: &'static str = "from 0 to 18446744073709551615";
}
impl Int for usize {
    const RANGE: &'static str = "from 0 to 18446744073709551615";
}

/// An `int` (not a `bool`) that fits `T`; one that does not is a
/// `ValidationError`, never an `OverflowError`.
pub(crate) fn int<T: Int>(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<T> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(errors::wrong_type(path, "int", obj));
    }
    obj.extract::<T>().map_err(|e| {
        if e.is_instance_of::<PyOverflowError>(obj.py()) {
            errors::validation(obj.py(), path, format!("must be {}", T::RANGE))
        } else {
            e
        }
    })
}

/// An `int` that fits `T`, or `None`.
pub(crate) fn opt_int<T: Int>(
    obj: Option<&Bound<'_, PyAny>>,
    path: &Path<'_>,
) -> PyResult<Option<T>> {
    match obj {
        Some(obj) if !obj.is_none() => int(obj, path).map(Some),
        _ => Ok(None),
    }
}

/// A `bool` (not any truthy value).
pub(crate) fn boolean(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<bool> {
    obj.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| errors::wrong_type(path, "bool", obj))
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `decimal.Decimal`.
pub(crate) fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// An exact amount: a `decimal.Decimal`, a `str` such as `"19.99"`, or an
/// `int`. A `float` is a `TypeError` (it cannot hold most amounts exactly);
/// NaN, infinities and values beyond the 28 significant digits omskit keeps
/// are `ValidationError`s.
pub(crate) fn decimal(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<Decimal> {
    let py = obj.py();
    let text = if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow()
            .map_err(|_| errors::validation(py, path, "is not a decimal number"))?
            .into_owned()
    } else if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{path}: got the float {}; pass money as decimal.Decimal or str (such as \
             Decimal(\"19.99\") or \"19.99\"): a float cannot hold most amounts exactly",
            obj.repr()?
        )));
    } else if obj.is_instance_of::<PyBool>() {
        return Err(errors::wrong_type(path, "Decimal, str or int", obj));
    } else if obj.is_instance_of::<PyInt>() || obj.is_instance(decimal_type(py)?)? {
        obj.str()?.to_cow()?.into_owned()
    } else {
        return Err(errors::wrong_type(path, "Decimal, str or int", obj));
    };
    parse_decimal(&text).map_err(|why| errors::validation(py, path, why))
}

/// An amount or `None`.
pub(crate) fn opt_decimal(
    obj: Option<&Bound<'_, PyAny>>,
    path: &Path<'_>,
) -> PyResult<Option<Decimal>> {
    match obj {
        Some(obj) if !obj.is_none() => decimal(obj, path).map(Some),
        _ => Ok(None),
    }
}

/// Most significant digits a `Decimal` holds exactly.
const MAX_DECIMAL_DIGITS: usize = 28;

/// Parses a decimal number as Python's `Decimal` writes it (`-12.50`,
/// `1E+3`, `5E-7`) without rounding: a number it cannot hold exactly is an error.
fn parse_decimal(text: &str) -> Result<Decimal, String> {
    // The common case, "19.99": exact, or an error that the slow path explains.
    if let Ok(value) = Decimal::from_str_exact(text) {
        return Ok(value);
    }
    let bad = || format!("{text:?} is not a decimal number");
    let lower = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if matches!(lower.as_str(), "nan" | "snan" | "inf" | "infinity") || lower.starts_with("nan") {
        return Err(format!("must be a finite number, got {text}"));
    }
    if text.len() > 200 {
        return Err("has too many digits".to_owned());
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = unsigned[at + 1..].parse().map_err(|_| bad())?;
            (&unsigned[..at], exponent)
        }
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let mut digits = format!("{whole}{fraction}");
    let mut scale = fraction.len() as i64 - exponent;
    // Trailing zeros past the representable scale carry no value.
    while scale > MAX_DECIMAL_DIGITS as i64 && digits.ends_with('0') {
        digits.pop();
        scale -= 1;
    }
    if scale > MAX_DECIMAL_DIGITS as i64 {
        return Err(format!("has more than {MAX_DECIMAL_DIGITS} decimal places: {text}"));
    }
    let significant = digits.trim_start_matches('0');
    let out_of_range = || format!("{text} is out of range (at most {MAX_DECIMAL_DIGITS} digits)");
    if scale < 0 {
        if significant.len() as i64 - scale > MAX_DECIMAL_DIGITS as i64 + 1 {
            return Err(out_of_range());
        }
        digits.extend(std::iter::repeat_n('0', (-scale) as usize));
        scale = 0;
    }
    if digits.trim_start_matches('0').len() > MAX_DECIMAL_DIGITS + 1 {
        return Err(out_of_range());
    }
    let mut mantissa = i128::from_str(&digits).map_err(|_| out_of_range())?;
    if negative {
        mantissa = -mantissa;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale as u32).map_err(|_| out_of_range())
}

/// An order id: its hyphenated UUID text or a `uuid.UUID`.
pub(crate) fn order_id(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<OrderId> {
    uuid_id(obj, path, "an order id")
}

/// A fulfilment order id: its hyphenated UUID text or a `uuid.UUID`.
pub(crate) fn fulfillment_id(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<FulfillmentId> {
    uuid_id(obj, path, "a fulfillment order id")
}

/// A typed id from its hyphenated UUID text or a `uuid.UUID`; `what` names
/// it in the error (`an order id`).
fn uuid_id<T: FromStr>(obj: &Bound<'_, PyAny>, path: &Path<'_>, what: &str) -> PyResult<T> {
    let py = obj.py();
    let text = if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow().map_err(|_| errors::validation(py, path, format!("is not {what}")))?.into_owned()
    } else if obj.is_instance(UUID.import(py, "uuid", "UUID")?)? {
        obj.str()?.to_cow()?.into_owned()
    } else {
        return Err(errors::wrong_type(path, "str or uuid.UUID", obj));
    };
    T::from_str(&text).map_err(|_| {
        errors::validation(py, path, format!("{text:?} is not {what} (a hyphenated UUID)"))
    })
}

/// A point in time: a timezone-aware `datetime` (any offset; converted to
/// UTC) or an RFC 3339 `str` such as `"2026-01-05T14:30:00Z"`. A naive
/// `datetime` is a `ValidationError`: it names no instant.
pub(crate) fn time(obj: &Bound<'_, PyAny>, path: &Path<'_>) -> PyResult<DateTime<Utc>> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s
            .to_cow()
            .map_err(|_| errors::validation(py, path, "is not an RFC 3339 time"))?
            .into_owned();
        return DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            errors::validation(
                py,
                path,
                format!("{text:?} is not an RFC 3339 time such as \"2026-01-05T14:30:00Z\""),
            )
        });
    }
    if !obj.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        return Err(errors::wrong_type(path, "datetime or str", obj));
    }
    if obj.call_method0(intern!(py, "utcoffset"))?.is_none() {
        return Err(errors::validation(
            py,
            path,
            "must be timezone-aware, such as datetime.now(timezone.utc): a naive datetime \
             names no instant",
        ));
    }
    let utc = UTC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import(intern!(py, "datetime"))?
            .getattr(intern!(py, "timezone"))?
            .getattr("utc")?
            .unbind())
    })?;
    obj.call_method1(intern!(py, "astimezone"), (utc.bind(py),))
        .and_then(|t| t.extract::<DateTime<Utc>>())
        .map_err(|_| errors::validation(py, path, "is out of range"))
}

/// A point in time or `None`.
pub(crate) fn opt_time(
    obj: Option<&Bound<'_, PyAny>>,
    path: &Path<'_>,
) -> PyResult<Option<DateTime<Utc>>> {
    match obj {
        Some(obj) if !obj.is_none() => time(obj, path).map(Some),
        _ => Ok(None),
    }
}

/// One of `choices` (a str-valued enum member or its value), as the
/// matching core value; anything else is a `ValidationError` listing them.
pub(crate) fn choice<T: Copy>(
    obj: &Bound<'_, PyAny>,
    path: &Path<'_>,
    choices: &[(&str, T)],
) -> PyResult<T> {
    let name = text(obj, path)?;
    choices.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
        errors::validation(
            obj.py(),
            path,
            format!("must be one of {}, got {name:?}", names.join(", ")),
        )
    })
}

/// A list or tuple, as a vector of its items.
pub(crate) fn items<'py>(
    obj: &Bound<'py, PyAny>,
    path: &Path<'_>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(list) = obj.cast::<PyList>() {
        Ok(list.iter().collect())
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        Ok(tuple.iter().collect())
    } else {
        Err(errors::wrong_type(path, "a list or tuple", obj))
    }
}

/// Each item of a list or tuple converted by `item`, which is given the
/// item's path (`lines[2]`), so errors name the exact element.
pub(crate) fn each_item<T>(
    obj: &Bound<'_, PyAny>,
    path: &Path<'_>,
    item: impl Fn(&Bound<'_, PyAny>, &Path<'_>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    items(obj, path)?.iter().enumerate().map(|(i, x)| item(x, &path.index(i))).collect()
}

/// Reads the fields of a dict document and refuses keys it does not know
/// (a misspelt `unit_prise` is an error, not a silently missing price).
pub(crate) struct Fields<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    path: &'a Path<'a>,
    seen: usize,
}

impl<'a, 'py> Fields<'a, 'py> {
    /// The fields of `obj`, which must be a dict.
    pub(crate) fn of(
        obj: &'a Bound<'py, PyAny>,
        path: &'a Path<'a>,
        expected: &str,
    ) -> PyResult<Self> {
        let dict = obj.cast::<PyDict>().map_err(|_| errors::wrong_type(path, expected, obj))?;
        Ok(Fields { dict, path, seen: 0 })
    }

    /// The value of `key` (an interned name), if present; a present `None`
    /// counts as absent.
    pub(crate) fn optional(
        &mut self,
        key: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let value = self.dict.get_item(key)?;
        if value.is_some() {
            self.seen += 1;
        }
        Ok(value.filter(|v| !v.is_none()))
    }

    /// The value of `key`; a missing key is a `ValidationError`, a `None` a `TypeError`.
    pub(crate) fn required(
        &mut self,
        key: &Bound<'py, PyString>,
        expected: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.dict.get_item(key)? {
            Some(value) if !value.is_none() => {
                self.seen += 1;
                Ok(value)
            }
            found => {
                let name = key.to_cow()?;
                let path = self.path.field(&name);
                match found {
                    Some(none) => Err(errors::wrong_type(&path, expected, &none)),
                    None => Err(errors::validation(self.dict.py(), &path, "is required")),
                }
            }
        }
    }

    /// Fails on the first key that was not read.
    pub(crate) fn finish(self, known: &[&str]) -> PyResult<()> {
        if self.seen == self.dict.len() {
            return Ok(());
        }
        for key in self.dict.keys() {
            let name = key.str()?.to_cow()?.into_owned();
            if !key.is_instance_of::<PyString>() || !known.contains(&name.as_str()) {
                let message = format!("unknown field (expected one of: {})", known.join(", "));
                return Err(errors::validation(self.dict.py(), &self.path.field(&name), message));
            }
        }
        Ok(())
    }
}

// ----------------------------------------------------------------- outputs

/// A `decimal.Decimal` with the same digits and scale (`113.20` stays `113.20`).
pub(crate) fn py_decimal<'py>(py: Python<'py>, value: &Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((value.to_string(),))
}

/// A `decimal.Decimal` or `None`.
pub(crate) fn py_opt_decimal<'py>(
    py: Python<'py>,
    value: Option<&Decimal>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => py_decimal(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}

/// A timezone-aware `datetime` in UTC.
pub(crate) fn py_time<'py>(py: Python<'py>, value: &DateTime<Utc>) -> PyResult<Bound<'py, PyAny>> {
    value.into_bound_py_any(py)
}

/// A `datetime` or `None`.
pub(crate) fn py_opt_time<'py>(
    py: Python<'py>,
    value: Option<&DateTime<Utc>>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(t) => py_time(py, t),
        None => Ok(py.None().into_bound(py)),
    }
}

/// The str-valued enums of `omskit._enums`.
#[derive(Clone, Copy)]
pub(crate) enum Enum {
    OrderStatus,
    PaymentStatus,
    PaymentKind,
    ReservationStatus,
    MovementKind,
    FulfillmentStatus,
    TrackingEventKind,
    ConditionKind,
    NotificationKind,
}

impl Enum {
    const fn name(self) -> &'static str {
        match self {
            Enum::OrderStatus => "OrderStatus",
            Enum::PaymentStatus => "PaymentStatus",
            Enum::PaymentKind => "PaymentKind",
            Enum::ReservationStatus => "ReservationStatus",
            Enum::MovementKind => "MovementKind",
            Enum::FulfillmentStatus => "FulfillmentStatus",
            Enum::TrackingEventKind => "TrackingEventKind",
            Enum::ConditionKind => "ConditionKind",
            Enum::NotificationKind => "NotificationKind",
        }
    }
}

static MEMBERS: [PyOnceLock<Py<PyDict>>; 9] = [const { PyOnceLock::new() }; 9];

/// The member of `kind` whose value is `value` (the core's stored name).
pub(crate) fn py_enum<'py>(
    py: Python<'py>,
    kind: Enum,
    value: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let members = MEMBERS[kind as usize].get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let class = py.import(intern!(py, "omskit._enums"))?.getattr(kind.name())?;
        let members = PyDict::new(py);
        for member in class.try_iter()? {
            let member = member?;
            members.set_item(member.getattr(intern!(py, "value"))?, member)?;
        }
        Ok(members.unbind())
    })?;
    members.bind(py).get_item(value)?.ok_or_else(|| {
        // A state added to the core but not yet to omskit/_enums.py: show it as text.
        PyTypeError::new_err(format!("omskit.{} has no member {value:?}", kind.name()))
    })
}

/// A JSON value as plain Python data (dict, list, str, int, float, bool, None).
pub(crate) fn py_json<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)?
            } else if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)?
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?
            }
        }
        Value::String(s) => s.into_bound_py_any(py)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(py_json(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, py_json(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
