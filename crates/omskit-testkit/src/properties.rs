//! Properties: random sequences of use cases against a fresh engine, checked
//! against the invariants and against a model the test keeps.
//!
//! Each case runs 1 to 39 operations (place one order or a batch, retry a
//! keyed placement, edit, cancel an order, cancel lines, hold, release,
//! receive stock, adjust stock up and down, switch a location on or off) on
//! an engine with three locations of different priorities and three SKUs.
//! Only errors the state explains (`InsufficientStock`, `InvalidTransition`,
//! `NotFound`, `Conflict`, `Validation`) may occur, and only where the model
//! predicts them; any other error (`Storage`...), or a panic, fails the case.
//!
//! The model is what the documentation promises: on-hand stock per (SKU,
//! location) from the receipts and adjustments that succeeded; each order's
//! status, lines (id, SKU, open units; added lines get new ids, never reused
//! ones) and reservations per (line, location), lines reserved from the most
//! preferred active location on (priority, then code) and released from the
//! least preferred one first; idempotency keys (same content: the first
//! order back; other content: `Conflict`). Before each call the model
//! predicts its outcome, success or the exact kind of error, and after a
//! success the returned order and its active reservations must match it.
//! After the sequence, besides [`invariant_violations`], every stock level
//! (on hand, reserved), every SKU's total on hand and every stored order
//! must agree with the model.
//!
//! On failure proptest shrinks the sequence; the panic message shows the
//! minimal sequence and the calls it made, with their outcomes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use omskit_core::{
    Error, LineCancel, LineDraft, Oms, OrderDraft, OrderEdit, OrderId, OrderStatus,
    ReservationStatus, Store,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::fixtures::{dec, deterministic, draft, stock};
use crate::{invariant_violations, Factory};

/// The SKUs the sequences use.
const SKUS: [&str; 3] = ["PROP-A", "PROP-B", "PROP-C"];
/// The locations `(code, priority)`: priorities deliberately not in code order.
const LOCATIONS: [(&str, i32); 3] = [("WH-A", 3), ("WH-B", 1), ("WH-C", 2)];
/// Units of every SKU received at each location before the sequence runs.
const INITIAL_UNITS: [i64; 3] = [2, 4, 3];
/// How many distinct idempotency keys placements draw from.
const KEYS: u8 = 3;

/// Runs every check of this module.
pub fn run<S: Store>(factory: Factory<'_, S>) {
    check_random_sequences(factory, 64);
}

/// Runs `cases` random operation sequences, each on a fresh engine from
/// `factory` (made deterministic with [`deterministic`]), and panics with
/// the shrunk sequence and its calls if one breaks an invariant, disagrees
/// with the model, returns an unexpected kind of error (`Storage`...) or
/// panics. Each case makes at most a few hundred calls, so a small `cases`
/// keeps slow backends quick; [`run`] uses 64.
pub fn check_random_sequences<S: Store>(factory: Factory<'_, S>, cases: u32) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(op(), 1..40), |ops| {
        let oms = deterministic(factory());
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
                "a random sequence failed: {reason}\n\nminimal sequence ({} ops):\n{}",
                ops.len(),
                listing.join("\n")
            );
        }
        Err(TestError::Abort(reason)) => panic!("the property run was aborted: {reason}"),
    }
}

/// One generated operation. Orders and lines are picked by index among the
/// orders placed so far and the lines an order has when the operation runs.
#[derive(Clone)]
enum Op {
    Place { lines: Vec<(usize, i64)>, key: Option<u8> },
    PlaceBatch { drafts: Vec<DraftSpec> },
    Retry { pick: u8 },
    Edit { order: u8, edits: Vec<EditOp> },
    CancelOrder { order: u8 },
    CancelLines { order: u8, lines: Vec<(u8, Option<i64>)> },
    Hold { order: u8 },
    Release { order: u8 },
    Receive { sku: usize, location: usize, units: i64 },
    Adjust { sku: usize, location: usize, delta: i64 },
    SetActive { location: usize, active: bool },
}

/// A draft as generated: `(sku index, quantity)` lines and an optional key number.
type DraftSpec = (Vec<(usize, i64)>, Option<u8>);

/// One change inside an edit.
#[derive(Clone)]
enum EditOp {
    Add { sku: usize, quantity: i64 },
    Remove { line: u8 },
    SetQuantity { line: u8, quantity: i64 },
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Place { lines, key } => {
                write!(f, "place [{}]", describe_lines(lines))?;
                match key {
                    Some(k) => write!(f, " key-{k}"),
                    None => Ok(()),
                }
            }
            Op::PlaceBatch { drafts } => {
                let drafts: Vec<String> = drafts
                    .iter()
                    .map(|(lines, key)| match key {
                        Some(k) => format!("[{}] key-{k}", describe_lines(lines)),
                        None => format!("[{}]", describe_lines(lines)),
                    })
                    .collect();
                write!(f, "place batch {{{}}}", drafts.join("; "))
            }
            Op::Retry { pick } => write!(f, "retry keyed placement @{pick}"),
            Op::Edit { order, edits } => write!(f, "edit order @{order}: {edits:?}"),
            Op::CancelOrder { order } => write!(f, "cancel order @{order}"),
            Op::CancelLines { order, lines } => {
                let lines: Vec<String> = lines
                    .iter()
                    .map(|(l, q)| match q {
                        Some(q) => format!("line @{l} × {q}"),
                        None => format!("line @{l} all"),
                    })
                    .collect();
                write!(f, "cancel lines of order @{order}: [{}]", lines.join(", "))
            }
            Op::Hold { order } => write!(f, "hold order @{order}"),
            Op::Release { order } => write!(f, "release order @{order}"),
            Op::Receive { sku, location, units } => {
                write!(f, "receive {units} × {} at {}", SKUS[*sku], LOCATIONS[*location].0)
            }
            Op::Adjust { sku, location, delta } => {
                write!(f, "adjust {} at {} by {delta:+}", SKUS[*sku], LOCATIONS[*location].0)
            }
            Op::SetActive { location, active } => {
                write!(f, "set {} active={active}", LOCATIONS[*location].0)
            }
        }
    }
}

impl fmt::Debug for EditOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditOp::Add { sku, quantity } => write!(f, "add {} × {quantity}", SKUS[*sku]),
            EditOp::Remove { line } => write!(f, "remove line @{line}"),
            EditOp::SetQuantity { line, quantity } => write!(f, "set line @{line} to {quantity}"),
        }
    }
}

/// A valid draft of `(sku index, quantity)` lines, with `key-<k>` as its
/// idempotency key if one is given.
fn make_draft(lines: &[(usize, i64)], key: Option<u8>) -> OrderDraft {
    let named: Vec<(&str, i64)> = lines.iter().map(|&(s, q)| (SKUS[s], q)).collect();
    let d = draft(&named);
    match key {
        Some(k) => d.idempotency_key(format!("key-{k}")),
        None => d,
    }
}

fn describe_lines(lines: &[(usize, i64)]) -> String {
    let parts: Vec<String> = lines.iter().map(|(s, q)| format!("{} × {q}", SKUS[*s])).collect();
    parts.join(", ")
}

fn op() -> impl Strategy<Value = Op> {
    let sku = 0..SKUS.len();
    let location = 0..LOCATIONS.len();
    let edit = prop_oneof![
        (sku.clone(), 1i64..=6).prop_map(|(sku, quantity)| EditOp::Add { sku, quantity }),
        any::<u8>().prop_map(|line| EditOp::Remove { line }),
        (any::<u8>(), 1i64..=6).prop_map(|(line, quantity)| EditOp::SetQuantity { line, quantity }),
    ];
    let placement = (vec((sku.clone(), 1i64..=6), 1..=3), option::weighted(0.4, 0..KEYS));
    prop_oneof![
        6 => placement.clone().prop_map(|(lines, key)| Op::Place { lines, key }),
        2 => vec(placement, 1..=3).prop_map(|drafts| Op::PlaceBatch { drafts }),
        2 => any::<u8>().prop_map(|pick| Op::Retry { pick }),
        5 => (any::<u8>(), vec(edit, 1..=3)).prop_map(|(order, edits)| Op::Edit { order, edits }),
        2 => any::<u8>().prop_map(|order| Op::CancelOrder { order }),
        3 => (any::<u8>(), vec((any::<u8>(), option::of(1i64..=4)), 1..=2))
            .prop_map(|(order, lines)| Op::CancelLines { order, lines }),
        2 => any::<u8>().prop_map(|order| Op::Hold { order }),
        2 => any::<u8>().prop_map(|order| Op::Release { order }),
        3 => (sku.clone(), location.clone(), 1i64..=8)
            .prop_map(|(sku, location, units)| Op::Receive { sku, location, units }),
        3 => (sku, location.clone(), prop_oneof![-6i64..=-1, 1i64..=6])
            .prop_map(|(sku, location, delta)| Op::Adjust { sku, location, delta }),
        2 => (location, any::<bool>()).prop_map(|(location, active)| Op::SetActive { location, active }),
    ]
}

/// What the model knows of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelOrder {
    status: OrderStatus,
    /// Line id → (SKU, open units).
    lines: BTreeMap<u32, (String, u32)>,
    /// The id the next added line must get: line ids are never reused.
    next_line: u32,
    /// (line id, location) → units reserved there for the line.
    held: BTreeMap<(u32, String), i64>,
}

/// The model: locations, stock and orders as the documentation says the
/// use cases leave them. Reserved stock is not stored but summed from the
/// orders' reservations.
#[derive(Debug, Clone, Default)]
struct Model {
    /// Location code → (priority, active).
    locations: BTreeMap<String, (i32, bool)>,
    /// (SKU, location) → units on hand.
    on_hand: BTreeMap<(String, String), i64>,
    orders: HashMap<OrderId, ModelOrder>,
}

/// What the model predicts: the outcome of a successful call, or the kind
/// of error the call must fail with.
type Prediction<T> = Result<T, &'static str>;

/// The id a new order has in the model until the engine names it.
const PENDING: OrderId = OrderId::from_u128(1 << 100);

impl Model {
    /// Units of `sku` reserved at `location` by all orders.
    fn reserved(&self, sku: &str, location: &str) -> i64 {
        self.orders
            .values()
            .flat_map(|o| {
                o.held
                    .iter()
                    .filter(move |((line, loc), _)| {
                        loc == location && o.lines.get(line).is_some_and(|(s, _)| s == sku)
                    })
                    .map(|(_, units)| *units)
            })
            .sum()
    }

    fn on_hand(&self, sku: &str, location: &str) -> i64 {
        self.on_hand.get(&(sku.to_owned(), location.to_owned())).copied().unwrap_or(0)
    }

    /// Reserves `quantity` units of `sku` for a line of an order, from the
    /// most preferred active location on (priority, then code), splitting
    /// across locations; `InsufficientStock` when the active locations hold
    /// fewer available units.
    fn reserve(&mut self, id: OrderId, line: u32, sku: &str, quantity: i64) -> Prediction<()> {
        let mut preferred: Vec<(i32, &String)> = self
            .locations
            .iter()
            .filter(|(_, (_, active))| *active)
            .map(|(code, (priority, _))| (*priority, code))
            .collect();
        preferred.sort();
        let candidates: Vec<(String, i64)> = preferred
            .into_iter()
            .map(|(_, code)| (code.clone(), self.on_hand(sku, code) - self.reserved(sku, code)))
            .collect();
        if candidates.iter().map(|(_, units)| units).sum::<i64>() < quantity {
            return Err("InsufficientStock");
        }
        let order = self.orders.get_mut(&id).expect("modelled order");
        let mut remaining = quantity;
        for (code, available) in candidates {
            let take = available.min(remaining);
            if take > 0 {
                *order.held.entry((line, code)).or_default() += take;
                remaining -= take;
            }
        }
        Ok(())
    }

    /// Releases `units` of a line's reservations, least preferred location first.
    fn release(&mut self, id: OrderId, line: u32, mut units: i64) {
        let priority = |code: &str| self.locations.get(code).map_or(i32::MAX, |(p, _)| *p);
        let order = self.orders.get(&id).expect("modelled order");
        let mut spots: Vec<(i32, String)> = order
            .held
            .keys()
            .filter(|(l, _)| *l == line)
            .map(|(_, code)| (priority(code), code.clone()))
            .collect();
        spots.sort();
        let order = self.orders.get_mut(&id).expect("modelled order");
        for (_, code) in spots.into_iter().rev() {
            if units == 0 {
                break;
            }
            let key = (line, code);
            let held = order.held.get_mut(&key).expect("held");
            let take = (*held).min(units);
            *held -= take;
            units -= take;
            if *held == 0 {
                order.held.remove(&key);
            }
        }
    }

    /// The order, if the model knows it and it is not cancelled.
    fn live(&self, id: OrderId) -> Prediction<&ModelOrder> {
        let order = self.orders.get(&id).ok_or("NotFound")?;
        if order.status == OrderStatus::Cancelled {
            return Err("InvalidTransition");
        }
        Ok(order)
    }

    /// A placement of a new order: the model with it added as [`PENDING`].
    fn place(&self, d: &OrderDraft) -> Prediction<Model> {
        let mut next = self.clone();
        let lines: BTreeMap<u32, (String, u32)> = d
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u32 + 1, (l.sku.clone(), l.quantity as u32)))
            .collect();
        let order = ModelOrder {
            status: OrderStatus::Placed,
            next_line: lines.len() as u32 + 1,
            lines: lines.clone(),
            held: BTreeMap::new(),
        };
        next.orders.insert(PENDING, order);
        let mut short = false;
        for (line, (sku, quantity)) in &lines {
            short |= next.reserve(PENDING, *line, sku, i64::from(*quantity)).is_err();
        }
        if short {
            return Err("InsufficientStock");
        }
        Ok(next)
    }

    /// An edit: lines changed in order, reductions released first, then
    /// increases and new lines reserved.
    fn edit(&self, id: OrderId, edits: &[OrderEdit]) -> Prediction<Model> {
        let order = self.live(id)?;
        let before = order.lines.clone();
        let mut lines = before.clone();
        let mut next_line = order.next_line;
        for edit in edits {
            match edit {
                OrderEdit::AddLine { line } => {
                    lines.insert(next_line, (line.sku.clone(), line.quantity as u32));
                    next_line += 1;
                }
                OrderEdit::RemoveLine { line_id } => {
                    lines.remove(line_id).ok_or("NotFound")?;
                }
                OrderEdit::SetQuantity { line_id, quantity } => {
                    lines.get_mut(line_id).ok_or("NotFound")?.1 = *quantity as u32;
                }
            }
        }
        if lines.is_empty() {
            return Err("Validation");
        }
        let mut next = self.clone();
        for (line, (_, old)) in &before {
            let new = lines.get(line).map_or(0, |(_, q)| *q);
            if new < *old {
                next.release(id, *line, i64::from(old - new));
            }
        }
        let order = next.orders.get_mut(&id).expect("modelled order");
        order.lines = lines.clone();
        order.next_line = next_line;
        let mut short = false;
        for (line, (sku, new)) in &lines {
            let old = before.get(line).map_or(0, |(_, q)| *q);
            if *new > old {
                short |= next.reserve(id, *line, sku, i64::from(new - old)).is_err();
            }
        }
        if short {
            return Err("InsufficientStock");
        }
        Ok(next)
    }

    /// Cancels `(line, units)` pairs, releasing least preferred first;
    /// cancelling every open unit cancels the order.
    fn cancel_units(&mut self, id: OrderId, cancels: &[(u32, u32)]) {
        for &(line, units) in cancels {
            self.release(id, line, i64::from(units));
            let order = self.orders.get_mut(&id).expect("modelled order");
            order.lines.get_mut(&line).expect("line").1 -= units;
        }
        let order = self.orders.get_mut(&id).expect("modelled order");
        if order.lines.values().all(|(_, open)| *open == 0) {
            order.status = OrderStatus::Cancelled;
        }
    }

    fn cancel_order(&self, id: OrderId) -> Prediction<Model> {
        let order = self.live(id)?;
        let cancels: Vec<(u32, u32)> = order.lines.iter().map(|(l, (_, q))| (*l, *q)).collect();
        let mut next = self.clone();
        next.cancel_units(id, &cancels);
        next.orders.get_mut(&id).expect("modelled order").status = OrderStatus::Cancelled;
        Ok(next)
    }

    fn cancel_lines(&self, id: OrderId, lines: &[LineCancel]) -> Prediction<Model> {
        let order = self.live(id)?;
        let mut cancels: Vec<(u32, u32)> = Vec::new();
        for cancel in lines {
            let (_, open) = order.lines.get(&cancel.line_id).ok_or("NotFound")?;
            if cancels.iter().any(|(l, _)| *l == cancel.line_id) {
                return Err("Validation");
            }
            let units = cancel.quantity.unwrap_or(i64::from(*open));
            if units < 1 || units > i64::from(*open) {
                return Err("Validation");
            }
            cancels.push((cancel.line_id, units as u32));
        }
        let mut next = self.clone();
        next.cancel_units(id, &cancels);
        Ok(next)
    }

    fn hold(&self, id: OrderId) -> Prediction<Model> {
        self.live(id)?;
        let mut next = self.clone();
        next.orders.get_mut(&id).expect("modelled order").status = OrderStatus::OnHold;
        Ok(next)
    }

    fn release_hold(&self, id: OrderId) -> Prediction<Model> {
        if self.live(id)?.status != OrderStatus::OnHold {
            return Err("InvalidTransition");
        }
        let mut next = self.clone();
        next.orders.get_mut(&id).expect("modelled order").status = OrderStatus::Placed;
        Ok(next)
    }

    /// A receipt (always fine) or an adjustment (refused when it would
    /// leave fewer units on hand than are reserved there).
    fn stock_change(&self, sku: &str, location: &str, delta: i64) -> Prediction<Model> {
        let on_hand = self.on_hand(sku, location) + delta;
        if on_hand < self.reserved(sku, location) {
            return Err("InsufficientStock");
        }
        let mut next = self.clone();
        next.on_hand.insert((sku.to_owned(), location.to_owned()), on_hand);
        Ok(next)
    }
}

/// What the model expects of a placement.
enum Placement {
    /// A retry: the order first placed with the key, unchanged.
    Existing(OrderId),
    /// A new order, in the model as [`PENDING`].
    New(Model),
}

/// A fresh engine, the model, and the trace of calls made.
struct World<'a, S: Store> {
    oms: &'a Oms<S>,
    model: Model,
    /// Orders in placement order; operations pick them by index.
    placed: Vec<OrderId>,
    /// Idempotency key → (draft placed with it, order).
    keys: BTreeMap<String, (OrderDraft, OrderId)>,
    trace: Vec<String>,
}

/// A failure of the case, described.
type Verdict = Result<(), String>;

impl<'a, S: Store> World<'a, S> {
    fn new(oms: &'a Oms<S>) -> World<'a, S> {
        let mut model = Model::default();
        let mut receipts = Vec::new();
        for (code, priority) in LOCATIONS {
            model.locations.insert(code.to_owned(), (priority, true));
        }
        for sku in SKUS {
            for ((code, _), units) in LOCATIONS.iter().zip(INITIAL_UNITS) {
                receipts.push((sku, *code, units));
                model.on_hand.insert((sku.to_owned(), (*code).to_owned()), units);
            }
        }
        stock(oms, &LOCATIONS, &receipts);
        World { oms, model, placed: Vec::new(), keys: BTreeMap::new(), trace: Vec::new() }
    }

    fn execute(&mut self, ops: &[Op]) -> Verdict {
        for (i, op) in ops.iter().enumerate() {
            self.step(op).map_err(|problem| format!("at op #{i} ({op:?}): {problem}"))?;
        }
        self.check_end_state()
    }

    fn step(&mut self, op: &Op) -> Verdict {
        match op {
            Op::Place { lines, key } => {
                let d = make_draft(lines, *key);
                let result = self.oms.place_order(&d);
                self.placement("place_order", &d, result)
            }
            Op::PlaceBatch { drafts } => {
                let drafts: Vec<OrderDraft> =
                    drafts.iter().map(|(lines, key)| make_draft(lines, *key)).collect();
                self.place_batch(&drafts)
            }
            Op::Retry { pick } => {
                if self.keys.is_empty() {
                    self.trace.push("  (no keyed order to retry)".into());
                    return Ok(());
                }
                let index = *pick as usize % self.keys.len();
                let d = self.keys.values().nth(index).expect("a key").0.clone();
                let result = self.oms.place_order(&d);
                self.placement("place_order", &d, result)
            }
            Op::Edit { order, edits } => {
                let (id, label) = self.pick_order(*order);
                let edits: Vec<OrderEdit> = edits
                    .iter()
                    .map(|e| match e {
                        EditOp::Add { sku, quantity } => OrderEdit::AddLine {
                            line: LineDraft::new(SKUS[*sku], *quantity, dec("10.00")),
                        },
                        EditOp::Remove { line } => {
                            OrderEdit::RemoveLine { line_id: self.pick_line(id, *line) }
                        }
                        EditOp::SetQuantity { line, quantity } => OrderEdit::SetQuantity {
                            line_id: self.pick_line(id, *line),
                            quantity: *quantity,
                        },
                    })
                    .collect();
                let prediction = self.model.edit(id, &edits);
                let result = self.oms.edit_order(id, &edits);
                self.order_call(
                    format!("edit_order({label}, {})", describe_edits(&edits)),
                    id,
                    prediction,
                    result,
                )
            }
            Op::CancelOrder { order } => {
                let (id, label) = self.pick_order(*order);
                let prediction = self.model.cancel_order(id);
                let result = self.oms.cancel_order(id, "changed my mind");
                self.order_call(format!("cancel_order({label})"), id, prediction, result)
            }
            Op::CancelLines { order, lines } => {
                let (id, label) = self.pick_order(*order);
                let cancels: Vec<LineCancel> = lines
                    .iter()
                    .map(|&(line, quantity)| LineCancel {
                        line_id: self.pick_line(id, line),
                        quantity,
                    })
                    .collect();
                let prediction = self.model.cancel_lines(id, &cancels);
                let result = self.oms.cancel_lines(id, &cancels, "out of patience");
                self.order_call(
                    format!("cancel_lines({label}, {cancels:?})"),
                    id,
                    prediction,
                    result,
                )
            }
            Op::Hold { order } => {
                let (id, label) = self.pick_order(*order);
                let prediction = self.model.hold(id);
                let result = self.oms.hold_order(id, "looks odd");
                self.order_call(format!("hold_order({label})"), id, prediction, result)
            }
            Op::Release { order } => {
                let (id, label) = self.pick_order(*order);
                let prediction = self.model.release_hold(id);
                let result = self.oms.release_hold(id);
                self.order_call(format!("release_hold({label})"), id, prediction, result)
            }
            Op::Receive { sku, location, units } => {
                let (sku, code) = (SKUS[*sku], LOCATIONS[*location].0);
                let prediction = self.model.stock_change(sku, code, *units);
                let result = self.oms.receive_stock(sku, code, *units, "PO-prop");
                self.stock_call(
                    format!("receive_stock({sku}, {code}, {units})"),
                    prediction,
                    result,
                )
            }
            Op::Adjust { sku, location, delta } => {
                let (sku, code) = (SKUS[*sku], LOCATIONS[*location].0);
                let prediction = self.model.stock_change(sku, code, *delta);
                let result = self.oms.adjust_stock(sku, code, *delta, "cycle count");
                self.stock_call(
                    format!("adjust_stock({sku}, {code}, {delta:+})"),
                    prediction,
                    result,
                )
            }
            Op::SetActive { location, active } => {
                let (code, _) = LOCATIONS[*location];
                let result = self.oms.set_location_active(code, *active);
                let call = format!("set_location_active({code}, {active})");
                match self.outcome(call, result)? {
                    Ok(location) if location.active == *active => {
                        self.model.locations.get_mut(code).expect("location").1 = *active;
                        Ok(())
                    }
                    Ok(location) => {
                        Err(format!("{code} came back with active={}", location.active))
                    }
                    Err(kind) => Err(format!("switching an existing location failed with {kind}")),
                }
            }
        }
    }

    /// Places `drafts` in one batch and checks each result as a placement.
    fn place_batch(&mut self, drafts: &[OrderDraft]) -> Verdict {
        let results = self.oms.place_orders(drafts);
        let results =
            match self.outcome(format!("place_orders({} drafts)", drafts.len()), results)? {
                Ok(results) => results,
                Err(kind) => {
                    return Err(format!("a batch of valid drafts failed as a whole with {kind}"))
                }
            };
        if results.len() != drafts.len() {
            return Err(format!("{} results for {} drafts", results.len(), drafts.len()));
        }
        for (i, (d, result)) in drafts.iter().zip(results).enumerate() {
            self.placement(&format!("  batch[{i}]"), d, result)?;
        }
        Ok(())
    }

    /// Checks the outcome of placing `d` against the model (idempotency
    /// keys, then stock) and books a new order.
    fn placement(
        &mut self,
        how: &str,
        d: &OrderDraft,
        result: Result<omskit_core::Order, Error>,
    ) -> Verdict {
        let key = d.idempotency_key.clone();
        let prediction = match key.as_ref().and_then(|k| self.keys.get(k)) {
            Some((first, id)) if first == d => Ok(Placement::Existing(*id)),
            Some(_) => Err("Conflict"),
            None => self.model.place(d).map(Placement::New),
        };
        let mut call = format!("{how}([{}]", describe_draft_lines(d));
        if let Some(k) = &key {
            call.push_str(&format!(", key {k}"));
        }
        call.push(')');
        match (prediction, self.outcome(call, result)?) {
            (Ok(Placement::Existing(id)), Ok(order)) => {
                if order.id != id {
                    return Err(format!(
                        "a retry returned {} instead of the first order, {}",
                        self.label(order.id),
                        self.label(id)
                    ));
                }
                self.check_order(id, &order)
            }
            (Ok(Placement::New(mut next)), Ok(order)) => {
                if self.model.orders.contains_key(&order.id) {
                    return Err(format!("a new placement returned {}", self.label(order.id)));
                }
                let model = next.orders.remove(&PENDING).expect("pending order");
                next.orders.insert(order.id, model);
                self.model = next;
                self.placed.push(order.id);
                if let Some(k) = key {
                    self.keys.insert(k, (d.clone(), order.id));
                }
                self.check_order(order.id, &order)
            }
            (Ok(_), Err(got)) => {
                Err(format!("the model expects the placement to succeed, got {got}"))
            }
            (Err(expected), Ok(order)) => Err(format!(
                "the model expects {expected}, the engine placed {}",
                self.label(order.id)
            )),
            (Err(expected), Err(got)) if expected == got => Ok(()),
            (Err(expected), Err(got)) => Err(format!("the model expects {expected}, got {got}")),
        }
    }

    /// Checks a use case on one order against the model's prediction.
    fn order_call(
        &mut self,
        call: String,
        id: OrderId,
        prediction: Prediction<Model>,
        result: Result<omskit_core::Order, Error>,
    ) -> Verdict {
        match (prediction, self.outcome(call, result)?) {
            (Ok(next), Ok(order)) => {
                if order.id != id {
                    return Err(format!("the engine returned {}", self.label(order.id)));
                }
                self.model = next;
                self.check_order(id, &order)
            }
            (Ok(_), Err(got)) => Err(format!("the model expects success, got {got}")),
            (Err(expected), Ok(_)) => {
                Err(format!("the model expects {expected}, the call succeeded"))
            }
            (Err(expected), Err(got)) if expected == got => Ok(()),
            (Err(expected), Err(got)) => Err(format!("the model expects {expected}, got {got}")),
        }
    }

    /// Checks a receipt or adjustment against the model's prediction.
    fn stock_call(
        &mut self,
        call: String,
        prediction: Prediction<Model>,
        result: Result<omskit_core::StockLevel, Error>,
    ) -> Verdict {
        match (prediction, self.outcome(call, result)?) {
            (Ok(next), Ok(level)) => {
                self.model = next;
                let expected = (
                    self.model.on_hand(&level.sku, &level.location),
                    self.model.reserved(&level.sku, &level.location),
                );
                if (level.on_hand, level.reserved) != expected {
                    return Err(format!(
                        "the engine returned (on hand, reserved) = ({}, {}); the model has {expected:?}",
                        level.on_hand, level.reserved
                    ));
                }
                Ok(())
            }
            (Ok(_), Err(got)) => Err(format!("the model expects success, got {got}")),
            (Err(expected), Ok(_)) => {
                Err(format!("the model expects {expected}, the call succeeded"))
            }
            (Err(expected), Err(got)) if expected == got => Ok(()),
            (Err(expected), Err(got)) => Err(format!("the model expects {expected}, got {got}")),
        }
    }

    /// The engine's order (as returned) and its active reservations against the model.
    fn check_order(&self, id: OrderId, order: &omskit_core::Order) -> Verdict {
        let label = self.label(id);
        let model = self.model.orders.get(&id).expect("modelled order");
        let lines: BTreeMap<u32, (String, u32)> =
            order.lines.iter().map(|l| (l.id, (l.sku.clone(), l.quantity))).collect();
        if order.status != model.status || lines != model.lines {
            return Err(format!(
                "{label} is {:?} with lines {lines:?}; the model expects {:?} with lines {:?}",
                order.status, model.status, model.lines
            ));
        }
        let reservations = self.oms.reservations(id).map_err(|e| format!("reservations: {e:?}"))?;
        let mut engine: BTreeMap<(u32, String, String), i64> = BTreeMap::new();
        for r in reservations.iter().filter(|r| r.status == ReservationStatus::Active) {
            *engine.entry((r.line_id, r.location.clone(), r.sku.clone())).or_default() +=
                r.quantity;
        }
        let expected: BTreeMap<(u32, String, String), i64> = model
            .held
            .iter()
            .map(|((line, code), units)| {
                let sku = model.lines.get(line).map_or("?", |(s, _)| s.as_str());
                ((*line, code.clone(), sku.to_owned()), *units)
            })
            .collect();
        if engine != expected {
            return Err(format!(
                "{label}: active reservations (line, location, SKU) → units are {engine:?}; the model expects {expected:?}"
            ));
        }
        Ok(())
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
                self.trace.push(format!("  {call} -> {} ({e})", kind(&e)));
                match kind(&e) {
                    kind @ ("InsufficientStock" | "InvalidTransition" | "NotFound" | "Conflict"
                    | "Validation") => Ok(Err(kind)),
                    other => Err(format!("unexpected {other} error from {call}: {e:?}")),
                }
            }
        }
    }

    /// The order an index picks, and how the trace names it; an id that
    /// does not exist when nothing was placed yet.
    fn pick_order(&self, pick: u8) -> (OrderId, String) {
        if self.placed.is_empty() {
            return (OrderId::from_u128(u128::MAX - u128::from(pick)), "unknown order".into());
        }
        let index = pick as usize % self.placed.len();
        (self.placed[index], format!("order#{index}"))
    }

    /// The line id an index picks among the order's current lines (as the
    /// model knows them); an id that does not exist when the pick is 240 or
    /// more or the order is unknown.
    fn pick_line(&self, id: OrderId, pick: u8) -> u32 {
        match self.model.orders.get(&id) {
            Some(o) if pick < 240 && !o.lines.is_empty() => {
                *o.lines.keys().nth(pick as usize % o.lines.len()).expect("a line")
            }
            _ => 90 + u32::from(pick % 10),
        }
    }

    fn label(&self, id: OrderId) -> String {
        self.placed
            .iter()
            .position(|p| *p == id)
            .map_or_else(|| format!("order {id}"), |i| format!("order#{i}"))
    }

    /// After the sequence: the invariants, then the whole store against the model.
    fn check_end_state(&mut self) -> Verdict {
        let mut problems = invariant_violations(self.oms);

        let mut engine: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for sku in SKUS {
            for level in self.oms.stock_levels(sku).map_err(|e| format!("stock_levels: {e:?}"))? {
                engine.insert((level.sku, level.location), (level.on_hand, level.reserved));
            }
        }
        for sku in SKUS {
            let total: i64 = engine.iter().filter(|((s, _), _)| s == sku).map(|(_, l)| l.0).sum();
            let booked: i64 =
                self.model.on_hand.iter().filter(|((s, _), _)| s == sku).map(|(_, u)| u).sum();
            if total != booked {
                problems.push(format!(
                    "{sku}: {total} on hand in total; the receipts and adjustments that succeeded make {booked}"
                ));
            }
            for (code, _) in LOCATIONS {
                let key = (sku.to_owned(), code.to_owned());
                let actual = engine.get(&key).copied().unwrap_or((0, 0));
                let expected = (self.model.on_hand(sku, code), self.model.reserved(sku, code));
                if actual != expected {
                    problems.push(format!(
                        "{sku} at {code}: (on hand, reserved) = {actual:?}; the model has {expected:?}"
                    ));
                }
            }
        }

        let mut stored = Vec::new();
        loop {
            let after = stored.last().map(|o: &omskit_core::Order| o.id);
            let page = self.oms.orders(after, 1_000).map_err(|e| format!("orders: {e:?}"))?;
            if page.is_empty() {
                break;
            }
            stored.extend(page);
        }
        if stored.len() != self.model.orders.len() {
            problems.push(format!(
                "{} orders stored, {} placed",
                stored.len(),
                self.model.orders.len()
            ));
        }
        for order in &stored {
            if self.model.orders.contains_key(&order.id) {
                if let Err(problem) = self.check_order(order.id, order) {
                    problems.push(problem);
                }
            } else {
                problems.push(format!("{} was never placed", self.label(order.id)));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("after the sequence:\n{}", problems.join("\n")))
        }
    }
}

fn describe_edits(edits: &[OrderEdit]) -> String {
    let parts: Vec<String> = edits
        .iter()
        .map(|e| match e {
            OrderEdit::AddLine { line } => format!("AddLine({} × {})", line.sku, line.quantity),
            OrderEdit::RemoveLine { line_id } => format!("RemoveLine({line_id})"),
            OrderEdit::SetQuantity { line_id, quantity } => {
                format!("SetQuantity({line_id}, {quantity})")
            }
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn describe_draft_lines(d: &OrderDraft) -> String {
    let parts: Vec<String> =
        d.lines.iter().map(|l| format!("{} × {}", l.sku, l.quantity)).collect();
    parts.join(", ")
}

/// The variant name of an error.
fn kind(error: &Error) -> &'static str {
    match error {
        Error::Validation { .. } => "Validation",
        Error::UnknownCurrency { .. } => "UnknownCurrency",
        Error::CurrencyMismatch { .. } => "CurrencyMismatch",
        Error::Overflow { .. } => "Overflow",
        Error::NotFound { .. } => "NotFound",
        Error::InsufficientStock { .. } => "InsufficientStock",
        Error::InvalidTransition { .. } => "InvalidTransition",
        Error::Conflict { .. } => "Conflict",
        Error::Storage { .. } => "Storage",
        _ => "unknown",
    }
}
