//! `omskit.Oms`: the engine over a store, with every use case as a method.
//!
//! Each method converts its arguments to the core's types while attached to
//! the interpreter, runs the use case with the interpreter released (other
//! Python threads run meanwhile), then converts the result. One `Oms` is
//! safe to share between threads: the core serializes what must be
//! serialized, in the store.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use omskit::postgres::PgOptions;
use omskit::sqlite::{SqliteOptions, Synchronous};
use omskit::{Currency, EventRecord, OrderDraft, PaymentKind, SubscriptionId, TableRateCarrier};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyType};
use pyo3::IntoPyObjectExt;

use crate::carrier::{self, table_rate_config_in, PyCarrier};
use crate::convert::{
    boolean, decimal, each_item, fulfillment_id, int, items, opt_int, opt_text, order_id, text,
    time, Path,
};
use crate::draft::{cancel_in, currency, draft_in, edit_in};
use crate::errors::{self, ValidationError};
use crate::fulfillment::{package_in, picked_in, PyFulfillmentOrder, PyPickList};
use crate::holds::{hold_rules, in_check};
use crate::model::{
    list_of, PyAuditReport, PyEventRecord, PyLocation, PyOrder, PyReservation, PyStockLevel,
    PyStockMovement,
};
use crate::notification::{PyNotification, PyNotificationPage};
use crate::shipping::{
    proof_in, rate_shopping_in, reading_in, thresholds_in, tracking_update_in, PyConditionReading,
    PyRateQuote, PyTrackingEvent, PyTrackingOutcome,
};

/// The order-management engine over the store it was opened with:
/// `Oms.in_memory()`, `Oms.open("shop.db")` (SQLite) or
/// `Oms.connect("postgresql://...")`.
///
/// Use it as a context manager to close the store when done:
///
/// ```python
/// with omskit.Oms.open("shop.db") as oms:
///     oms.add_location("WH-EAST", "East DC", 1)
/// ```
///
/// After `close()` every method raises `OmsError`. Methods release the GIL
/// while the engine works, and one `Oms` may be shared between threads.
#[pyclass(name = "Oms", module = "omskit", frozen)]
pub(crate) struct PyOms {
    engine: RwLock<Option<Arc<omskit::Oms>>>,
    /// How it was opened, for `repr`.
    description: String,
    subscriptions: Mutex<HashMap<u64, SubscriptionId>>,
    next_subscription: AtomicU64,
}

impl PyOms {
    fn new(oms: omskit::Oms, description: String) -> PyOms {
        PyOms {
            engine: RwLock::new(Some(Arc::new(oms))),
            description,
            subscriptions: Mutex::new(HashMap::new()),
            next_subscription: AtomicU64::new(0),
        }
    }

    /// The engine, unless closed.
    fn engine(&self) -> PyResult<Arc<omskit::Oms>> {
        if in_check() {
            return Err(errors::OmsError::new_err(
                "a hold rule's check must not call the Oms: it runs inside the engine's \
                 transaction, which the call would wait for",
            ));
        }
        self.engine
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(errors::closed)
    }

    /// Runs `work` on the engine with the interpreter released; maps its
    /// error (with the exception of a Python carrier behind it as its
    /// `__cause__`).
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&omskit::Oms) -> omskit::Result<T> + Send,
    ) -> PyResult<T> {
        let engine = self.engine()?;
        let outer = carrier::begin();
        let result = py.detach(move || work(&engine));
        let failures = carrier::finish(outer);
        match result {
            Ok(value) => {
                failures.report(py);
                Ok(value)
            }
            Err(error) => {
                let raised = errors::to_py(py, error.clone());
                Err(failures.attach_cause(py, &error, raised))
            }
        }
    }
}

#[pymethods]
impl PyOms {
    /// An engine over a fresh in-memory store: fast, and gone with the object.
    #[staticmethod]
    #[pyo3(signature = (*, hold_rules=None))]
    fn in_memory(hold_rules: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let rules = self::hold_rules(hold_rules)?;
        Ok(PyOms::new(omskit::Oms::in_memory().with_hold_rules(rules), "in memory".to_owned()))
    }

    /// An engine over the SQLite file at `path`, created if missing.
    /// `synchronous` is `"full"` (every commit survives power loss) or
    /// `"normal"` (faster; the last commits may be lost on power loss, never
    /// on a crash of the program).
    ///
    /// Raises `StorageError` when the file cannot be opened or was written
    /// by a newer omskit.
    #[staticmethod]
    #[pyo3(
        signature = (path, *, synchronous=None, hold_rules=None),
        text_signature = "(path, *, synchronous='full', hold_rules=None)"
    )]
    fn open(
        py: Python<'_>,
        path: &Bound<'_, PyAny>,
        synchronous: Option<&Bound<'_, PyAny>>,
        hold_rules: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let file: PathBuf = path
            .extract()
            .map_err(|_| errors::wrong_type(&Path::root("path"), "str or os.PathLike", path))?;
        let sync_path = Path::root("synchronous");
        let synchronous = match opt_text(synchronous, &sync_path)?.as_deref().unwrap_or("full") {
            "full" => Synchronous::Full,
            "normal" => Synchronous::Normal,
            other => {
                return Err(errors::validation(
                    py,
                    &sync_path,
                    format!("must be \"full\" or \"normal\", got {other:?}"),
                ))
            }
        };
        let rules = self::hold_rules(hold_rules)?;
        let options = SqliteOptions { synchronous, ..SqliteOptions::default() };
        let description =
            format!("sqlite {}", PyString::new(py, &file.display().to_string()).repr()?);
        let oms = py
            .detach(move || omskit::Oms::open_with(file, options))
            .map_err(|e| errors::to_py(py, e))?;
        Ok(PyOms::new(oms.with_hold_rules(rules), description))
    }

    /// An engine over the PostgreSQL database at `url`
    /// (`postgresql://user@host:port/db`). `schema` keeps omskit's tables in
    /// that schema (created if missing); `pool_size` caps the connections
    /// (16 by default).
    ///
    /// Raises `ValidationError` (field `url`) for a malformed URL and
    /// `StorageError` when the server cannot be reached.
    #[staticmethod]
    #[pyo3(signature = (url, *, schema=None, pool_size=None, hold_rules=None))]
    fn connect(
        py: Python<'_>,
        url: &Bound<'_, PyAny>,
        schema: Option<&Bound<'_, PyAny>>,
        pool_size: Option<&Bound<'_, PyAny>>,
        hold_rules: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let url = text(url, &Path::root("url"))?;
        let mut options =
            PgOptions { schema: opt_text(schema, &Path::root("schema"))?, ..PgOptions::default() };
        if let Some(size) = pool_size.filter(|s| !s.is_none()) {
            let size_path = Path::root("pool_size");
            options.pool_size = int(size, &size_path)?;
            if options.pool_size == 0 {
                return Err(errors::validation(py, &size_path, "must be at least 1"));
            }
        }
        let rules = self::hold_rules(hold_rules)?;
        let description = match &options.schema {
            Some(schema) => format!("postgresql schema {}", PyString::new(py, schema).repr()?),
            None => "postgresql".to_owned(),
        };
        let oms = py
            .detach(move || omskit::Oms::connect_with(&url, options))
            .map_err(|e| errors::to_py(py, e))?;
        Ok(PyOms::new(oms.with_hold_rules(rules), description))
    }

    /// Closes the store (an open SQLite file, PostgreSQL connections). Later
    /// calls raise `OmsError`; closing again does nothing.
    fn close(&self, py: Python<'_>) {
        let engine = self.engine.write().unwrap_or_else(PoisonError::into_inner).take();
        self.subscriptions.lock().unwrap_or_else(PoisonError::into_inner).clear();
        // Closing may wait for the disk: let other threads run meanwhile.
        py.detach(move || drop(engine));
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.engine.read().unwrap_or_else(PoisonError::into_inner).is_none()
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().engine()?;
        Ok(slf)
    }

    #[pyo3(signature = (_exc_type=None, _exc_value=None, _traceback=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyType>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        let closed = if self.closed() { ", closed" } else { "" };
        format!("<omskit.Oms {}{closed}>", self.description)
    }

    /// Replaces the hold rules: orders placed or edited from now on are
    /// checked against `hold_rules` (a list of `GrandTotalAbove`,
    /// `LineQuantityAbove` and `CustomHoldRule`; empty for none). Holds
    /// already placed stay until released.
    fn set_hold_rules(&self, py: Python<'_>, hold_rules: &Bound<'_, PyAny>) -> PyResult<()> {
        let rules = self::hold_rules(Some(hold_rules))?;
        let engine = self.engine()?;
        // Waits for checks running in other threads, which need the interpreter.
        py.detach(move || engine.set_hold_rules(rules));
        Ok(())
    }

    // --------------------------------------------------------- locations

    /// Creates a stock location. Lower `priority` numbers are reserved from
    /// first. Raises `ValidationError` for a bad code or name, `Conflict`
    /// (field `code`) when the code exists.
    fn add_location(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        priority: &Bound<'_, PyAny>,
    ) -> PyResult<PyLocation> {
        let code = text(code, &Path::root("code"))?;
        let name = text(name, &Path::root("name"))?;
        let priority: i32 = int(priority, &Path::root("priority"))?;
        self.run(py, move |oms| oms.add_location(&code, &name, priority)).map(PyLocation)
    }

    /// Switches a location on or off for new reservations; existing
    /// reservations there stay. Raises `NotFound` for an unknown location.
    fn set_location_active(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        active: &Bound<'_, PyAny>,
    ) -> PyResult<PyLocation> {
        let code = text(code, &Path::root("code"))?;
        let active = boolean(active, &Path::root("active"))?;
        self.run(py, move |oms| oms.set_location_active(&code, active)).map(PyLocation)
    }

    /// Every location, by code.
    fn locations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        list_of(py, self.run(py, |oms| oms.locations())?, PyLocation)
    }

    // ------------------------------------------------------------- stock

    /// Records `quantity` units (1 to 1,000,000,000) of `sku` arriving at
    /// `location`, with the document they came with (`reference`). Returns
    /// the new level. Raises `NotFound` for an unknown location.
    fn receive_stock(
        &self,
        py: Python<'_>,
        sku: &Bound<'_, PyAny>,
        location: &Bound<'_, PyAny>,
        quantity: &Bound<'_, PyAny>,
        reference: &Bound<'_, PyAny>,
    ) -> PyResult<PyStockLevel> {
        let sku = text(sku, &Path::root("sku"))?;
        let location = text(location, &Path::root("location"))?;
        let quantity: i64 = int(quantity, &Path::root("quantity"))?;
        let reference = text(reference, &Path::root("reference"))?;
        self.run(py, move |oms| oms.receive_stock(&sku, &location, quantity, &reference))
            .map(PyStockLevel)
    }

    /// Corrects on-hand stock by `delta` (negative for a loss) with a
    /// reason. Raises `InsufficientStock` when a loss would leave fewer units
    /// on hand than are reserved.
    fn adjust_stock(
        &self,
        py: Python<'_>,
        sku: &Bound<'_, PyAny>,
        location: &Bound<'_, PyAny>,
        delta: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
    ) -> PyResult<PyStockLevel> {
        let sku = text(sku, &Path::root("sku"))?;
        let location = text(location, &Path::root("location"))?;
        let delta: i64 = int(delta, &Path::root("delta"))?;
        let reason = text(reason, &Path::root("reason"))?;
        self.run(py, move |oms| oms.adjust_stock(&sku, &location, delta, &reason)).map(PyStockLevel)
    }

    /// The stock of `sku` at `location` (all zero if none was ever
    /// received). Raises `NotFound` for an unknown location.
    fn stock_level(
        &self,
        py: Python<'_>,
        sku: &Bound<'_, PyAny>,
        location: &Bound<'_, PyAny>,
    ) -> PyResult<PyStockLevel> {
        let sku = text(sku, &Path::root("sku"))?;
        let location = text(location, &Path::root("location"))?;
        self.run(py, move |oms| oms.stock_level(&sku, &location)).map(PyStockLevel)
    }

    /// The stock of `sku` at every location that has a record of it.
    fn stock_levels<'py>(
        &self,
        py: Python<'py>,
        sku: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let sku = text(sku, &Path::root("sku"))?;
        list_of(py, self.run(py, move |oms| oms.stock_levels(&sku))?, PyStockLevel)
    }

    /// Units of `sku` that new orders can reserve, over all active locations.
    fn available(&self, py: Python<'_>, sku: &Bound<'_, PyAny>) -> PyResult<i64> {
        let sku = text(sku, &Path::root("sku"))?;
        self.run(py, move |oms| oms.available(&sku))
    }

    /// The stock ledger of `sku` (at one location, or all), oldest first.
    #[pyo3(signature = (sku, location=None))]
    fn stock_movements<'py>(
        &self,
        py: Python<'py>,
        sku: &Bound<'py, PyAny>,
        location: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let sku = text(sku, &Path::root("sku"))?;
        let location = opt_text(location, &Path::root("location"))?;
        let movements = self.run(py, move |oms| oms.stock_movements(&sku, location.as_deref()))?;
        list_of(py, movements, PyStockMovement)
    }

    // ------------------------------------------------------------ orders

    /// Places an order from a draft (an `OrderDraft` or a dict with the same
    /// fields): validates and prices it, reserves every line by location
    /// priority (splitting a line across locations when one is short) and
    /// applies the hold rules, all in one transaction.
    ///
    /// Placing again with the same idempotency key and the same content
    /// returns the order that key placed. Raises `ValidationError` naming the
    /// first bad field (`lines[2].quantity`), `Conflict` (a reused
    /// idempotency key with other content, a taken external id), or
    /// `InsufficientStock` (nothing is reserved then).
    fn place_order(&self, py: Python<'_>, draft: &Bound<'_, PyAny>) -> PyResult<PyOrder> {
        let draft = draft_in(draft, &Path::root("draft"))?;
        self.run(py, move |oms| oms.place_order(&draft)).map(PyOrder)
    }

    /// Places many orders in one transaction. Returns one item per draft: the
    /// `Order`, or the `OmsError` that draft failed with (it leaves nothing
    /// behind and does not stop the others). A draft of the wrong Python
    /// type raises `TypeError` for the whole call, before anything is placed.
    fn place_orders<'py>(
        &self,
        py: Python<'py>,
        drafts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut valid: Vec<OrderDraft> = Vec::new();
        let mut slots: Vec<Result<usize, PyErr>> = Vec::new();
        for (i, item) in items(drafts, &Path::root("drafts"))?.iter().enumerate() {
            match draft_in(item, &Path::root("draft")) {
                Ok(draft) => {
                    slots.push(Ok(valid.len()));
                    valid.push(draft);
                }
                Err(e) if e.is_instance_of::<ValidationError>(py) => slots.push(Err(e)),
                Err(e) if e.is_instance_of::<PyTypeError>(py) => {
                    return Err(PyTypeError::new_err(format!("drafts[{i}]: {}", e.value(py))))
                }
                Err(e) => return Err(e),
            }
        }
        let mut placed = if valid.is_empty() {
            Vec::new()
        } else {
            self.run(py, move |oms| oms.place_orders(&valid))?
        }
        .into_iter()
        .map(Some)
        .collect::<Vec<_>>();
        let out = PyList::empty(py);
        for slot in slots {
            let item = match slot {
                Ok(i) => match placed[i].take() {
                    Some(Ok(order)) => PyOrder(order).into_bound_py_any(py)?,
                    Some(Err(e)) => errors::to_py(py, e).into_value(py).into_any().into_bound(py),
                    None => py.None().into_bound(py),
                },
                Err(e) => e.into_value(py).into_any().into_bound(py),
            };
            out.append(item)?;
        }
        Ok(out)
    }

    /// The order with this id (text or `uuid.UUID`). Raises `NotFound`.
    fn order(&self, py: Python<'_>, order_id: &Bound<'_, PyAny>) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        self.run(py, move |oms| oms.order(id)).map(PyOrder)
    }

    /// Up to `limit` orders with an id above `after` (from the first when
    /// None), in id order, which is placement order: page with the last id seen.
    #[pyo3(signature = (after=None, limit=None), text_signature = "($self, after=None, limit=100)")]
    fn orders<'py>(
        &self,
        py: Python<'py>,
        after: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (after, limit) = page(after, limit, order_id)?;
        list_of(py, self.run(py, move |oms| oms.orders(after, limit))?, PyOrder)
    }

    /// Every reservation of an order (active and released), oldest first.
    /// Raises `NotFound` for an unknown order.
    fn reservations<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        list_of(py, self.run(py, move |oms| oms.reservations(id))?, PyReservation)
    }

    /// Edits an order before fulfilment with a list of `OrderEdit`s (or
    /// dicts tagged by `op`): add lines, remove lines, change quantities.
    /// Totals are recomputed and stock re-reserved in the same step; if
    /// stock is short nothing changes (`InsufficientStock`). Hold rules run
    /// again on the edited order.
    fn edit_order(
        &self,
        py: Python<'_>,
        order_id: &Bound<'_, PyAny>,
        edits: &Bound<'_, PyAny>,
    ) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        let path = Path::root("edits");
        let edits = each_item(edits, &path, edit_in)?;
        self.run(py, move |oms| oms.edit_order(id, &edits)).map(PyOrder)
    }

    /// Puts an order on hold by hand (rule `manual`). Raises
    /// `InvalidTransition` for a cancelled order.
    fn hold_order(
        &self,
        py: Python<'_>,
        order_id: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
    ) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        let reason = text(reason, &Path::root("reason"))?;
        self.run(py, move |oms| oms.hold_order(id, &reason)).map(PyOrder)
    }

    /// Releases every active hold of an order. Raises `InvalidTransition`
    /// when it is not on hold.
    fn release_hold(&self, py: Python<'_>, order_id: &Bound<'_, PyAny>) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        self.run(py, move |oms| oms.release_hold(id)).map(PyOrder)
    }

    /// Cancels the whole order and releases its reservations. Raises
    /// `InvalidTransition` when it is already cancelled.
    fn cancel_order(
        &self,
        py: Python<'_>,
        order_id: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
    ) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        let reason = text(reason, &Path::root("reason"))?;
        self.run(py, move |oms| oms.cancel_order(id, &reason)).map(PyOrder)
    }

    /// Cancels units of some lines (a list of `LineCancel`s or dicts; all
    /// remaining units of a line when its quantity is None) and releases
    /// their reservations, least preferred location first. Cancelling every
    /// remaining unit cancels the order.
    fn cancel_lines(
        &self,
        py: Python<'_>,
        order_id: &Bound<'_, PyAny>,
        lines: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
    ) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        let path = Path::root("lines");
        let lines = each_item(lines, &path, cancel_in)?;
        let reason = text(reason, &Path::root("reason"))?;
        self.run(py, move |oms| oms.cancel_lines(id, &lines, &reason)).map(PyOrder)
    }

    /// Records a payment taken by your payment provider: `kind` is
    /// `PaymentKind.AUTHORIZATION` or `PaymentKind.CAPTURE` (or their
    /// values), `amount` a Decimal or str in the order currency. Recording
    /// the same (kind, reference, amount) again changes nothing; the same
    /// reference with another amount is a `Conflict`.
    fn record_payment(
        &self,
        py: Python<'_>,
        order_id: &Bound<'_, PyAny>,
        kind: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        reference: &Bound<'_, PyAny>,
    ) -> PyResult<PyOrder> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        let kind_path = Path::root("kind");
        let kind = match text(kind, &kind_path)?.as_str() {
            "authorization" => PaymentKind::Authorization,
            "capture" => PaymentKind::Capture,
            other => {
                return Err(errors::validation(
                    py,
                    &kind_path,
                    format!("must be \"authorization\" or \"capture\", got {other:?}"),
                ))
            }
        };
        let amount = decimal(amount, &Path::root("amount"))?;
        let reference = text(reference, &Path::root("reference"))?;
        self.run(py, move |oms| oms.record_payment(id, kind, amount, &reference)).map(PyOrder)
    }

    // -------------------------------------------------------- fulfilment

    /// Creates fulfilment orders for every unit of an order that is not in
    /// an open fulfilment order yet: reserved units in `ready` ones, one per
    /// location (split shipments); units reserved nowhere (a short pick
    /// found no stock, then their `pending` fulfilment order was cancelled)
    /// in `pending` ones, at the location where they were last reserved.
    /// Lines in line order. Returns the new ones (none when every unit
    /// already has one). The order becomes `processing`. Raises `NotFound`,
    /// or `InvalidTransition` for an order on hold, cancelled or fully
    /// shipped.
    fn fulfil<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        list_of(py, self.run(py, move |oms| oms.fulfil(id))?, PyFulfillmentOrder)
    }

    /// Reserves the units of a `pending` fulfilment order once stock is
    /// back: every line in full, from active locations by priority as
    /// placement does, or nothing at all. It becomes `ready` at the
    /// location serving its first line; units reserved elsewhere go into
    /// new `ready` fulfilment orders, one per location. Returns it first,
    /// then the new ones. Raises `NotFound`, `InvalidTransition` when it is
    /// not pending, or `InsufficientStock` (`.shortages` lists every line
    /// that cannot be reserved in full); nothing changes then.
    fn allocate_fulfillment<'py>(
        &self,
        py: Python<'py>,
        fulfillment_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        list_of(py, self.run(py, move |oms| oms.allocate_fulfillment(id))?, PyFulfillmentOrder)
    }

    /// Up to `limit` `pending` fulfilment orders (units awaiting stock)
    /// with an id above `after` (from the first when None), oldest first:
    /// the backorders to `allocate_fulfillment` once stock arrives. Page
    /// with the last id seen.
    #[pyo3(signature = (after=None, limit=None), text_signature = "($self, after=None, limit=100)")]
    fn pending_fulfillments<'py>(
        &self,
        py: Python<'py>,
        after: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (after, limit) = page(after, limit, fulfillment_id)?;
        let pending = self.run(py, move |oms| oms.pending_fulfillments(after, limit))?;
        list_of(py, pending, PyFulfillmentOrder)
    }

    /// The fulfilment order with this id (text or `uuid.UUID`). Raises `NotFound`.
    fn fulfillment(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        self.run(py, move |oms| oms.fulfillment(id)).map(PyFulfillmentOrder)
    }

    /// Every fulfilment order of an order, cancelled ones included, oldest
    /// first. Raises `NotFound` for an unknown order.
    fn fulfillments<'py>(
        &self,
        py: Python<'py>,
        order_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let id = self::order_id(order_id, &Path::root("order_id"))?;
        list_of(py, self.run(py, move |oms| oms.fulfillments(id))?, PyFulfillmentOrder)
    }

    /// Records the bin `sku` is stored in at `location`; pick lists walk
    /// the bins in order. Raises `ValidationError` (`sku`, `bin`) or
    /// `NotFound` for an unknown location.
    fn set_bin(
        &self,
        py: Python<'_>,
        sku: &Bound<'_, PyAny>,
        location: &Bound<'_, PyAny>,
        bin: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let sku = text(sku, &Path::root("sku"))?;
        let location = text(location, &Path::root("location"))?;
        let bin = text(bin, &Path::root("bin"))?;
        self.run(py, move |oms| oms.set_bin(&sku, &location, &bin))
    }

    /// The bin of `sku` at `location`, or None when none was recorded.
    /// Raises `NotFound` for an unknown location.
    fn bin(
        &self,
        py: Python<'_>,
        sku: &Bound<'_, PyAny>,
        location: &Bound<'_, PyAny>,
    ) -> PyResult<Option<String>> {
        let sku = text(sku, &Path::root("sku"))?;
        let location = text(location, &Path::root("location"))?;
        self.run(py, move |oms| oms.bin(&sku, &location))
    }

    /// Batches ready fulfilment orders of one location (a list of ids)
    /// into one `PickList`: a single walk sorted by bin, with per-order
    /// totals. They move to `picking`. Raises `ValidationError`
    /// (`fulfillment_ids`, `fulfillment_ids[1]`: empty, listed twice, at
    /// another location), `NotFound`, or `InvalidTransition` for one that
    /// is not ready; nothing changes then.
    fn create_pick_list(
        &self,
        py: Python<'_>,
        location: &Bound<'_, PyAny>,
        fulfillment_ids: &Bound<'_, PyAny>,
    ) -> PyResult<PyPickList> {
        let location = text(location, &Path::root("location"))?;
        let path = Path::root("fulfillment_ids");
        let ids = each_item(fulfillment_ids, &path, self::fulfillment_id)?;
        self.run(py, move |oms| oms.create_pick_list(&location, &ids)).map(PyPickList)
    }

    /// Confirms what was picked (`picking` → `picked`): `picked` lists
    /// every line once, as dicts `{"line_id": 1, "quantity": 2}`. Units
    /// missing from a line (a short pick) are written off at the location,
    /// then re-reserved elsewhere in new fulfilment orders; units no
    /// location has go into a new `pending` fulfilment order at this
    /// location (reserved nowhere; see `allocate_fulfillment`). A
    /// fulfilment order with nothing picked is cancelled. Raises
    /// `ValidationError` (`picked[0].quantity`...), `NotFound` or
    /// `InvalidTransition`.
    fn confirm_pick(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
        picked: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        let path = Path::root("picked");
        let picked = each_item(picked, &path, picked_in)?;
        self.run(py, move |oms| oms.confirm_pick(id, &picked)).map(PyFulfillmentOrder)
    }

    /// Puts the picked units into packages (`picked` → `packed`): a list
    /// of `Package`s or dicts `{"id", "weight_kg", "length_cm", "width_cm",
    /// "height_cm", "lines": [{"line_id", "quantity"}]}`, measures as
    /// Decimal or str. Every unit in exactly one package, package ids
    /// unique. Raises `ValidationError` naming the field
    /// (`packages[1].weight_kg`), `NotFound` or `InvalidTransition`.
    fn pack(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
        packages: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        let path = Path::root("packages");
        let packages = each_item(packages, &path, package_in)?;
        self.run(py, move |oms| oms.pack(id, &packages)).map(PyFulfillmentOrder)
    }

    /// Stops a fulfilment order before shipment until released. Raises
    /// `InvalidTransition` once shipped, cancelled or already on hold.
    fn hold_fulfillment(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        let reason = text(reason, &Path::root("reason"))?;
        self.run(py, move |oms| oms.hold_fulfillment(id, &reason)).map(PyFulfillmentOrder)
    }

    /// Releases a held fulfilment order back to the state it was in.
    /// Raises `InvalidTransition` when it is not on hold.
    fn release_fulfillment(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        self.run(py, move |oms| oms.release_fulfillment(id)).map(PyFulfillmentOrder)
    }

    /// Cancels a fulfilment order before shipment. Its units go back to
    /// the order, still reserved (a later `fulfil` puts them in a new
    /// fulfilment order); those of a `pending` one were reserved nowhere
    /// and stay so (a later `fulfil` puts them in a new `pending` one).
    /// Raises `InvalidTransition` once shipped or when already cancelled.
    fn cancel_fulfillment(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
        reason: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        let reason = text(reason, &Path::root("reason"))?;
        self.run(py, move |oms| oms.cancel_fulfillment(id, &reason)).map(PyFulfillmentOrder)
    }

    // ---------------------------------------------------------- carriers

    /// Makes a carrier written in Python available for shipping under its
    /// `name` (replacing a carrier of that name). `carrier` follows the
    /// `omskit.Carrier` protocol: `name`, `services()`, `quote(request)`,
    /// `create_label(request, service)` and `void_label(tracking_number)`.
    /// `name` and `services()` are read once, now; the other methods are
    /// called by `quote_shipment`, `ship` and `ship_with`, on the calling
    /// thread, outside any transaction. An exception they raise fails that
    /// call as an `OmsError` (an `OmsError` keeps its class, anything else
    /// is a `StorageError`) whose `__cause__` is the original exception.
    /// Carriers belong to this `Oms` object, not to its store.
    fn register_carrier(&self, py: Python<'_>, carrier: &Bound<'_, PyAny>) -> PyResult<()> {
        let engine = self.engine()?;
        let carrier = Arc::new(PyCarrier::new(carrier)?);
        py.detach(move || engine.register_carrier(carrier));
        Ok(())
    }

    /// Registers omskit's table-rate carrier: with `config` (a dict with
    /// the fields of the Rust `TableRateConfig`: `name`, `currency`,
    /// `zones`, `services`, `rates`, optionally `transit_days`), or, with
    /// `config=None`, the standard one named `table-rate` (services
    /// `ground` and `express`; zones `domestic` = US and `international`)
    /// priced in `currency`. Raises `ValidationError` naming the bad field
    /// (`rates[2].price`).
    #[pyo3(signature = (config=None, *, currency=None))]
    fn register_table_rate_carrier(
        &self,
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        currency: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let config = config.filter(|c| !c.is_none());
        let currency = currency.filter(|c| !c.is_none());
        let currency_path = Path::root("currency");
        let carrier = match (config, currency) {
            (Some(config), None) => {
                let config = table_rate_config_in(config, &Path::root("config"))?;
                TableRateCarrier::from_config(&config).map_err(|e| errors::to_py(py, e))?
            }
            (None, Some(currency)) => {
                let currency: Currency = self::currency(currency, &currency_path)?;
                TableRateCarrier::standard(currency)
            }
            (Some(_), Some(_)) => {
                return Err(errors::validation(
                    py,
                    &currency_path,
                    "give it in the config, not as an argument too",
                ))
            }
            (None, None) => {
                return Err(errors::validation(
                    py,
                    &currency_path,
                    "is required for the standard carrier (or pass a config)",
                ))
            }
        };
        let engine = self.engine()?;
        py.detach(move || engine.register_carrier(Arc::new(carrier)));
        Ok(())
    }

    /// The registered carriers' names, sorted.
    fn carriers(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let engine = self.engine()?;
        Ok(py.detach(move || engine.carriers()))
    }

    /// Every registered carrier's `RateQuote`s for a packed fulfilment
    /// order, cheapest first. Raises `NotFound`, `InvalidTransition` when
    /// it is not packed, `ValidationError` (`ship_to`) when its order has
    /// no shipping address, or a carrier's error.
    fn quote_shipment<'py>(
        &self,
        py: Python<'py>,
        fulfillment_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        list_of(py, self.run(py, move |oms| oms.quote_shipment(id))?, PyRateQuote)
    }

    /// Ships a packed fulfilment order with `service` of `carrier`: buys
    /// the label, then in one transaction commits its reservations (stock
    /// leaves the location), stores the shipment with its tracking number
    /// and promised delivery, and rolls the order's status up. Raises
    /// `NotFound` (fulfilment order, carrier, service), `InvalidTransition`
    /// when it is not packed, `ValidationError`, or a carrier's error
    /// (nothing changes then).
    fn ship(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
        carrier: &Bound<'_, PyAny>,
        service: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        let carrier = text(carrier, &Path::root("carrier"))?;
        let service = text(service, &Path::root("service"))?;
        self.run(py, move |oms| oms.ship(id, &carrier, &service)).map(PyFulfillmentOrder)
    }

    /// Ships a packed fulfilment order with the quote `rule` picks among
    /// every registered carrier's: `{"rule": "cheapest", "deliver_by":
    /// datetime or None}` or `{"rule": "fastest", "budget": Decimal or
    /// None}`. The losing quotes are kept in `shipment.rejected_quotes`.
    /// Raises as `ship`, and `ValidationError` (`deliver_by`, `budget`,
    /// `carrier`) when no quote meets the rule.
    fn ship_with(
        &self,
        py: Python<'_>,
        fulfillment_id: &Bound<'_, PyAny>,
        rule: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let id = self::fulfillment_id(fulfillment_id, &Path::root("fulfillment_id"))?;
        let rule = rate_shopping_in(rule, &Path::root("rule"))?;
        self.run(py, move |oms| oms.ship_with(id, &rule)).map(PyFulfillmentOrder)
    }

    // ---------------------------------------------------------- tracking

    /// Records a carrier tracking event (a dict: `carrier_event_id`, `kind`
    /// as `TrackingEventKind` or its value, `occurred_at` as an aware
    /// datetime, optionally `location`, `description` and, for
    /// `delivered`, `proof`). The same (tracking number, carrier event id)
    /// twice changes nothing (`recorded` is False). Every event is kept; it
    /// moves the fulfilment order only forward, and never when older than
    /// the last one that did. Raises `ValidationError` or `NotFound`
    /// (shipment) for an unknown tracking number.
    fn record_tracking_event(
        &self,
        py: Python<'_>,
        tracking_number: &Bound<'_, PyAny>,
        update: &Bound<'_, PyAny>,
    ) -> PyResult<PyTrackingOutcome> {
        let tracking_number = text(tracking_number, &Path::root("tracking_number"))?;
        let update = tracking_update_in(update, &Path::root("update"))?;
        self.run(py, move |oms| oms.record_tracking_event(&tracking_number, &update))
            .map(PyTrackingOutcome)
    }

    /// Confirms delivery by hand or from a proof-of-delivery feed: a
    /// `delivered` tracking event with `proof` (a `DeliveryProof` or a dict
    /// of `signed_by`, `photo_reference`, `location`, each optional) at
    /// `delivered_at`, recorded once.
    fn confirm_delivery(
        &self,
        py: Python<'_>,
        tracking_number: &Bound<'_, PyAny>,
        proof: &Bound<'_, PyAny>,
        delivered_at: &Bound<'_, PyAny>,
    ) -> PyResult<PyTrackingOutcome> {
        let tracking_number = text(tracking_number, &Path::root("tracking_number"))?;
        let arguments = Path::root("arguments");
        let proof = proof_in(proof, &arguments.field("proof"))?;
        let delivered_at = time(delivered_at, &Path::root("delivered_at"))?;
        self.run(py, move |oms| oms.confirm_delivery(&tracking_number, &proof, delivered_at))
            .map(PyTrackingOutcome)
    }

    /// The `TrackingEvent`s of a shipment, in the order they arrived.
    /// Raises `NotFound` (shipment) for an unknown tracking number.
    fn tracking_events<'py>(
        &self,
        py: Python<'py>,
        tracking_number: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let tracking_number = text(tracking_number, &Path::root("tracking_number"))?;
        let events = self.run(py, move |oms| oms.tracking_events(&tracking_number))?;
        list_of(py, events, PyTrackingEvent)
    }

    /// Sets the acceptable ranges of a shipment's sensor readings (a
    /// `ConditionThresholds` or a dict of `min_temperature_c`,
    /// `max_temperature_c`, `max_shock_g`, each optional). Returns the
    /// fulfilment order.
    fn set_condition_thresholds(
        &self,
        py: Python<'_>,
        tracking_number: &Bound<'_, PyAny>,
        thresholds: &Bound<'_, PyAny>,
    ) -> PyResult<PyFulfillmentOrder> {
        let tracking_number = text(tracking_number, &Path::root("tracking_number"))?;
        let thresholds = thresholds_in(thresholds, &Path::root("thresholds"))?;
        self.run(py, move |oms| oms.set_condition_thresholds(&tracking_number, &thresholds))
            .map(PyFulfillmentOrder)
    }

    /// Records a sensor reading of a shipment (a `ConditionReading` or a
    /// dict: `kind` temperature or shock, `value`, `at`, optionally
    /// `sensor`). Returns why it breaches the thresholds (a
    /// `ShipmentException` event is recorded then), or None.
    fn record_condition_reading(
        &self,
        py: Python<'_>,
        tracking_number: &Bound<'_, PyAny>,
        reading: &Bound<'_, PyAny>,
    ) -> PyResult<Option<String>> {
        let tracking_number = text(tracking_number, &Path::root("tracking_number"))?;
        let reading = reading_in(reading, &Path::root("reading"))?;
        self.run(py, move |oms| oms.record_condition_reading(&tracking_number, &reading))
    }

    /// The sensor readings of a shipment, in the order recorded.
    fn condition_readings<'py>(
        &self,
        py: Python<'py>,
        tracking_number: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let tracking_number = text(tracking_number, &Path::root("tracking_number"))?;
        let readings = self.run(py, move |oms| oms.condition_readings(&tracking_number))?;
        list_of(py, readings, PyConditionReading)
    }

    /// Marks shipments past their promised delivery and not delivered as
    /// late, once each (a `ShipmentDelayed` event); returns the fulfilment
    /// orders marked. Safe to call from a periodic job as often as you like.
    fn check_delivery_promises<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        list_of(py, self.run(py, |oms| oms.check_delivery_promises())?, PyFulfillmentOrder)
    }

    // ----------------------------------------------------- notifications

    /// The `Notification` an `EventRecord` calls for, if it is a
    /// customer-facing moment (order confirmed, shipped, out for delivery,
    /// delivered, delayed, delivery failed), else None. For subscribers:
    /// `oms.subscribe(lambda e: send(oms.notification_for(e)))`.
    fn notification_for(
        &self,
        py: Python<'_>,
        event: &Bound<'_, PyAny>,
    ) -> PyResult<Option<PyNotification>> {
        let record = event
            .cast::<PyEventRecord>()
            .map_err(|_| errors::wrong_type(&Path::root("event"), "EventRecord", event))?
            .get()
            .0
            .clone();
        Ok(self.run(py, move |oms| oms.notification_for(&record))?.map(PyNotification))
    }

    /// Notifications from the events after `after`, examining at most
    /// `limit` events. Store the page's `cursor` once delivered and start
    /// from it next time: every notification is delivered at least once.
    #[pyo3(signature = (after=None, limit=None), text_signature = "($self, after=0, limit=1000)")]
    fn notifications_since(
        &self,
        py: Python<'_>,
        after: Option<&Bound<'_, PyAny>>,
        limit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyNotificationPage> {
        let after: u64 = opt_int(after, &Path::root("after"))?.unwrap_or(0);
        let limit: usize = opt_int(limit, &Path::root("limit"))?.unwrap_or(1000);
        self.run(py, move |oms| oms.notifications_since(after, limit)).map(PyNotificationPage)
    }

    // ------------------------------------------------------------ events

    /// Up to `limit` committed events with a sequence number above `after`,
    /// ascending: page through the log by passing the last `seq` seen.
    #[pyo3(signature = (after=None, limit=None), text_signature = "($self, after=0, limit=1000)")]
    fn events_since<'py>(
        &self,
        py: Python<'py>,
        after: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let after: u64 = opt_int(after, &Path::root("after"))?.unwrap_or(0);
        let limit: usize = opt_int(limit, &Path::root("limit"))?.unwrap_or(1000);
        list_of(py, self.run(py, move |oms| oms.events_since(after, limit))?, PyEventRecord)
    }

    /// Re-hashes the whole event log and checks every stream's chain. A
    /// broken chain is reported in the `AuditReport`, not raised.
    fn verify_audit_chain(&self, py: Python<'_>) -> PyResult<PyAuditReport> {
        self.run(py, |oms| oms.verify_audit_chain()).map(PyAuditReport)
    }

    /// Calls `callback(event)` with every `EventRecord` committed from now
    /// on, after the commit (never for a change that was rolled back), on
    /// the thread that made the change. It may call back into the `Oms`. An
    /// exception it raises is reported through `sys.unraisablehook` and does
    /// not undo the change. Returns the id for `unsubscribe`.
    fn subscribe(&self, callback: &Bound<'_, PyAny>) -> PyResult<u64> {
        if !callback.is_callable() {
            return Err(errors::wrong_type(&Path::root("callback"), "a callable", callback));
        }
        let engine = self.engine()?;
        let callback = callback.clone().unbind();
        let core_id = engine.subscribe(move |record: &EventRecord| {
            Python::attach(|py| {
                let callback = callback.bind(py);
                if let Err(error) = callback.call1((PyEventRecord(record.clone()),)) {
                    error.write_unraisable(py, Some(callback));
                }
            });
        });
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed) + 1;
        self.subscriptions.lock().unwrap_or_else(PoisonError::into_inner).insert(id, core_id);
        Ok(id)
    }

    /// Stops a subscription; returns False if it was not active.
    fn unsubscribe(&self, subscription: &Bound<'_, PyAny>) -> PyResult<bool> {
        let id: u64 = int(subscription, &Path::root("subscription"))?;
        let engine = self.engine()?;
        let core_id = self.subscriptions.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        Ok(core_id.is_some_and(|core_id| engine.unsubscribe(core_id)))
    }
}

/// A listing's page arguments: the id to start after (`None` or Python
/// `None`: from the first), read by `id`, and the page size (100 when not
/// given); errors name `after` and `limit`.
fn page<I>(
    after: Option<&Bound<'_, PyAny>>,
    limit: Option<&Bound<'_, PyAny>>,
    id: impl Fn(&Bound<'_, PyAny>, &Path<'_>) -> PyResult<I>,
) -> PyResult<(Option<I>, usize)> {
    let after = match after.filter(|a| !a.is_none()) {
        Some(a) => Some(id(a, &Path::root("after"))?),
        None => None,
    };
    let limit: usize = opt_int(limit, &Path::root("limit"))?.unwrap_or(100);
    Ok((after, limit))
}
