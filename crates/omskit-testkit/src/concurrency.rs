//! Concurrency: many threads sharing one engine.
//!
//! `Oms<S>` is `Sync` whenever the store is (every [`Store`] is `Send + Sync`),
//! so the checks share one `&Oms<S>` between scoped threads. Each check starts
//! its threads together behind a barrier, counts every outcome by kind, fails
//! on any error kind it does not list as expected, and finishes with
//! [`assert_invariants`] and a verification of the audit chain.
//!
//! A check whose threads have not finished after [`DEADLOCK_TIMEOUT`] is
//! taken for a deadlock: it prints what it was doing and aborts the process
//! (a blocked thread cannot be unwound, and hanging forever helps nobody).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::{Error, LineCancel, LineDraft, Oms, OrderEdit, OrderId, OrderStatus, Store};

use crate::fixtures::{dec, draft, stock};
use crate::{assert_invariants, Factory};

/// How long the threads of one check may run before the check reports a
/// suspected deadlock and aborts the process.
pub const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs every check of this module with the sizes the in-memory store
/// finishes in a few seconds; slower backends call the checks one by one
/// with smaller numbers.
pub fn run<S: Store>(factory: Factory<'_, S>) {
    assert_engine_is_sync::<S>();
    check_scarce_stock_is_sold_exactly(factory, 8, 1_000, 5_000);
    check_crossed_lines_do_not_deadlock(factory, 8, 250);
    check_concurrent_changes_to_the_same_orders(factory, 8, 300);
    check_concurrent_idempotent_retries(factory, 8, 25, false);
}

/// Compiles only if the engine can be shared between threads.
fn assert_engine_is_sync<S: Store>() {
    fn is_sync<T: Sync>() {}
    is_sync::<Oms<S>>();
}

/// `threads` threads each place `orders_per_thread` one-unit orders of one
/// SKU against `units` units spread over two locations (3/5 at the preferred
/// one, the rest at the other).
///
/// Exactly `min(units, threads × orders_per_thread)` orders succeed; every
/// other attempt fails with `InsufficientStock` for 1 requested, 0
/// available (any other error fails the check, listed by kind); stock ends
/// with `units` on hand and one reserved unit per order, both locations
/// used; the invariants hold and the audit chain verifies.
pub fn check_scarce_stock_is_sold_exactly<S: Store>(
    factory: Factory<'_, S>,
    threads: usize,
    orders_per_thread: usize,
    units: i64,
) {
    assert!(threads >= 1 && units >= 1, "scarce stock needs a thread and a unit");
    const SKU: &str = "SCARCE-1";
    let oms = factory();
    let preferred = units * 3 / 5;
    let receipts: Vec<(&str, &str, i64)> =
        [(SKU, "WH-1", preferred), (SKU, "WH-2", units - preferred)]
            .into_iter()
            .filter(|r| r.2 > 0)
            .collect();
    stock(&oms, &[("WH-1", 1), ("WH-2", 2)], &receipts);

    let attempts = threads * orders_per_thread;
    let expected = units.min(attempts as i64);
    let outcomes = run_threads("scarce stock", threads, |_| {
        let mut placed = Vec::new();
        let mut errors = Tally::default();
        let mut odd_shortages = Vec::new();
        for _ in 0..orders_per_thread {
            match oms.place_order(&draft(&[(SKU, 1)])) {
                Ok(order) => placed.push(order.id),
                Err(e) => {
                    if let Error::InsufficientStock { sku, requested, available, .. } = &e {
                        if (sku.as_str(), *requested, *available) != (SKU, 1, 0) {
                            odd_shortages.push(e.clone());
                        }
                    }
                    errors.add(&e);
                }
            }
        }
        (placed, errors, odd_shortages)
    });

    let mut placed = Vec::new();
    let mut errors = Tally::default();
    let mut odd_shortages = Vec::new();
    for (ids, tally, odd) in outcomes {
        placed.extend(ids);
        errors.merge(tally);
        odd_shortages.extend(odd);
    }
    errors.assert_only(&["InsufficientStock"], "placing one-unit orders of scarce stock");
    assert_eq!(
        placed.len() as i64,
        expected,
        "{attempts} attempts on {units} units: {} orders placed, {expected} expected ({errors})",
        placed.len()
    );
    assert_eq!(
        errors.count("InsufficientStock") as i64,
        attempts as i64 - expected,
        "every attempt beyond the stock must fail with InsufficientStock"
    );
    assert!(
        odd_shortages.is_empty(),
        "a one-unit order may only be short when nothing is left; got {} other shortages, first: {:?}",
        odd_shortages.len(),
        odd_shortages.first()
    );
    let distinct: HashSet<OrderId> = placed.iter().copied().collect();
    assert_eq!(distinct.len(), placed.len(), "two threads were handed the same order id");
    assert_eq!(all_orders(&oms).len(), placed.len(), "orders stored vs orders placed");

    let levels = oms.stock_levels(SKU).expect("stock levels");
    let on_hand: i64 = levels.iter().map(|l| l.on_hand).sum();
    let reserved: i64 = levels.iter().map(|l| l.reserved).sum();
    assert_eq!((on_hand, reserved), (units, expected), "(on hand, reserved) of {SKU}: {levels:?}");
    if expected == units {
        for level in &levels {
            assert_eq!(level.reserved, level.on_hand, "every location sold out: {level:?}");
        }
    }
    assert_eq!(
        oms.available(SKU).expect("available"),
        units - expected,
        "available after the rush"
    );
    assert_invariants(&oms);
    assert_audit_chain_intact(&oms);
}

/// Threads place multi-line orders over three SKUs, each thread listing the
/// SKUs in a different order (one orders [X, Y, Z], another [Z, Y, X]...),
/// with more demand than stock. No thread may block forever (see
/// [`DEADLOCK_TIMEOUT`]); the only errors allowed are `InsufficientStock`
/// and `Conflict` (a backend giving up on a serialization failure); each
/// SKU ends with exactly the units of the placed orders reserved, on hand
/// unchanged; the invariants hold and the audit chain verifies.
pub fn check_crossed_lines_do_not_deadlock<S: Store>(
    factory: Factory<'_, S>,
    threads: usize,
    orders_per_thread: usize,
) {
    const SKUS: [&str; 3] = ["CROSS-X", "CROSS-Y", "CROSS-Z"];
    const PERMUTATIONS: [[usize; 3]; 6] =
        [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1], [0, 2, 1], [1, 2, 0]];
    let oms = factory();
    // About three quarters of what the orders ask for, so some fail.
    let per_sku = ((threads * orders_per_thread) as i64 * 3 / 4).max(2);
    let receipts: Vec<(&str, &str, i64)> = SKUS
        .iter()
        .flat_map(|sku| [(*sku, "WH-1", per_sku / 2), (*sku, "WH-2", per_sku - per_sku / 2)])
        .collect();
    stock(&oms, &[("WH-1", 1), ("WH-2", 2)], &receipts);

    let outcomes = run_threads("crossed lines", threads, |t| {
        let mut placed: Vec<Vec<(&'static str, i64)>> = Vec::new();
        let mut errors = Tally::default();
        for i in 0..orders_per_thread {
            let permutation = PERMUTATIONS[(t + i) % PERMUTATIONS.len()];
            let width = 2 + (i % 2);
            let lines: Vec<(&'static str, i64)> = permutation[..width]
                .iter()
                .enumerate()
                .map(|(k, &s)| (SKUS[s], 1 + ((t + i + k) % 2) as i64))
                .collect();
            match oms.place_order(&draft(&lines)) {
                Ok(_) => placed.push(lines),
                Err(e) => errors.add(&e),
            }
        }
        (placed, errors)
    });

    let mut reserved_by_orders: BTreeMap<&str, i64> = BTreeMap::new();
    let mut errors = Tally::default();
    let mut successes = 0;
    for (placed, tally) in outcomes {
        successes += placed.len();
        for (sku, quantity) in placed.iter().flatten() {
            *reserved_by_orders.entry(sku).or_default() += quantity;
        }
        errors.merge(tally);
    }
    errors.assert_only(&["InsufficientStock", "Conflict"], "placing orders with crossed lines");
    assert!(successes > 0, "no order with crossed lines was placed ({errors})");
    for sku in SKUS {
        let levels = oms.stock_levels(sku).expect("stock levels");
        let on_hand: i64 = levels.iter().map(|l| l.on_hand).sum();
        let reserved: i64 = levels.iter().map(|l| l.reserved).sum();
        let expected = reserved_by_orders.get(sku).copied().unwrap_or(0);
        assert_eq!(
            (on_hand, reserved),
            (per_sku, expected),
            "(on hand, reserved) of {sku} vs (received, units of placed orders)"
        );
    }
    assert_eq!(all_orders(&oms).len(), successes, "orders stored vs orders placed");
    assert_invariants(&oms);
    assert_audit_chain_intact(&oms);
}

/// Threads cancel, cancel lines of, edit, hold, release and place orders,
/// all picking from one shared pool of orders, so they keep changing the
/// same orders under each other's feet.
///
/// The allowed errors, and why each can happen here:
/// - `NotFound`: a line another thread removed (or that never existed);
/// - `InvalidTransition`: an order another thread cancelled, or a release
///   of an order that is not on hold;
/// - `Validation`: removing the last remaining line, or cancelling a line
///   another thread already cancelled to zero units;
/// - `InsufficientStock`: an edit or a new order asking for more than is left;
/// - `Conflict`: a backend giving up on a serialization failure.
///
/// Any other error fails the check. Afterwards the invariants hold, each
/// SKU's reserved units equal the open units of the live orders, every
/// active reservation is for its line's SKU, and the audit chain verifies.
pub fn check_concurrent_changes_to_the_same_orders<S: Store>(
    factory: Factory<'_, S>,
    threads: usize,
    rounds_per_thread: usize,
) {
    const SKUS: [&str; 3] = ["SAME-P", "SAME-Q", "SAME-R"];
    let oms = factory();
    let per_location = (threads * rounds_per_thread / 4).max(20) as i64;
    let receipts: Vec<(&str, &str, i64)> = SKUS
        .iter()
        .flat_map(|sku| [(*sku, "WH-1", per_location), (*sku, "WH-2", per_location)])
        .collect();
    stock(&oms, &[("WH-1", 1), ("WH-2", 2)], &receipts);
    let mut pool = Vec::new();
    for i in 0..(threads * 4).max(8) {
        let lines = [(SKUS[i % 3], 1 + (i % 3) as i64), (SKUS[(i + 1) % 3], 1)];
        pool.push(oms.place_order(&draft(&lines)).expect("setting up the shared orders").id);
    }
    let pool = Mutex::new(pool);

    let outcomes = run_threads("changes to the same orders", threads, |t| {
        let mut rng = XorShift::new(t as u64);
        let mut errors = Tally::default();
        let mut done: BTreeMap<&'static str, usize> = BTreeMap::new();
        for _ in 0..rounds_per_thread {
            let id = {
                let pool = pool.lock().unwrap_or_else(|p| p.into_inner());
                pool[rng.below(pool.len())]
            };
            let line_id = 1 + rng.below(4) as u32;
            let s = rng.below(3);
            let sku = SKUS[s];
            let quantity = 1 + rng.below(3) as i64;
            let (op, result): (&'static str, Result<(), Error>) = match rng.below(9) {
                0 => ("cancel_order", oms.cancel_order(id, "customer asked").map(drop)),
                1 => {
                    let cancel = LineCancel {
                        line_id,
                        quantity: if rng.below(2) == 0 { None } else { Some(1) },
                    };
                    ("cancel_lines", oms.cancel_lines(id, &[cancel], "out of patience").map(drop))
                }
                2 | 3 => {
                    let edit = OrderEdit::SetQuantity { line_id, quantity };
                    ("edit", oms.edit_order(id, &[edit]).map(drop))
                }
                4 => {
                    let line = LineDraft::new(sku, quantity, dec("10.00"));
                    ("edit", oms.edit_order(id, &[OrderEdit::AddLine { line }]).map(drop))
                }
                5 => ("edit", oms.edit_order(id, &[OrderEdit::RemoveLine { line_id }]).map(drop)),
                6 => ("hold", oms.hold_order(id, "checking the address").map(drop)),
                7 => ("release_hold", oms.release_hold(id).map(drop)),
                _ => {
                    let lines = [(sku, quantity), (SKUS[(s + 1 + rng.below(2)) % 3], 1)];
                    let result = oms.place_order(&draft(&lines)).map(|order| {
                        pool.lock().unwrap_or_else(|p| p.into_inner()).push(order.id);
                    });
                    ("place_order", result)
                }
            };
            match result {
                Ok(()) => *done.entry(op).or_default() += 1,
                Err(e) => errors.add(&e),
            }
        }
        (done, errors)
    });

    let mut done: BTreeMap<&str, usize> = BTreeMap::new();
    let mut errors = Tally::default();
    for (d, tally) in outcomes {
        for (op, n) in d {
            *done.entry(op).or_default() += n;
        }
        errors.merge(tally);
    }
    errors.assert_only(
        &["NotFound", "InvalidTransition", "Validation", "InsufficientStock", "Conflict"],
        "changing the same orders from several threads",
    );
    for op in ["cancel_order", "edit", "place_order"] {
        assert!(done.get(op).copied().unwrap_or(0) > 0, "no {op} succeeded: {done:?}, {errors}");
    }
    assert_invariants(&oms);
    assert_reservations_match_live_lines(&oms, &SKUS);
    assert_audit_chain_intact(&oms);
}

/// `threads` threads place the same draft with the same idempotency key at
/// the same moment, `rounds` times (a new key each round).
///
/// The engine looks the key up and inserts the order in one write
/// transaction, so on a store that serializes conflicting transactions (or
/// reports the collision as a retryable failure, which the engine retries)
/// every thread gets the first order back. The documented escape is
/// `Conflict`, when a backend reports the duplicate key as a conflict or
/// gives up retrying: it is accepted only when `conflict_allowed`
/// ([`run`] passes false: the in-memory store must hand every thread the
/// same order). In every case exactly one order exists per key, at least
/// one thread got it, and its stock is reserved once.
pub fn check_concurrent_idempotent_retries<S: Store>(
    factory: Factory<'_, S>,
    threads: usize,
    rounds: usize,
    conflict_allowed: bool,
) {
    const SKUS: [&str; 2] = ["IDEM-A", "IDEM-B"];
    let oms = factory();
    let per_location = (rounds * 3) as i64;
    stock(
        &oms,
        &[("WH-1", 1), ("WH-2", 2)],
        &[
            (SKUS[0], "WH-1", per_location),
            (SKUS[0], "WH-2", per_location),
            (SKUS[1], "WH-1", per_location),
            (SKUS[1], "WH-2", per_location),
        ],
    );
    let allowed: &[&str] = if conflict_allowed { &["Conflict"] } else { &[] };
    let mut ids = Vec::new();
    for round in 0..rounds {
        let key = format!("retry-{round}");
        let retry = draft(&[(SKUS[0], 2), (SKUS[1], 1)]).idempotency_key(key.as_str());
        let results = run_threads("idempotent retries", threads, |_| oms.place_order(&retry));
        let mut errors = Tally::default();
        let mut got = BTreeSet::new();
        let mut first = None;
        for result in results {
            match result {
                Ok(order) => {
                    got.insert(order.id);
                    match &first {
                        None => first = Some(order),
                        Some(f) => assert_eq!(
                            (&f.lines, &f.totals),
                            (&order.lines, &order.totals),
                            "two threads retrying key {key} got different orders back"
                        ),
                    }
                }
                Err(e) => errors.add(&e),
            }
        }
        errors.assert_only(allowed, &format!("retrying key {key} from {threads} threads"));
        assert_eq!(
            got.len(),
            1,
            "{threads} threads placing key {key}: order ids returned {got:?} ({errors}); exactly one expected"
        );
        ids.extend(got);
    }

    let orders = all_orders(&oms);
    assert_eq!(orders.len(), rounds, "one order per idempotency key, got {}", orders.len());
    let stored: BTreeSet<OrderId> = orders.iter().map(|o| o.id).collect();
    let returned: BTreeSet<OrderId> = ids.iter().copied().collect();
    assert_eq!(stored, returned, "the orders stored are the ones the threads got back");
    let placed_events = events(&oms).iter().filter(|e| e.kind == "OrderPlaced").count();
    assert_eq!(placed_events, rounds, "one OrderPlaced event per idempotency key");
    for (sku, per_order) in [(SKUS[0], 2), (SKUS[1], 1)] {
        let reserved: i64 = oms.stock_levels(sku).expect("stock").iter().map(|l| l.reserved).sum();
        assert_eq!(reserved, per_order * rounds as i64, "{sku} reserved once per key");
    }
    assert_invariants(&oms);
    assert_audit_chain_intact(&oms);
}

/// Runs `work(thread index)` on `threads` scoped threads released together
/// by a barrier, and returns their results in thread order. A panic in a
/// thread is re-raised here; threads still running after
/// [`DEADLOCK_TIMEOUT`] abort the process as a suspected deadlock.
fn run_threads<R: Send>(what: &str, threads: usize, work: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let barrier = Barrier::new(threads);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let done = done_tx.clone();
                let (barrier, work) = (&barrier, &work);
                scope.spawn(move || {
                    barrier.wait();
                    let result = work(t);
                    let _ = done.send(());
                    result
                })
            })
            .collect();
        drop(done_tx);
        let deadline = Instant::now() + DEADLOCK_TIMEOUT;
        let mut finished = 0;
        while finished < threads {
            match done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(()) => finished += 1,
                // Every sender is gone: the rest panicked; joining re-raises it.
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    eprintln!(
                        "omskit-testkit concurrency check {what:?}: {} of {threads} threads still \
                         running after {DEADLOCK_TIMEOUT:?}; suspected deadlock, aborting",
                        threads - finished
                    );
                    std::process::abort();
                }
            }
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// The variant name of an error, for counting outcomes by kind.
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

/// Errors counted by kind, with the first one of each kind kept as an example.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<&'static str, (usize, Option<Error>)>,
}

impl Tally {
    fn add(&mut self, error: &Error) {
        let entry = self.counts.entry(kind(error)).or_insert((0, None));
        entry.0 += 1;
        entry.1.get_or_insert_with(|| error.clone());
    }

    fn merge(&mut self, other: Tally) {
        for (kind, (n, example)) in other.counts {
            let entry = self.counts.entry(kind).or_insert((0, None));
            entry.0 += n;
            if entry.1.is_none() {
                entry.1 = example;
            }
        }
    }

    fn count(&self, kind: &str) -> usize {
        self.counts.get(kind).map_or(0, |(n, _)| *n)
    }

    /// Panics, listing every kind with a count and an example, if any error
    /// is of a kind not in `allowed`.
    fn assert_only(&self, allowed: &[&str], doing: &str) {
        let unexpected: Vec<String> = self
            .counts
            .iter()
            .filter(|(kind, _)| !allowed.contains(kind))
            .map(|(kind, (n, example))| format!("{n} × {kind}, first: {example:?}"))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{doing}: unexpected errors (allowed: {allowed:?}):\n{}\nall errors: {self}",
            unexpected.join("\n")
        );
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.counts.is_empty() {
            return f.write_str("no errors");
        }
        let parts: Vec<String> =
            self.counts.iter().map(|(kind, (n, _))| format!("{n} × {kind}")).collect();
        f.write_str(&parts.join(", "))
    }
}

/// A small deterministic random source, one per thread.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn all_orders<S: Store>(oms: &Oms<S>) -> Vec<omskit_core::Order> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = oms.orders(after, 1_000).expect("orders");
        match page.last() {
            Some(last) => after = Some(last.id),
            None => return out,
        }
        out.extend(page);
    }
}

fn events<S: Store>(oms: &Oms<S>) -> Vec<omskit_core::EventRecord> {
    let mut out = Vec::new();
    loop {
        let after = out.last().map_or(0, |e: &omskit_core::EventRecord| e.seq);
        let page = oms.events_since(after, 10_000).expect("events");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

fn assert_audit_chain_intact<S: Store>(oms: &Oms<S>) {
    let report = oms.verify_audit_chain().expect("audit chain readable");
    assert!(report.is_intact(), "audit chain broken: {:?}", report.first_broken);
}

/// Each SKU's reserved units equal the open units of live orders' lines of
/// that SKU, and every active reservation is for its line's SKU.
fn assert_reservations_match_live_lines<S: Store>(oms: &Oms<S>, skus: &[&str]) {
    let orders = all_orders(oms);
    let mut problems = Vec::new();
    for sku in skus {
        let reserved: i64 = oms.stock_levels(sku).expect("stock").iter().map(|l| l.reserved).sum();
        let open: i64 = orders
            .iter()
            .filter(|o| o.status != OrderStatus::Cancelled)
            .flat_map(|o| &o.lines)
            .filter(|l| l.sku == *sku)
            .map(|l| i64::from(l.quantity))
            .sum();
        if reserved != open {
            problems
                .push(format!("{sku}: {reserved} units reserved, live orders have {open} open"));
        }
    }
    for order in &orders {
        for r in oms.reservations(order.id).expect("reservations") {
            if r.status != omskit_core::ReservationStatus::Active {
                continue;
            }
            match order.lines.iter().find(|l| l.id == r.line_id) {
                Some(line) if line.sku == r.sku => {}
                Some(line) => problems.push(format!(
                    "order {} line {} is {} but reservation {} holds {} × {}",
                    order.id, line.id, line.sku, r.id, r.quantity, r.sku
                )),
                None => problems.push(format!(
                    "reservation {} for missing line {} of order {}",
                    r.id, r.line_id, order.id
                )),
            }
        }
    }
    assert!(problems.is_empty(), "reservations disagree with the orders:\n{}", problems.join("\n"));
}
