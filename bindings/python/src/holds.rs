//! Hold rules: checks run on every new or edited order that stop it until
//! released. Given to an `Oms` when it is opened:
//!
//! ```python
//! Oms.in_memory(hold_rules=[
//!     GrandTotalAbove("500", "USD"),
//!     LineQuantityAbove(10),
//!     CustomHoldRule("vip", lambda order: "check VIP" if order.customer.id == "c-1" else None),
//! ])
//! ```

use std::cell::Cell;

use omskit::{Currency, Decimal, HoldRule, HoldRules, Money, Order};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

use crate::convert::{decimal, int, items, py_decimal, text, Path};
use crate::errors;
use crate::model::PyOrder;

/// Holds orders in `currency` whose grand total exceeds `amount` (orders in
/// other currencies pass). Its holds are recorded as rule `grand_total_above`.
#[pyclass(name = "GrandTotalAbove", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct GrandTotalAbove {
    amount: Decimal,
    currency: Currency,
}

#[pymethods]
impl GrandTotalAbove {
    #[new]
    fn new(amount: &Bound<'_, PyAny>, currency: &Bound<'_, PyAny>) -> PyResult<Self> {
        let amount = decimal(amount, &Path::root("amount"))?;
        let code = text(currency, &Path::root("currency"))?;
        let currency = Currency::from_code(&code).map_err(|e| errors::to_py(currency.py(), e))?;
        Ok(GrandTotalAbove { amount, currency })
    }

    /// The limit; a grand total equal to it passes.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.amount)
    }

    /// ISO 4217 code of the limit.
    #[getter]
    fn currency(&self) -> &str {
        self.currency.code()
    }

    fn __repr__(&self) -> String {
        format!("GrandTotalAbove(Decimal('{}'), '{}')", self.amount, self.currency.code())
    }
}

/// Holds orders with any line of more than `quantity` units. Its holds are
/// recorded as rule `line_quantity_above`.
#[pyclass(name = "LineQuantityAbove", module = "omskit", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct LineQuantityAbove {
    quantity: u32,
}

#[pymethods]
impl LineQuantityAbove {
    #[new]
    fn new(quantity: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(LineQuantityAbove { quantity: int(quantity, &Path::root("quantity"))? })
    }

    /// The limit; a line of exactly this many units passes.
    #[getter]
    fn quantity(&self) -> u32 {
        self.quantity
    }

    fn __repr__(&self) -> String {
        format!("LineQuantityAbove({})", self.quantity)
    }
}

/// A rule of your own: `check(order)` gets the new or edited `Order` and
/// returns why to hold it (a non-empty str, or True for a generic reason),
/// or None (or False, or "") to let it pass. Its holds are recorded under
/// `name`.
///
/// The check runs inside the engine's transaction, so it must be quick and
/// must not call the `Oms` (such a call raises `OmsError`). If it raises, the
/// exception is reported through `sys.unraisablehook` and the order is held
/// (a broken check never lets an order slip through).
#[pyclass(name = "CustomHoldRule", module = "omskit", frozen)]
pub(crate) struct CustomHoldRule {
    name: String,
    check: Py<PyAny>,
}

#[pymethods]
impl CustomHoldRule {
    #[new]
    fn new(name: &Bound<'_, PyAny>, check: &Bound<'_, PyAny>) -> PyResult<Self> {
        let path = Path::root("name");
        let name = text(name, &path)?;
        if name.trim().is_empty() {
            return Err(errors::validation(check.py(), &path, "must not be empty"));
        }
        if !check.is_callable() {
            return Err(errors::wrong_type(&Path::root("check"), "a callable", check));
        }
        Ok(CustomHoldRule { name, check: check.clone().unbind() })
    }

    /// The rule's name, recorded on the holds it places.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The check.
    #[getter]
    fn check(&self, py: Python<'_>) -> Py<PyAny> {
        self.check.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, &self.name).repr()?;
        Ok(format!("CustomHoldRule({name}, {})", self.check.bind(py).repr()?))
    }
}

thread_local! {
    /// Set while this thread runs a custom hold check, inside an engine transaction.
    static IN_CHECK: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread runs a custom hold check: calling the engine now
/// would wait for the transaction that is running the check.
pub(crate) fn in_check() -> bool {
    IN_CHECK.with(Cell::get)
}

struct CheckGuard;

impl CheckGuard {
    fn enter() -> CheckGuard {
        IN_CHECK.with(|c| c.set(true));
        CheckGuard
    }
}

impl Drop for CheckGuard {
    fn drop(&mut self) {
        IN_CHECK.with(|c| c.set(false));
    }
}

/// The core rule of a custom check.
fn custom(name: String, check: Py<PyAny>) -> HoldRule {
    let rule = name.clone();
    HoldRule::custom(name, move |order: &Order| -> Option<String> {
        Python::attach(|py| {
            let check = check.bind(py);
            let outcome = {
                let _guard = CheckGuard::enter();
                check.call1((PyOrder(order.clone()),))
            };
            let verdict = outcome.and_then(|value| {
                if value.is_none() {
                    Ok(None)
                } else if let Ok(flag) = value.cast::<PyBool>() {
                    Ok(flag.is_true().then(|| format!("held by rule {rule}")))
                } else if let Ok(reason) = value.cast::<PyString>() {
                    let reason = reason.to_cow()?.into_owned();
                    Ok((!reason.is_empty()).then_some(reason))
                } else {
                    Err(PyTypeError::new_err(format!(
                        "hold rule {rule:?} returned {}; expected str, bool or None",
                        value.get_type().name()?
                    )))
                }
            });
            verdict.unwrap_or_else(|error| {
                let reason = format!("hold rule {rule} failed: {error}");
                error.write_unraisable(py, Some(check));
                Some(reason)
            })
        })
    })
}

/// The core's hold rules from a list of rule objects (or None for none).
pub(crate) fn hold_rules(obj: Option<&Bound<'_, PyAny>>) -> PyResult<HoldRules> {
    let mut rules = HoldRules::new();
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(rules);
    };
    let path = Path::root("hold_rules");
    for (i, item) in items(obj, &path)?.iter().enumerate() {
        let rule = if let Ok(r) = item.cast::<GrandTotalAbove>() {
            let r = r.get();
            HoldRule::GrandTotalAbove(Money::new(r.amount, r.currency))
        } else if let Ok(r) = item.cast::<LineQuantityAbove>() {
            HoldRule::LineQuantityAbove(r.get().quantity)
        } else if let Ok(r) = item.cast::<CustomHoldRule>() {
            let r = r.get();
            custom(r.name.clone(), r.check.clone_ref(item.py()))
        } else {
            return Err(errors::wrong_type(
                &path.index(i),
                "GrandTotalAbove, LineQuantityAbove or CustomHoldRule",
                item,
            ));
        };
        rules = rules.with(rule);
    }
    Ok(rules)
}
