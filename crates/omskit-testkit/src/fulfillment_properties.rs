//! Fulfilment properties: random sequences of placements, fulfilment,
//! pick lists, picks (with random short picks, whose units no location has
//! wait in `pending` fulfilment orders), allocation of pending fulfilment
//! orders, packing, shipping (by
//! service and by rate shopping), carrier tracking events, holds and
//! cancellations of fulfilment orders, line and order cancellations, line
//! quantity edits and receipts, against a fresh engine, checked against a
//! model the test keeps (as [`crate::properties`] does for orders and
//! stock).
//!
//! The engine has three locations of different priorities, two SKUs and the
//! standard table-rate carrier. Before each call the model predicts its
//! outcome (success, or the exact kind of error the state explains); any
//! other error (`Storage`...), a panic or a wrong prediction fails the case.
//! After every call the whole store is compared with the model, and these
//! properties are checked on what the engine reports:
//!
//! - no order line ever ships more units than it orders;
//! - for each order line and location, the active reservation equals the
//!   units of the line in open fulfilment orders there (`pending` ones
//!   aside: they hold no reservation) plus the units
//!   reserved there but not yet in a fulfilment order (as the model
//!   tracks them);
//! - for each order line, shipped + reserved + unreserved = ordered, with
//!   unreserved ≥ 0 (units a short pick could not re-allocate, as the model
//!   tracks them);
//! - every stock level's on hand equals receipts − shipments + adjustments
//!   (short-pick write-offs) of the ledger, each of which matches the
//!   model, and the ledger sums to the level's on hand and reserved;
//! - fulfilment orders have the state, location and lines the model
//!   predicts, orders the status their fulfilment orders roll up to.
//!
//! After the sequence, [`invariant_violations`] must report nothing (the
//! audit chain included). On failure proptest shrinks the sequence; the
//! panic message shows the minimal sequence and the calls it made.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use omskit_core::fulfillment::FulfillmentAction;
use omskit_core::inventory::MovementKind;
use omskit_core::{
    Error, FulfillmentId, FulfillmentOrder, FulfillmentStatus, LineCancel, Oms, OrderEdit, OrderId,
    OrderStatus, Package, PackageLine, Parcel, PickedLine, RateShopping, ReservationStatus, Store,
    TrackingEventKind, TrackingUpdate,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::fixtures::{dec, deterministic, draft, stock};
use crate::fulfillment::standard_carrier;
use crate::{invariant_violations, Factory};

/// The SKUs the sequences use.
const SKUS: [&str; 2] = ["FP-A", "FP-B"];
/// The locations `(code, priority)`: priorities deliberately not in code order.
const LOCATIONS: [(&str, i32); 3] = [("WH-A", 2), ("WH-B", 1), ("WH-C", 3)];
/// Units of each SKU (rows) received at each location (columns) first.
const INITIAL_UNITS: [[i64; 3]; 2] = [[4, 3, 2], [3, 2, 0]];

/// Runs every check of this module.
pub fn run<S: Store>(factory: Factory<'_, S>) {
    check_random_fulfillment_sequences(factory, 24);
}

/// Runs `cases` random sequences of 10 to 49 operations, each on a fresh
/// engine from `factory` (made deterministic with [`deterministic`]), and
/// panics with the shrunk sequence and its calls if one breaks a property,
/// disagrees with the model, returns an unexpected kind of error or panics.
/// The store is read in full after every call, so a case costs a few
/// hundred reads; [`run`] uses 24 cases, which keeps PostgreSQL quick.
pub fn check_random_fulfillment_sequences<S: Store>(factory: Factory<'_, S>, cases: u32) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(op(), 10..50), |ops| {
        let oms = deterministic(factory());
        oms.register_carrier(Arc::new(standard_carrier()));
        let mut world = World::new(&oms);
        let outcome = world.execute(&ops);
        outcome.map_err(|problem| {
            TestCaseError::fail(format!("{problem}\n\ncalls made:\n{}", world.trace.join("\n")))
        })
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, ops)) => {
            let listing: Vec<String> =
                ops.iter().enumerate().map(|(i, op)| format!("  #{i:<2} {op:?}")).collect();
            panic!(
                "a random fulfilment sequence failed: {reason}\n\nminimal sequence ({} ops):\n{}",
                ops.len(),
                listing.join("\n")
            );
        }
        Err(TestError::Abort(reason)) => panic!("the property run was aborted: {reason}"),
    }
}

// ---------------------------------------------------------------- operations

/// How a shipment's carrier service is chosen.
#[derive(Clone, Copy, Debug)]
enum How {
    Ground,
    Express,
    Cheapest,
    Fastest,
}

/// Which order or fulfilment order an operation works on: with `fit`, the
/// `n`-th (modulo) of those the operation can succeed on, if any; else (or
/// when none can) the `n`-th of all, in creation order, so that refusals
/// are exercised too.
#[derive(Clone, Copy)]
struct Pick {
    n: u8,
    fit: bool,
}

impl fmt::Debug for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}{}", self.n, if self.fit { "" } else { " (any)" })
    }
}

/// One generated operation. Lines are picked by index among the order's lines.
#[derive(Clone)]
enum Op {
    Place {
        lines: Vec<(usize, i64)>,
    },
    Fulfil {
        order: Pick,
    },
    StartPicking {
        fo: Pick,
        with: Option<(u8, bool)>,
    },
    ConfirmPick {
        fo: Pick,
        short: Vec<u8>,
    },
    Pack {
        fo: Pick,
        split: bool,
    },
    Ship {
        fo: Pick,
        how: How,
    },
    Track {
        fo: Pick,
        kind: TrackingEventKind,
        hours: u8,
        event: u8,
    },
    Hold {
        fo: Pick,
    },
    Release {
        fo: Pick,
    },
    CancelFulfillment {
        fo: Pick,
    },
    Allocate {
        fo: Pick,
    },
    CancelLines {
        order: Pick,
        line: u8,
        quantity: Option<i64>,
    },
    CancelOrder {
        order: Pick,
    },
    Edit {
        order: Pick,
        line: u8,
        quantity: i64,
    },
    Receive {
        sku: usize,
        location: usize,
        units: i64,
    },
    /// Takes one order or fulfilment order a step further down the
    /// pipeline: places an order when nothing can move, fulfils an order
    /// with units not in a fulfilment order yet,
    /// or moves a fulfilment order on (pick list, pick with `short`, pack
    /// with `split`, ship by `how`, a tracking event of `kind` some `hours`
    /// after its last one, release a hold).
    Advance {
        pick: u8,
        short: Vec<u8>,
        split: bool,
        how: How,
        kind: TrackingEventKind,
        hours: u8,
    },
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Place { lines } => {
                let parts: Vec<String> =
                    lines.iter().map(|(s, q)| format!("{} × {q}", SKUS[*s])).collect();
                write!(f, "place [{}]", parts.join(", "))
            }
            Op::Fulfil { order } => write!(f, "fulfil order {order:?}"),
            Op::StartPicking { fo, with } => match with {
                Some((other, same)) => {
                    write!(f, "pick list of fo {fo:?} and @{other} (same location: {same})")
                }
                None => write!(f, "pick list of fo {fo:?}"),
            },
            Op::ConfirmPick { fo, short } => {
                write!(f, "confirm pick of fo {fo:?}, short {short:?}")
            }
            Op::Pack { fo, split } => write!(f, "pack fo {fo:?} (split: {split})"),
            Op::Ship { fo, how } => write!(f, "ship fo {fo:?} by {how:?}"),
            Op::Track { fo, kind, hours, event } => {
                write!(f, "track fo {fo:?}: ev-{} {} at +{hours}h", event % 4, kind.as_str())
            }
            Op::Hold { fo } => write!(f, "hold fo {fo:?}"),
            Op::Release { fo } => write!(f, "release fo {fo:?}"),
            Op::CancelFulfillment { fo } => write!(f, "cancel fo {fo:?}"),
            Op::Allocate { fo } => write!(f, "allocate fo {fo:?}"),
            Op::CancelLines { order, line, quantity } => match quantity {
                Some(q) => write!(f, "cancel {q} of line @{line} of order {order:?}"),
                None => write!(f, "cancel all of line @{line} of order {order:?}"),
            },
            Op::CancelOrder { order } => write!(f, "cancel order {order:?}"),
            Op::Edit { order, line, quantity } => {
                write!(f, "set line @{line} of order {order:?} to {quantity}")
            }
            Op::Receive { sku, location, units } => {
                write!(f, "receive {units} × {} at {}", SKUS[*sku], LOCATIONS[*location].0)
            }
            Op::Advance { pick, short, split, how, kind, hours } => write!(
                f,
                "advance @{pick} (short {short:?}, split {split}, {how:?}, {} +{hours}h)",
                kind.as_str()
            ),
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let how =
        prop_oneof![Just(How::Ground), Just(How::Express), Just(How::Cheapest), Just(How::Fastest)];
    let kind = prop_oneof![
        Just(TrackingEventKind::LabelCreated),
        Just(TrackingEventKind::PickedUp),
        Just(TrackingEventKind::InTransit),
        Just(TrackingEventKind::OutForDelivery),
        Just(TrackingEventKind::Delivered),
        Just(TrackingEventKind::DeliveryFailed),
        Just(TrackingEventKind::ReturnedToSender),
        Just(TrackingEventKind::Exception),
    ];
    let pick =
        || (any::<u8>(), proptest::bool::weighted(0.85)).prop_map(|(n, fit)| Pick { n, fit });
    let short = prop_oneof![4 => Just(0u8), 1 => 1u8..4];
    prop_oneof![
        4 => vec((0..SKUS.len(), 1i64..=3), 1..=2).prop_map(|lines| Op::Place { lines }),
        4 => pick().prop_map(|order| Op::Fulfil { order }),
        4 => (pick(), option::weighted(0.3, (any::<u8>(), proptest::bool::weighted(0.7))))
            .prop_map(|(fo, with)| Op::StartPicking { fo, with }),
        4 => (pick(), vec(short.clone(), 0..=3)).prop_map(|(fo, short)| Op::ConfirmPick { fo, short }),
        4 => (pick(), any::<bool>()).prop_map(|(fo, split)| Op::Pack { fo, split }),
        4 => (pick(), how.clone()).prop_map(|(fo, how)| Op::Ship { fo, how }),
        5 => (pick(), kind.clone(), 0u8..96, any::<u8>())
            .prop_map(|(fo, kind, hours, event)| Op::Track { fo, kind, hours, event }),
        1 => pick().prop_map(|fo| Op::Hold { fo }),
        1 => pick().prop_map(|fo| Op::Release { fo }),
        2 => pick().prop_map(|fo| Op::CancelFulfillment { fo }),
        2 => pick().prop_map(|fo| Op::Allocate { fo }),
        2 => (pick(), any::<u8>(), option::weighted(0.6, 1i64..=3))
            .prop_map(|(order, line, quantity)| Op::CancelLines { order, line, quantity }),
        1 => pick().prop_map(|order| Op::CancelOrder { order }),
        2 => (pick(), any::<u8>(), 1i64..=4)
            .prop_map(|(order, line, quantity)| Op::Edit { order, line, quantity }),
        2 => (0..SKUS.len(), 0..LOCATIONS.len(), 1i64..=3)
            .prop_map(|(sku, location, units)| Op::Receive { sku, location, units }),
        30 => (any::<u8>(), vec(short, 0..=3), any::<bool>(), how, kind, 1u8..30)
            .prop_map(|(pick, short, split, how, kind, hours)| Op::Advance { pick, short, split, how, kind, hours }),
    ]
}

// ---------------------------------------------------------------- the model

/// What the model knows of an order line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelLine {
    sku: String,
    /// Units ordered (cancelled ones excluded, shipped ones included).
    quantity: u32,
    /// Units shipped.
    shipped: u32,
    /// Units neither shipped nor reserved (a short pick found no stock).
    unreserved: u32,
    /// Where the line's newest reservation row was made: where `fulfil`
    /// puts its unreserved units awaiting stock.
    last_location: String,
}

/// What the model knows of an order.
#[derive(Debug, Clone)]
struct ModelOrder {
    status: OrderStatus,
    lines: BTreeMap<u32, ModelLine>,
    /// (line, location) → units reserved there (active reservations).
    held: BTreeMap<(u32, String), i64>,
}

/// What the model knows of a fulfilment order.
#[derive(Debug, Clone)]
struct ModelFo {
    id: FulfillmentId,
    order: OrderId,
    location: String,
    status: FulfillmentStatus,
    held_from: Option<FulfillmentStatus>,
    /// `(line, sku, units)`.
    lines: Vec<(u32, String, u32)>,
    tracking_number: Option<String>,
    last_status_at: Option<DateTime<Utc>>,
    /// Carrier event ids recorded.
    events: BTreeSet<String>,
}

impl ModelFo {
    fn units_of(&self, line: u32) -> u32 {
        self.lines.iter().filter(|(l, _, _)| *l == line).map(|(_, _, q)| q).sum()
    }
}

/// Per (SKU, location): the ledger as the model books it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Books {
    received: i64,
    shipped: i64,
    written_off: i64,
}

/// The model.
#[derive(Debug, Clone, Default)]
struct Model {
    books: BTreeMap<(String, String), Books>,
    orders: BTreeMap<OrderId, ModelOrder>,
    fos: Vec<ModelFo>,
}

/// Lines of a fulfilment order as `(line, sku, units)`.
type Lines = Vec<(u32, String, u32)>;

/// Fulfilment orders as `(location, status, lines)`.
type Shapes = Vec<(String, FulfillmentStatus, Lines)>;

/// A prediction: success, or the kind of error.
type Prediction<T> = Result<T, &'static str>;

impl Model {
    fn on_hand(&self, sku: &str, location: &str) -> i64 {
        self.books
            .get(&(sku.to_owned(), location.to_owned()))
            .map_or(0, |b| b.received - b.shipped - b.written_off)
    }

    fn reserved(&self, sku: &str, location: &str) -> i64 {
        self.orders
            .values()
            .flat_map(|o| {
                o.held.iter().filter(move |((line, loc), _)| {
                    loc == location && o.lines.get(line).is_some_and(|l| l.sku == sku)
                })
            })
            .map(|(_, units)| *units)
            .sum()
    }

    fn available(&self, sku: &str, location: &str) -> i64 {
        self.on_hand(sku, location) - self.reserved(sku, location)
    }

    /// Locations by preference: priority, then code.
    fn preferred() -> Vec<&'static str> {
        let mut all: Vec<(i32, &str)> = LOCATIONS.iter().map(|(c, p)| (*p, *c)).collect();
        all.sort();
        all.into_iter().map(|(_, c)| c).collect()
    }

    /// Units of a line in open fulfilment orders at a location (`pending`
    /// ones aside: they hold nothing there).
    fn open_units(&self, order: OrderId, line: u32, location: &str) -> i64 {
        self.fos
            .iter()
            .filter(|f| f.order == order && f.location == location && f.status.holds_stock())
            .map(|f| i64::from(f.units_of(line)))
            .sum()
    }

    /// The status an order's fulfilment orders roll up to.
    fn roll_up(&mut self, id: OrderId) {
        let fos: Vec<&ModelFo> = self.fos.iter().filter(|f| f.order == id).collect();
        let order = self.orders.get(&id).expect("modelled order");
        if matches!(order.status, OrderStatus::OnHold | OrderStatus::Cancelled) {
            return;
        }
        let ordered: u64 = order.lines.values().map(|l| u64::from(l.quantity)).sum();
        let shipped: Vec<&&ModelFo> = fos.iter().filter(|f| f.status.has_shipped()).collect();
        let units: u64 = shipped
            .iter()
            .map(|f| f.lines.iter().map(|(_, _, q)| u64::from(*q)).sum::<u64>())
            .sum();
        let status = if units == 0 {
            if fos.iter().any(|f| f.status.is_open()) {
                OrderStatus::Processing
            } else {
                OrderStatus::Placed
            }
        } else if units < ordered {
            OrderStatus::PartiallyShipped
        } else if shipped.iter().all(|f| f.status == FulfillmentStatus::Delivered) {
            OrderStatus::Delivered
        } else {
            OrderStatus::Shipped
        };
        self.orders.get_mut(&id).expect("modelled order").status = status;
    }

    /// Units of a line in open `pending` fulfilment orders.
    fn pending_units(&self, order: OrderId, line: u32) -> u32 {
        self.fos
            .iter()
            .filter(|f| f.order == order && f.status == FulfillmentStatus::Pending)
            .map(|f| f.units_of(line))
            .sum()
    }

    /// Reserves `units` of a line at `location`: grows its active
    /// reservation there, or makes a new one (the line's newest).
    fn reserve(&mut self, id: OrderId, line: u32, location: &str, units: i64) {
        let order = self.orders.get_mut(&id).expect("modelled order");
        let held = order.held.entry((line, location.to_owned())).or_default();
        if *held == 0 {
            order.lines.get_mut(&line).expect("line").last_location = location.to_owned();
        }
        *held += units;
    }

    /// Releases `units` of a line's reservations, least preferred location first.
    fn release(&mut self, id: OrderId, line: u32, mut units: i64) {
        let order = self.orders.get_mut(&id).expect("modelled order");
        for code in Self::preferred().into_iter().rev() {
            if units == 0 {
                break;
            }
            let key = (line, code.to_owned());
            if let Some(held) = order.held.get_mut(&key) {
                let take = (*held).min(units);
                *held -= take;
                units -= take;
                if *held == 0 {
                    order.held.remove(&key);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- the run

/// The engine, the model and the trace of one case.
struct World<'a, S: Store> {
    oms: &'a Oms<S>,
    model: Model,
    /// Orders in placement order.
    placed: Vec<OrderId>,
    trace: Vec<String>,
}

/// The outcome of a step: `Err` describes a failure of the case.
type Verdict = Result<(), String>;

/// The start of carrier time in the sequences.
fn carrier_epoch() -> DateTime<Utc> {
    "2026-01-02T00:00:00Z".parse().expect("time")
}

impl<'a, S: Store> World<'a, S> {
    fn new(oms: &'a Oms<S>) -> World<'a, S> {
        let mut receipts = Vec::new();
        for (s, sku) in SKUS.iter().enumerate() {
            for (l, (code, _)) in LOCATIONS.iter().enumerate() {
                if INITIAL_UNITS[s][l] > 0 {
                    receipts.push((*sku, *code, INITIAL_UNITS[s][l]));
                }
            }
        }
        stock(oms, &LOCATIONS, &receipts);
        let mut model = Model::default();
        for (sku, code, units) in receipts {
            model.books.entry((sku.to_owned(), code.to_owned())).or_default().received += units;
        }
        World { oms, model, placed: Vec::new(), trace: Vec::new() }
    }

    fn execute(&mut self, ops: &[Op]) -> Verdict {
        for op in ops {
            self.step(op)?;
            self.check_state().map_err(|p| format!("after {op:?}:\n{p}"))?;
        }
        let problems = invariant_violations(self.oms);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("invariants violated after the sequence:\n{}", problems.join("\n")))
        }
    }

    /// Records a call in the trace. `Ok(Err(kind))` for an error the state
    /// can explain; an error of any other kind fails the case.
    fn outcome<T>(
        &mut self,
        call: String,
        result: Result<T, Error>,
    ) -> Result<Result<T, &'static str>, String> {
        match result {
            Ok(value) => {
                self.trace.push(format!("  {call} -> ok"));
                Ok(Ok(value))
            }
            Err(e) => {
                let kind = kind(&e);
                self.trace.push(format!("  {call} -> {kind} ({e})"));
                match kind {
                    "InsufficientStock" | "InvalidTransition" | "NotFound" | "Conflict"
                    | "Validation" => Ok(Err(kind)),
                    other => Err(format!("unexpected {other} error from {call}: {e:?}")),
                }
            }
        }
    }

    /// Compares a prediction with an outcome; `Ok(Some(value))` when both
    /// succeeded, `Ok(None)` when both failed alike.
    fn judge<T, U>(
        &mut self,
        call: String,
        prediction: &Prediction<U>,
        result: Result<T, Error>,
    ) -> Result<Option<T>, String> {
        match (prediction, self.outcome(call, result)?) {
            (Ok(_), Ok(value)) => Ok(Some(value)),
            (Ok(_), Err(got)) => Err(format!("the model expects success, got {got}")),
            (Err(expected), Ok(_)) => {
                Err(format!("the model expects {expected}, the call succeeded"))
            }
            (Err(expected), Err(got)) if *expected == got => Ok(None),
            (Err(expected), Err(got)) => Err(format!("the model expects {expected}, got {got}")),
        }
    }

    /// The order `pick` names among those `fits` accepts (see [`Pick`]),
    /// and how the trace names it; an unknown id when none was placed.
    fn pick_order(&self, pick: Pick, fits: impl Fn(&ModelOrder) -> bool) -> (OrderId, String) {
        if self.placed.is_empty() {
            return (OrderId::from_u128(u128::MAX - u128::from(pick.n)), "unknown order".into());
        }
        let fitting: Vec<usize> = (0..self.placed.len())
            .filter(|&i| pick.fit && fits(&self.model.orders[&self.placed[i]]))
            .collect();
        let index = if fitting.is_empty() {
            pick.n as usize % self.placed.len()
        } else {
            fitting[pick.n as usize % fitting.len()]
        };
        (self.placed[index], format!("order#{index}"))
    }

    /// The index in the model of the fulfilment order `pick` names among
    /// those `fits` accepts (see [`Pick`]); `None` (an unknown id) when
    /// there is none yet.
    fn pick_fo(&self, pick: Pick, fits: impl Fn(&ModelFo) -> bool) -> Option<usize> {
        let all = self.model.fos.len();
        if all == 0 {
            return None;
        }
        let fitting: Vec<usize> =
            (0..all).filter(|&i| pick.fit && fits(&self.model.fos[i])).collect();
        Some(if fitting.is_empty() {
            pick.n as usize % all
        } else {
            fitting[pick.n as usize % fitting.len()]
        })
    }

    fn fo_id(&self, index: Option<usize>, pick: Pick) -> (FulfillmentId, String) {
        match index {
            Some(i) => (self.model.fos[i].id, format!("fo#{i}")),
            None => (FulfillmentId::from_u128(u128::MAX - u128::from(pick.n)), "unknown fo".into()),
        }
    }

    fn step(&mut self, op: &Op) -> Verdict {
        match op {
            Op::Place { lines } => self.place(lines),
            Op::Fulfil { order } => self.fulfil(*order),
            Op::StartPicking { fo, with } => self.start_picking(*fo, *with),
            Op::ConfirmPick { fo, short } => self.confirm_pick(*fo, short),
            Op::Pack { fo, split } => self.pack(*fo, *split),
            Op::Ship { fo, how } => self.ship(*fo, *how),
            Op::Track { fo, kind, hours, event } => {
                let when = carrier_epoch() + Duration::hours(i64::from(*hours));
                self.track(*fo, *kind, when, *event)
            }
            Op::Advance { pick, short, split, how, kind, hours } => {
                self.advance(*pick, short, *split, *how, *kind, *hours)
            }
            Op::Hold { fo } => self.hold(*fo),
            Op::Release { fo } => self.release(*fo),
            Op::CancelFulfillment { fo } => self.cancel_fulfillment(*fo),
            Op::Allocate { fo } => self.allocate(*fo),
            Op::CancelLines { order, line, quantity } => {
                self.cancel_lines(*order, *line, *quantity)
            }
            Op::CancelOrder { order } => self.cancel_order(*order),
            Op::Edit { order, line, quantity } => self.edit(*order, *line, *quantity),
            Op::Receive { sku, location, units } => {
                let (sku, code) = (SKUS[*sku], LOCATIONS[*location].0);
                let result = self.oms.receive_stock(sku, code, *units, "PO-prop");
                let call = format!("receive_stock({sku}, {code}, {units})");
                if self.judge(call, &Ok(()), result)?.is_some() {
                    self.model
                        .books
                        .entry((sku.to_owned(), code.to_owned()))
                        .or_default()
                        .received += units;
                }
                Ok(())
            }
        }
    }

    fn place(&mut self, lines: &[(usize, i64)]) -> Verdict {
        // Reserve line by line from the most preferred location, on a copy
        // of the availability, as placement is atomic.
        let mut available: BTreeMap<(String, String), i64> = BTreeMap::new();
        for sku in SKUS {
            for (code, _) in LOCATIONS {
                available
                    .insert((sku.to_owned(), code.to_owned()), self.model.available(sku, code));
            }
        }
        let mut held = BTreeMap::new();
        let mut short = false;
        for (i, (s, quantity)) in lines.iter().enumerate() {
            let sku = SKUS[*s];
            let total: i64 = Model::preferred()
                .iter()
                .map(|c| available[&(sku.to_owned(), (*c).to_owned())])
                .sum();
            if total < *quantity {
                short = true;
                continue;
            }
            let mut remaining = *quantity;
            for code in Model::preferred() {
                let spot = available.get_mut(&(sku.to_owned(), code.to_owned())).expect("spot");
                let take = (*spot).min(remaining);
                if take > 0 {
                    *spot -= take;
                    remaining -= take;
                    held.insert((i as u32 + 1, code.to_owned()), take);
                }
            }
        }
        let prediction: Prediction<()> = if short { Err("InsufficientStock") } else { Ok(()) };
        let named: Vec<(&str, i64)> = lines.iter().map(|(s, q)| (SKUS[*s], *q)).collect();
        let result = self.oms.place_order(&draft(&named));
        let Some(order) = self.judge(format!("place_order({named:?})"), &prediction, result)?
        else {
            return Ok(());
        };
        let lines = lines
            .iter()
            .enumerate()
            .map(|(i, (s, q))| {
                let line_id = i as u32 + 1;
                // Rows are made in preference order: the newest is the last location used.
                let last_location = Model::preferred()
                    .into_iter()
                    .rev()
                    .find(|code| held.contains_key(&(line_id, (*code).to_owned())))
                    .unwrap_or_default()
                    .to_owned();
                let line = ModelLine {
                    sku: SKUS[*s].to_owned(),
                    quantity: *q as u32,
                    shipped: 0,
                    unreserved: 0,
                    last_location,
                };
                (line_id, line)
            })
            .collect();
        self.model.orders.insert(order.id, ModelOrder { status: OrderStatus::Placed, lines, held });
        self.placed.push(order.id);
        Ok(())
    }

    fn fulfil(&mut self, pick: Pick) -> Verdict {
        let (id, label) = self.pick_order(pick, |o| {
            matches!(
                o.status,
                OrderStatus::Placed | OrderStatus::Processing | OrderStatus::PartiallyShipped
            )
        });
        let prediction: Prediction<()> = match self.model.orders.get(&id) {
            None => Err("NotFound"),
            Some(o) => match o.status {
                OrderStatus::Placed | OrderStatus::Processing | OrderStatus::PartiallyShipped => {
                    Ok(())
                }
                _ => Err("InvalidTransition"),
            },
        };
        let result = self.oms.fulfil(id);
        let Some(created) = self.judge(format!("fulfil({label})"), &prediction, result)? else {
            return Ok(());
        };
        // Location → lines of the units reserved there and not in an open fulfilment order.
        let order = self.model.orders.get(&id).expect("modelled order");
        let mut by_location: BTreeMap<String, Vec<(u32, String, u32)>> = BTreeMap::new();
        for ((line, location), held) in &order.held {
            let unassigned = held - self.model.open_units(id, *line, location);
            if unassigned > 0 {
                let sku = order.lines[line].sku.clone();
                by_location.entry(location.clone()).or_default().push((
                    *line,
                    sku,
                    unassigned as u32,
                ));
            }
        }
        // Units reserved nowhere and awaiting stock in no pending fulfilment
        // order go into pending ones where each line was last reserved.
        let mut awaiting: BTreeMap<String, Vec<(u32, String, u32)>> = BTreeMap::new();
        for (line, l) in &order.lines {
            let missing = l.unreserved - self.model.pending_units(id, *line);
            if missing > 0 {
                awaiting.entry(l.last_location.clone()).or_default().push((
                    *line,
                    l.sku.clone(),
                    missing,
                ));
            }
        }
        let ready = by_location
            .into_iter()
            .map(|(location, lines)| (location, FulfillmentStatus::Ready, lines));
        let pending = awaiting
            .into_iter()
            .map(|(location, lines)| (location, FulfillmentStatus::Pending, lines));
        let expected: Shapes = ready
            .chain(pending)
            .map(|(location, status, mut lines)| {
                lines.sort();
                (location, status, lines)
            })
            .collect();
        self.adopt(id, &created, expected)?;
        self.model.roll_up(id);
        Ok(())
    }

    /// Checks fulfilment orders the engine created against the model's
    /// `(location, lines)` and adds them to the model.
    fn adopt(&mut self, order: OrderId, created: &[FulfillmentOrder], expected: Shapes) -> Verdict {
        let got: Shapes = created
            .iter()
            .map(|f| {
                (
                    f.location.clone(),
                    f.status,
                    f.lines.iter().map(|l| (l.line_id, l.sku.clone(), l.quantity)).collect(),
                )
            })
            .collect();
        if got != expected {
            return Err(format!("new fulfilment orders {got:?}; the model expects {expected:?}"));
        }
        for f in created {
            if f.order_id != order {
                return Err(format!(
                    "new fulfilment order {} is {} of order {}",
                    f.id, f.status, f.order_id
                ));
            }
            if self.model.fos.iter().any(|m| m.id == f.id) {
                return Err(format!("fulfilment order id {} reused", f.id));
            }
            self.model.fos.push(ModelFo {
                id: f.id,
                order,
                location: f.location.clone(),
                status: f.status,
                held_from: None,
                lines: f.lines.iter().map(|l| (l.line_id, l.sku.clone(), l.quantity)).collect(),
                tracking_number: None,
                last_status_at: None,
                events: BTreeSet::new(),
            });
        }
        Ok(())
    }

    fn start_picking(&mut self, pick: Pick, with: Option<(u8, bool)>) -> Verdict {
        let first = self.pick_fo(pick, |f| f.status == FulfillmentStatus::Ready);
        let (id, label) = self.fo_id(first, pick);
        let mut batch = vec![(first, id, label)];
        if let (Some(i), Some((other, same))) = (first, with) {
            let location = self.model.fos[i].location.clone();
            let candidates: Vec<usize> = (0..self.model.fos.len())
                .filter(|&j| j != i && (!same || self.model.fos[j].location == location))
                .collect();
            if !candidates.is_empty() {
                let j = candidates[other as usize % candidates.len()];
                batch.push((Some(j), self.model.fos[j].id, format!("fo#{j}")));
            }
        }
        let location =
            first.map_or_else(|| "WH-A".to_owned(), |i| self.model.fos[i].location.clone());
        let prediction: Prediction<()> = if batch.iter().any(|(i, _, _)| i.is_none()) {
            Err("NotFound")
        } else if batch
            .iter()
            .any(|(i, _, _)| self.model.fos[i.expect("known")].location != location)
        {
            Err("Validation")
        } else if batch
            .iter()
            .any(|(i, _, _)| self.model.fos[i.expect("known")].status != FulfillmentStatus::Ready)
        {
            Err("InvalidTransition")
        } else {
            Ok(())
        };
        let ids: Vec<FulfillmentId> = batch.iter().map(|(_, id, _)| *id).collect();
        let labels: Vec<&str> = batch.iter().map(|(_, _, l)| l.as_str()).collect();
        let call = format!("create_pick_list({location}, {labels:?})");
        let result = self.oms.create_pick_list(&location, &ids);
        let Some(list) = self.judge(call, &prediction, result)? else { return Ok(()) };
        let mut totals = Vec::new();
        for (i, id, _) in &batch {
            let f = &mut self.model.fos[i.expect("known")];
            f.status = FulfillmentStatus::Picking;
            totals.push((*id, f.lines.iter().map(|(_, _, q)| u64::from(*q)).sum::<u64>()));
        }
        let got: Vec<(FulfillmentId, u64)> =
            list.totals.iter().map(|t| (t.fulfillment_id, t.units)).collect();
        let walked: u64 = list.entries.iter().map(|e| e.quantity).sum();
        let sorted = list.entries.windows(2).all(|w| {
            (w[0].bin.is_none(), &w[0].bin, &w[0].sku) < (w[1].bin.is_none(), &w[1].bin, &w[1].sku)
        });
        if got != totals || walked != totals.iter().map(|(_, u)| u).sum::<u64>() || !sorted {
            return Err(format!("pick list {list:?}; the model expects totals {totals:?}"));
        }
        Ok(())
    }

    fn confirm_pick(&mut self, pick: Pick, short: &[u8]) -> Verdict {
        let index = self.pick_fo(pick, |f| f.status == FulfillmentStatus::Picking);
        let (id, label) = self.fo_id(index, pick);
        let Some(i) = index else {
            let result = self.oms.confirm_pick(id, &[PickedLine { line_id: 1, quantity: 1 }]);
            return self
                .judge(format!("confirm_pick({label})"), &Err::<(), _>("NotFound"), result)
                .map(drop);
        };
        let fo = self.model.fos[i].clone();
        let picked: Vec<PickedLine> = fo
            .lines
            .iter()
            .enumerate()
            .map(|(k, (line, _, q))| {
                let missing = u32::from(short.get(k).copied().unwrap_or(0)).min(*q);
                PickedLine { line_id: *line, quantity: q - missing }
            })
            .collect();
        let prediction: Prediction<()> =
            if fo.status == FulfillmentStatus::Picking { Ok(()) } else { Err("InvalidTransition") };
        let call = format!(
            "confirm_pick({label}, {:?})",
            picked.iter().map(|p| (p.line_id, p.quantity)).collect::<Vec<_>>()
        );
        let before: BTreeSet<FulfillmentId> = self.model.fos.iter().map(|f| f.id).collect();
        let result = self.oms.confirm_pick(id, &picked);
        let Some(done) = self.judge(call, &prediction, result)? else { return Ok(()) };

        // The picked fulfilment order keeps what was picked.
        let mut shorts = Vec::new();
        {
            let f = &mut self.model.fos[i];
            f.status = FulfillmentStatus::Picked;
            for (line, sku, q) in &mut f.lines {
                let got = picked.iter().find(|p| p.line_id == *line).map_or(0, |p| p.quantity);
                if got < *q {
                    shorts.push((*line, sku.clone(), *q - got));
                }
                *q = got;
            }
            f.lines.retain(|(_, _, q)| *q > 0);
            if f.lines.is_empty() {
                f.status = FulfillmentStatus::Cancelled;
            }
        }
        let got_lines: Vec<(u32, String, u32)> =
            done.lines.iter().map(|l| (l.line_id, l.sku.clone(), l.quantity)).collect();
        if done.status != self.model.fos[i].status || got_lines != self.model.fos[i].lines {
            return Err(format!(
                "{label} came back {} with {got_lines:?}; the model expects {} with {:?}",
                done.status, self.model.fos[i].status, self.model.fos[i].lines
            ));
        }
        // Short units are written off, then re-reserved elsewhere by preference.
        let order_id = fo.order;
        let mut moved: BTreeMap<String, Vec<(u32, String, u32)>> = BTreeMap::new();
        let mut awaiting = Vec::new();
        for (line, sku, units) in shorts {
            let units = i64::from(units);
            self.model.books.entry((sku.clone(), fo.location.clone())).or_default().written_off +=
                units;
            {
                let order = self.model.orders.get_mut(&order_id).expect("modelled order");
                let key = (line, fo.location.clone());
                let held = order.held.get_mut(&key).expect("reserved where picked");
                *held -= units;
                if *held <= 0 {
                    order.held.remove(&key);
                }
            }
            let mut remaining = units;
            for code in Model::preferred() {
                if remaining == 0 || code == fo.location {
                    continue;
                }
                let take = self.model.available(&sku, code).min(remaining);
                if take > 0 {
                    remaining -= take;
                    self.model.reserve(order_id, line, code, take);
                    moved.entry(code.to_owned()).or_default().push((
                        line,
                        sku.clone(),
                        take as u32,
                    ));
                }
            }
            let order = self.model.orders.get_mut(&order_id).expect("modelled order");
            order.lines.get_mut(&line).expect("line").unreserved += remaining as u32;
            if remaining > 0 {
                awaiting.push((line, sku.clone(), remaining as u32));
            }
        }
        let all = self.oms.fulfillments(order_id).map_err(|e| format!("fulfillments: {e:?}"))?;
        let created: Vec<FulfillmentOrder> =
            all.into_iter().filter(|f| !before.contains(&f.id)).collect();
        let mut expected: Shapes = moved
            .into_iter()
            .map(|(location, lines)| (location, FulfillmentStatus::Ready, lines))
            .collect();
        if !awaiting.is_empty() {
            // Units no location has wait at the picking location.
            expected.push((fo.location.clone(), FulfillmentStatus::Pending, awaiting));
        }
        self.adopt(order_id, &created, expected)?;
        self.model.roll_up(order_id);
        Ok(())
    }

    fn pack(&mut self, pick: Pick, split: bool) -> Verdict {
        let index = self.pick_fo(pick, |f| f.status == FulfillmentStatus::Picked);
        let (id, label) = self.fo_id(index, pick);
        let (prediction, lines): (Prediction<()>, Vec<(u32, u32)>) = match index {
            None => (Err("NotFound"), vec![(1, 1)]),
            Some(i) => {
                let f = &self.model.fos[i];
                let lines = f.lines.iter().map(|(l, _, q)| (*l, *q)).collect();
                let p = if f.status == FulfillmentStatus::Picked {
                    Ok(())
                } else {
                    Err("InvalidTransition")
                };
                (p, lines)
            }
        };
        let parcel = Parcel {
            weight_kg: dec("1"),
            length_cm: dec("20"),
            width_cm: dec("15"),
            height_cm: dec("10"),
        };
        let package = |id: &str, lines: &[(u32, u32)]| Package {
            id: id.to_owned(),
            parcel: parcel.clone(),
            lines: lines
                .iter()
                .map(|&(line_id, quantity)| PackageLine { line_id, quantity })
                .collect(),
        };
        let units: u32 = lines.iter().map(|(_, q)| q).sum();
        let packages = if split && units >= 2 && !lines.is_empty() {
            // The first unit alone, everything else in a second package.
            let mut rest = lines.clone();
            rest[0].1 -= 1;
            rest.retain(|(_, q)| *q > 0);
            vec![package("BOX-1", &[(lines[0].0, 1)]), package("BOX-2", &rest)]
        } else {
            vec![package("BOX-1", &lines)]
        };
        let result = self.oms.pack(id, &packages);
        let call = format!("pack({label}, {} packages)", packages.len());
        if self.judge(call, &prediction, result)?.is_some() {
            self.model.fos[index.expect("known")].status = FulfillmentStatus::Packed;
        }
        Ok(())
    }

    fn ship(&mut self, pick: Pick, how: How) -> Verdict {
        let index = self.pick_fo(pick, |f| f.status == FulfillmentStatus::Packed);
        let (id, label) = self.fo_id(index, pick);
        let prediction: Prediction<()> = match index {
            None => Err("NotFound"),
            Some(i) if self.model.fos[i].status == FulfillmentStatus::Packed => Ok(()),
            Some(_) => Err("InvalidTransition"),
        };
        let result = match how {
            How::Ground => self.oms.ship(id, "table-rate", "ground"),
            How::Express => self.oms.ship(id, "table-rate", "express"),
            How::Cheapest => self.oms.ship_with(id, &RateShopping::Cheapest { deliver_by: None }),
            How::Fastest => self.oms.ship_with(id, &RateShopping::Fastest { budget: None }),
        };
        let Some(shipped) = self.judge(format!("ship({label}, {how:?})"), &prediction, result)?
        else {
            return Ok(());
        };
        let service = match how {
            How::Ground | How::Cheapest => "ground",
            How::Express | How::Fastest => "express",
        };
        let Some(s) = shipped.shipment.as_ref().filter(|s| s.service == service) else {
            return Err(format!(
                "{label} shipped as {:?}; the model expects {service}",
                shipped.shipment
            ));
        };
        let i = index.expect("known");
        let fo = self.model.fos[i].clone();
        if self
            .model
            .fos
            .iter()
            .any(|f| f.tracking_number.as_deref() == Some(s.tracking_number.as_str()))
        {
            return Err(format!("tracking number {} reused", s.tracking_number));
        }
        self.model.fos[i].status = FulfillmentStatus::Shipped;
        self.model.fos[i].tracking_number = Some(s.tracking_number.clone());
        for (line, sku, q) in &fo.lines {
            let units = i64::from(*q);
            self.model.books.entry((sku.clone(), fo.location.clone())).or_default().shipped +=
                units;
            let order = self.model.orders.get_mut(&fo.order).expect("modelled order");
            let key = (*line, fo.location.clone());
            let held = order.held.get_mut(&key).expect("reserved where shipped");
            *held -= units;
            if *held <= 0 {
                order.held.remove(&key);
            }
            order.lines.get_mut(line).expect("line").shipped += q;
        }
        self.model.roll_up(fo.order);
        Ok(())
    }

    /// One step down the pipeline; see [`Op::Advance`].
    fn advance(
        &mut self,
        pick: u8,
        short: &[u8],
        split: bool,
        how: How,
        kind: TrackingEventKind,
        hours: u8,
    ) -> Verdict {
        use FulfillmentStatus as F;
        let exact = |i: usize| Pick { n: i as u8, fit: false };
        let unfulfilled: Vec<usize> = (0..self.placed.len())
            .filter(|&i| {
                let id = self.placed[i];
                let o = &self.model.orders[&id];
                matches!(
                    o.status,
                    OrderStatus::Placed | OrderStatus::Processing | OrderStatus::PartiallyShipped
                ) && o
                    .held
                    .iter()
                    .any(|((line, loc), held)| *held > self.model.open_units(id, *line, loc))
            })
            .collect();
        let moving: Vec<usize> = (0..self.model.fos.len())
            .filter(|&i| {
                !matches!(
                    self.model.fos[i].status,
                    F::Delivered | F::ReturnedToSender | F::Cancelled
                )
            })
            .collect();
        if !unfulfilled.is_empty() && (moving.is_empty() || pick.is_multiple_of(4)) {
            return self.fulfil(exact(unfulfilled[pick as usize % unfulfilled.len()]));
        }
        if moving.is_empty() || self.placed.len() > 255 || self.model.fos.len() > 255 {
            // Nothing to move: a new order of one or two units.
            let lines = [(pick as usize % SKUS.len(), i64::from(pick % 2) + 1)];
            return self.place(&lines);
        }
        let i = moving[pick as usize % moving.len()];
        match self.model.fos[i].status {
            F::Pending => self.allocate(exact(i)),
            F::Ready => self.start_picking(exact(i), None),
            F::Picking => self.confirm_pick(exact(i), short),
            F::Picked => self.pack(exact(i), split),
            F::Packed => self.ship(exact(i), how),
            F::OnHold => self.release(exact(i)),
            _ => {
                let after = self.model.fos[i].last_status_at.unwrap_or_else(carrier_epoch);
                let when = after + Duration::hours(i64::from(hours));
                let kind = match kind {
                    TrackingEventKind::LabelCreated | TrackingEventKind::Exception => {
                        TrackingEventKind::OutForDelivery
                    }
                    other => other,
                };
                self.track(exact(i), kind, when, pick)
            }
        }
    }

    fn track(
        &mut self,
        pick: Pick,
        kind: TrackingEventKind,
        when: DateTime<Utc>,
        event: u8,
    ) -> Verdict {
        let index = self.pick_fo(pick, |f| f.tracking_number.is_some());
        let event_id = format!("ev-{}", event % 4);
        let update = TrackingUpdate::new(&event_id, kind, when);
        let known = index.and_then(|i| self.model.fos[i].tracking_number.clone().map(|n| (i, n)));
        let Some((i, number)) = known else {
            let result = self.oms.record_tracking_event("TR-NOT-SHIPPED", &update);
            let call = format!("record_tracking_event(unknown, {event_id})");
            return self.judge(call, &Err::<(), _>("NotFound"), result).map(drop);
        };
        let fo = self.model.fos[i].clone();
        let action = match kind {
            TrackingEventKind::PickedUp | TrackingEventKind::InTransit => {
                Some(FulfillmentAction::Transit)
            }
            TrackingEventKind::OutForDelivery => Some(FulfillmentAction::OutForDelivery),
            TrackingEventKind::Delivered => Some(FulfillmentAction::Deliver),
            TrackingEventKind::DeliveryFailed => Some(FulfillmentAction::FailDelivery),
            TrackingEventKind::ReturnedToSender => Some(FulfillmentAction::ReturnToSender),
            _ => None,
        };
        let recorded = !fo.events.contains(&event_id);
        let next = action.and_then(|a| fo.status.after(a).ok());
        let in_sequence = fo.last_status_at.is_none_or(|t| when >= t);
        let applied = recorded && in_sequence && next.is_some();
        let result = self.oms.record_tracking_event(&number, &update);
        let call = format!("record_tracking_event(fo#{i}, {event_id} {} at {when})", kind.as_str());
        let Some(out) = self.judge(call, &Ok(()), result)? else { return Ok(()) };
        let f = &mut self.model.fos[i];
        if recorded {
            f.events.insert(event_id);
        }
        if applied {
            f.status = next.expect("a transition");
            f.last_status_at = Some(when);
        }
        if (out.recorded, out.applied, out.fulfillment.status) != (recorded, applied, f.status) {
            return Err(format!(
                "the outcome is (recorded, applied, status) = ({}, {}, {}); the model expects ({recorded}, {applied}, {})",
                out.recorded, out.applied, out.fulfillment.status, f.status
            ));
        }
        let order = f.order;
        self.model.roll_up(order);
        Ok(())
    }

    fn hold(&mut self, pick: Pick) -> Verdict {
        let index =
            self.pick_fo(pick, |f| f.status.holds_stock() && f.status != FulfillmentStatus::OnHold);
        let (id, label) = self.fo_id(index, pick);
        let prediction: Prediction<()> = match index.map(|i| self.model.fos[i].status) {
            None => Err("NotFound"),
            Some(
                FulfillmentStatus::Ready
                | FulfillmentStatus::Picking
                | FulfillmentStatus::Picked
                | FulfillmentStatus::Packed,
            ) => Ok(()),
            Some(_) => Err("InvalidTransition"),
        };
        let result = self.oms.hold_fulfillment(id, "random hold");
        if self.judge(format!("hold_fulfillment({label})"), &prediction, result)?.is_some() {
            let f = &mut self.model.fos[index.expect("known")];
            f.held_from = Some(f.status);
            f.status = FulfillmentStatus::OnHold;
        }
        Ok(())
    }

    fn release(&mut self, pick: Pick) -> Verdict {
        let index = self.pick_fo(pick, |f| f.status == FulfillmentStatus::OnHold);
        let (id, label) = self.fo_id(index, pick);
        let prediction: Prediction<()> = match index.map(|i| self.model.fos[i].status) {
            None => Err("NotFound"),
            Some(FulfillmentStatus::OnHold) => Ok(()),
            Some(_) => Err("InvalidTransition"),
        };
        let result = self.oms.release_fulfillment(id);
        if self.judge(format!("release_fulfillment({label})"), &prediction, result)?.is_some() {
            let f = &mut self.model.fos[index.expect("known")];
            f.status = f.held_from.take().expect("held from");
        }
        Ok(())
    }

    /// Reserves a pending fulfilment order's lines by preference, all or
    /// nothing; it becomes ready at the location of its first allocation,
    /// the other locations' units go into new ready fulfilment orders.
    fn allocate(&mut self, pick: Pick) -> Verdict {
        let index = self.pick_fo(pick, |f| f.status == FulfillmentStatus::Pending);
        let (id, label) = self.fo_id(index, pick);
        // (line, sku, location, units) in the order the engine reserves them.
        let mut plan: Vec<(u32, String, &str, i64)> = Vec::new();
        let prediction: Prediction<()> = match index.map(|i| &self.model.fos[i]) {
            None => Err("NotFound"),
            Some(f) if f.status != FulfillmentStatus::Pending => Err("InvalidTransition"),
            Some(f) => {
                let mut taken: BTreeMap<(String, &str), i64> = BTreeMap::new();
                let mut short = false;
                for (line, sku, units) in &f.lines {
                    let free = |code: &str, taken: &BTreeMap<(String, &str), i64>| {
                        self.model.available(sku, code)
                            - taken.get(&(sku.clone(), code)).copied().unwrap_or(0)
                    };
                    let total: i64 = Model::preferred().into_iter().map(|c| free(c, &taken)).sum();
                    if total < i64::from(*units) {
                        short = true;
                        continue;
                    }
                    let mut remaining = i64::from(*units);
                    for code in Model::preferred() {
                        let take = free(code, &taken).min(remaining);
                        if take > 0 {
                            *taken.entry((sku.clone(), code)).or_default() += take;
                            plan.push((*line, sku.clone(), code, take));
                            remaining -= take;
                        }
                    }
                }
                if short {
                    Err("InsufficientStock")
                } else {
                    Ok(())
                }
            }
        };
        let result = self.oms.allocate_fulfillment(id);
        let Some(allocated) =
            self.judge(format!("allocate_fulfillment({label})"), &prediction, result)?
        else {
            return Ok(());
        };
        let i = index.expect("known");
        let order = self.model.fos[i].order;
        let mut groups: Vec<(String, Lines)> = Vec::new();
        for (line, sku, code, take) in &plan {
            self.model.reserve(order, *line, code, *take);
            let l = self.model.orders.get_mut(&order).expect("modelled order");
            l.lines.get_mut(line).expect("line").unreserved -= *take as u32;
            let entry = (*line, sku.clone(), *take as u32);
            match groups.iter_mut().find(|(c, _)| c == code) {
                Some((_, lines)) => lines.push(entry),
                None => groups.push(((*code).to_owned(), vec![entry])),
            }
        }
        let mut groups = groups.into_iter();
        let (location, lines) = groups.next().expect("a pending fulfilment order has units");
        let Some((first, rest)) = allocated.split_first() else {
            return Err(format!("allocate_fulfillment({label}) returned nothing"));
        };
        let got_lines: Vec<(u32, String, u32)> =
            first.lines.iter().map(|l| (l.line_id, l.sku.clone(), l.quantity)).collect();
        if (first.id, first.status, &first.location, &got_lines)
            != (id, FulfillmentStatus::Ready, &location, &lines)
        {
            return Err(format!(
                "{label} came back {} at {} with {got_lines:?}; the model expects ready at {location} with {lines:?}",
                first.status, first.location
            ));
        }
        let f = &mut self.model.fos[i];
        f.status = FulfillmentStatus::Ready;
        f.location = location;
        f.lines = lines;
        let expected: Shapes =
            groups.map(|(location, lines)| (location, FulfillmentStatus::Ready, lines)).collect();
        self.adopt(order, rest, expected)?;
        self.model.roll_up(order);
        Ok(())
    }

    fn cancel_fulfillment(&mut self, pick: Pick) -> Verdict {
        let index = self.pick_fo(pick, |f| f.status.is_open());
        let (id, label) = self.fo_id(index, pick);
        let prediction: Prediction<()> = match index.map(|i| self.model.fos[i].status) {
            None => Err("NotFound"),
            Some(s) if s.is_open() => Ok(()),
            Some(_) => Err("InvalidTransition"),
        };
        let result = self.oms.cancel_fulfillment(id, "random cancel");
        if self.judge(format!("cancel_fulfillment({label})"), &prediction, result)?.is_some() {
            let f = &mut self.model.fos[index.expect("known")];
            f.status = FulfillmentStatus::Cancelled;
            f.held_from = None;
            let order = f.order;
            self.model.roll_up(order);
        }
        Ok(())
    }

    fn cancel_lines(&mut self, pick: Pick, line_pick: u8, quantity: Option<i64>) -> Verdict {
        let (id, label) = self.pick_order(pick, |o| {
            o.status != OrderStatus::Cancelled && o.lines.values().any(|l| l.quantity > l.shipped)
        });
        let Some(order) = self.model.orders.get(&id).cloned() else {
            let result =
                self.oms.cancel_lines(id, &[LineCancel { line_id: 1, quantity }], "random");
            return self
                .judge(format!("cancel_lines({label})"), &Err::<(), _>("NotFound"), result)
                .map(drop);
        };
        let line_ids: Vec<u32> = order.lines.keys().copied().collect();
        let line_id = line_ids[line_pick as usize % line_ids.len()];
        let line = order.lines[&line_id].clone();
        let left = line.quantity - line.shipped;
        let prediction: Prediction<u32> = match order.status {
            OrderStatus::Placed
            | OrderStatus::OnHold
            | OrderStatus::Processing
            | OrderStatus::PartiallyShipped => match quantity {
                None if left == 0 => Err("Validation"),
                None => Ok(left),
                Some(q) if q > i64::from(left) => Err("Validation"),
                Some(q) => Ok(q as u32),
            },
            _ => Err("InvalidTransition"),
        };
        let result = self.oms.cancel_lines(id, &[LineCancel { line_id, quantity }], "random");
        let call = format!("cancel_lines({label}, line {line_id}, {quantity:?})");
        if self.judge(call, &prediction, result)?.is_none() {
            return Ok(());
        }
        let units = prediction.expect("success");
        for f in self
            .model
            .fos
            .iter_mut()
            .filter(|f| f.order == id && f.status.is_open() && f.units_of(line_id) > 0)
        {
            f.status = FulfillmentStatus::Cancelled;
            f.held_from = None;
        }
        let unreserved = line.unreserved;
        let from_unreserved = units.min(unreserved);
        let to_release = i64::from(units - from_unreserved);
        self.model.release(id, line_id, to_release);
        let o = self.model.orders.get_mut(&id).expect("modelled order");
        let l = o.lines.get_mut(&line_id).expect("line");
        l.unreserved -= from_unreserved;
        l.quantity -= units;
        if o.lines.values().all(|l| l.quantity == 0) {
            o.status = OrderStatus::Cancelled;
        } else {
            self.model.roll_up(id);
        }
        Ok(())
    }

    fn cancel_order(&mut self, pick: Pick) -> Verdict {
        let (id, label) = self.pick_order(pick, |o| {
            matches!(o.status, OrderStatus::Placed | OrderStatus::Processing)
        });
        let prediction: Prediction<()> = match self.model.orders.get(&id).map(|o| o.status) {
            None => Err("NotFound"),
            Some(OrderStatus::Placed | OrderStatus::OnHold | OrderStatus::Processing) => Ok(()),
            Some(_) => Err("InvalidTransition"),
        };
        let result = self.oms.cancel_order(id, "random");
        if self.judge(format!("cancel_order({label})"), &prediction, result)?.is_none() {
            return Ok(());
        }
        for f in self.model.fos.iter_mut().filter(|f| f.order == id && f.status.is_open()) {
            f.status = FulfillmentStatus::Cancelled;
            f.held_from = None;
        }
        let o = self.model.orders.get_mut(&id).expect("modelled order");
        o.held.clear();
        for l in o.lines.values_mut() {
            l.quantity = l.shipped;
            l.unreserved = 0;
        }
        o.status = OrderStatus::Cancelled;
        Ok(())
    }

    /// Sets one line's quantity: lowering drops the line's unreserved units
    /// first and releases the rest least preferred location first; raising
    /// reserves the extra units by preference (all or nothing).
    fn edit(&mut self, pick: Pick, line_pick: u8, quantity: i64) -> Verdict {
        let (id, label) = self
            .pick_order(pick, |o| matches!(o.status, OrderStatus::Placed | OrderStatus::OnHold));
        let Some(order) = self.model.orders.get(&id).cloned() else {
            let edit = OrderEdit::SetQuantity { line_id: 1, quantity };
            let result = self.oms.edit_order(id, &[edit]);
            let call = format!("edit_order({label})");
            return self.judge(call, &Err::<(), _>("NotFound"), result).map(drop);
        };
        let line_ids: Vec<u32> = order.lines.keys().copied().collect();
        let line_id = line_ids[line_pick as usize % line_ids.len()];
        let line = order.lines[&line_id].clone();
        let (old, new) = (i64::from(line.quantity), quantity);
        let mut reserve = Vec::new();
        let prediction: Prediction<()> =
            if !matches!(order.status, OrderStatus::Placed | OrderStatus::OnHold) {
                Err("InvalidTransition")
            } else if new > old {
                let mut remaining = new - old;
                for code in Model::preferred() {
                    let take = self.model.available(&line.sku, code).min(remaining);
                    if take > 0 {
                        reserve.push((code, take));
                        remaining -= take;
                    }
                }
                if remaining > 0 {
                    Err("InsufficientStock")
                } else {
                    Ok(())
                }
            } else {
                Ok(())
            };
        let edit = OrderEdit::SetQuantity { line_id, quantity };
        let result = self.oms.edit_order(id, &[edit]);
        let call = format!("edit_order({label}, line {line_id} {old} -> {new})");
        if self.judge(call, &prediction, result)?.is_none() {
            return Ok(());
        }
        if new < old {
            let drop = (old - new) as u32;
            let from_unreserved = drop.min(line.unreserved);
            self.model.release(id, line_id, i64::from(drop - from_unreserved));
            let o = self.model.orders.get_mut(&id).expect("modelled order");
            o.lines.get_mut(&line_id).expect("line").unreserved -= from_unreserved;
        }
        for (code, take) in reserve {
            self.model.reserve(id, line_id, code, take);
        }
        let o = self.model.orders.get_mut(&id).expect("modelled order");
        o.lines.get_mut(&line_id).expect("line").quantity = new as u32;
        Ok(())
    }

    /// The whole store against the model, and the properties of the module.
    fn check_state(&self) -> Verdict {
        let mut problems = Vec::new();
        for (label, id) in self.placed.iter().enumerate().map(|(i, id)| (format!("order#{i}"), *id))
        {
            let model = &self.model.orders[&id];
            let order = self.oms.order(id).map_err(|e| format!("order: {e:?}"))?;
            let fos = self.oms.fulfillments(id).map_err(|e| format!("fulfillments: {e:?}"))?;
            let reservations =
                self.oms.reservations(id).map_err(|e| format!("reservations: {e:?}"))?;
            if order.status != model.status {
                problems.push(format!(
                    "{label} is {}; the model expects {}",
                    order.status, model.status
                ));
            }
            let mut active: BTreeMap<(u32, String), i64> = BTreeMap::new();
            for r in reservations.iter().filter(|r| r.status == ReservationStatus::Active) {
                *active.entry((r.line_id, r.location.clone())).or_default() += r.quantity;
            }
            if active != model.held {
                problems.push(format!(
                    "{label}: active reservations {active:?}; the model expects {:?}",
                    model.held
                ));
            }
            let modelled: Vec<&ModelFo> = self.model.fos.iter().filter(|f| f.order == id).collect();
            let shape = |f: &FulfillmentOrder| {
                let lines = f
                    .lines
                    .iter()
                    .map(|l| (l.line_id, l.sku.clone(), l.quantity))
                    .collect::<Vec<_>>();
                (f.id, (f.location.clone(), f.status, lines))
            };
            let got: BTreeMap<_, _> = fos.iter().map(shape).collect();
            let expected: BTreeMap<_, _> = modelled
                .iter()
                .map(|f| (f.id, (f.location.clone(), f.status, f.lines.clone())))
                .collect();
            if got != expected {
                problems.push(format!(
                    "{label}: fulfilment orders {got:?}; the model expects {expected:?}"
                ));
            }
            for line in &order.lines {
                let Some(m) = model.lines.get(&line.id) else {
                    problems.push(format!("{label} has line {} the model does not know", line.id));
                    continue;
                };
                let shipped: i64 = fos
                    .iter()
                    .filter(|f| f.status.has_shipped())
                    .map(|f| i64::from(f.units_of(line.id)))
                    .sum();
                let ordered = i64::from(line.quantity);
                if shipped > ordered {
                    problems.push(format!(
                        "{label} line {}: {shipped} shipped of {ordered} ordered",
                        line.id
                    ));
                }
                if (line.quantity, shipped) != (m.quantity, i64::from(m.shipped)) {
                    problems.push(format!(
                        "{label} line {}: (ordered, shipped) = ({}, {shipped}); the model expects ({}, {})",
                        line.id, line.quantity, m.quantity, m.shipped
                    ));
                }
                let reserved: i64 = active
                    .iter()
                    .filter(|((l, _), _)| *l == line.id)
                    .map(|(_, units)| *units)
                    .sum();
                let unreserved = i64::from(m.unreserved);
                if shipped + reserved + unreserved != ordered {
                    problems.push(format!(
                        "{label} line {}: {shipped} shipped + {reserved} reserved + {unreserved} unreserved ≠ {ordered} ordered",
                        line.id
                    ));
                }
                for (code, _) in LOCATIONS {
                    let held = active.get(&(line.id, code.to_owned())).copied().unwrap_or(0);
                    let in_fos: i64 = fos
                        .iter()
                        .filter(|f| f.status.holds_stock() && f.location == code)
                        .map(|f| i64::from(f.units_of(line.id)))
                        .sum();
                    let unassigned =
                        model.held.get(&(line.id, code.to_owned())).copied().unwrap_or(0)
                            - self.model.open_units(id, line.id, code);
                    if unassigned < 0 || held != in_fos + unassigned {
                        problems.push(format!(
                            "{label} line {} at {code}: {held} reserved, {in_fos} in open fulfilment orders + {unassigned} unassigned",
                            line.id
                        ));
                    }
                }
            }
        }
        for sku in SKUS {
            let levels = self.oms.stock_levels(sku).map_err(|e| format!("stock_levels: {e:?}"))?;
            for (code, _) in LOCATIONS {
                let level = levels
                    .iter()
                    .find(|l| l.location == code)
                    .map_or((0, 0), |l| (l.on_hand, l.reserved));
                let expected = (self.model.on_hand(sku, code), self.model.reserved(sku, code));
                if level != expected {
                    problems.push(format!("{sku} at {code}: (on hand, reserved) = {level:?}; the model has {expected:?}"));
                }
                let ledger = self
                    .oms
                    .stock_movements(sku, Some(code))
                    .map_err(|e| format!("ledger: {e:?}"))?;
                let sum = |kind: MovementKind| -> i64 {
                    ledger.iter().filter(|m| m.kind == kind).map(|m| m.on_hand_delta).sum()
                };
                let (receipts, shipments, adjustments) = (
                    sum(MovementKind::Receipt),
                    sum(MovementKind::Shipment),
                    sum(MovementKind::Adjustment),
                );
                let books = self
                    .model
                    .books
                    .get(&(sku.to_owned(), code.to_owned()))
                    .copied()
                    .unwrap_or_default();
                if (receipts, -shipments, -adjustments)
                    != (books.received, books.shipped, books.written_off)
                {
                    problems.push(format!(
                        "{sku} at {code}: the ledger has receipts {receipts}, shipments {shipments}, adjustments {adjustments}; the model booked {books:?}"
                    ));
                }
                let on_hand: i64 = ledger.iter().map(|m| m.on_hand_delta).sum();
                let reserved: i64 = ledger.iter().map(|m| m.reserved_delta).sum();
                if level.0 != receipts + shipments + adjustments || (on_hand, reserved) != level {
                    problems.push(format!(
                        "{sku} at {code}: on hand {} ≠ receipts − shipments + adjustments = {}, or the ledger sums to ({on_hand}, {reserved})",
                        level.0,
                        receipts + shipments + adjustments
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The variant name of an error.
fn kind(error: &Error) -> &'static str {
    match error {
        Error::Validation { .. } => "Validation",
        Error::NotFound { .. } => "NotFound",
        Error::InsufficientStock { .. } => "InsufficientStock",
        Error::InvalidTransition { .. } => "InvalidTransition",
        Error::Conflict { .. } => "Conflict",
        Error::Storage { .. } => "Storage",
        Error::Overflow { .. } => "Overflow",
        Error::CurrencyMismatch { .. } => "CurrencyMismatch",
        _ => "unknown",
    }
}
