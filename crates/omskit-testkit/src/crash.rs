//! The crash-safety harness every storage backend runs against itself: a
//! writer process killed with SIGKILL in the middle of its writes loses
//! nothing it was told was committed and leaves nothing half-written.
//!
//! A backend's test binary re-executes itself as the writer. It holds two
//! tests:
//!
//! - `crash_child` (the name [`run_and_kill`] runs), which returns at once
//!   unless an environment variable of the backend names a store, and
//!   otherwise calls [`run_child`] with a function that opens that store;
//! - the test proper, which calls [`run`] with a [`CrashTarget`]: how the
//!   child finds the store, how the parent reopens it, and what to do after
//!   each kill.
//!
//! [`run`] stocks the store, then [`ROUNDS`] times starts a child, which
//! places, replays, cancels and edits orders ([`write_until_killed`]),
//! printing a line after every use case that returned `Ok`, SIGKILLs it at a
//! random moment, reopens the store and checks what is there against
//! everything the children reported ([`verify`]).
//!
//! Unix only: the harness checks that each child ended by signal 9.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::fmt::Debug;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::{
    Channel, Currency, LineDraft, Oms, Order, OrderDraft, OrderEdit, OrderId, OrderStatus,
    ReservationStatus, Store,
};

use crate::assert_invariants;
use crate::fixtures::{address, dec, stock};

/// Prefix of the idempotency keys the child uses (one per round).
pub const TAG_ENV: &str = "OMSKIT_CRASH_TAG";
/// The child's random seed; the parent's can be fixed with `OMSKIT_CRASH_SEED`.
pub const SEED_ENV: &str = "OMSKIT_CRASH_SEED";
/// Kills per run.
pub const ROUNDS: usize = 25;
/// The name of the test that is the child: [`run_and_kill`] runs the test
/// binary with it as the filter.
pub const CHILD_TEST: &str = "crash_child";

/// The SKUs the child orders.
pub const SKUS: [&str; 4] = ["SKU-A", "SKU-B", "SKU-C", "SKU-D"];
/// The locations `(code, priority)` [`run`] adds before the first round.
pub const LOCATIONS: [(&str, i32); 3] = [("L1", 1), ("L2", 2), ("L3", 3)];
/// The receipts `(sku, location, units)` [`run`] books before the first
/// round: every SKU at two or three locations; the preferred one holds
/// little, so lines soon split across locations.
pub const RECEIPTS: [(&str, &str, i64); 9] = [
    ("SKU-A", "L1", 40),
    ("SKU-A", "L2", 100_000),
    ("SKU-A", "L3", 100_000),
    ("SKU-B", "L1", 30),
    ("SKU-B", "L3", 100_000),
    ("SKU-C", "L2", 25),
    ("SKU-C", "L3", 100_000),
    ("SKU-D", "L1", 20),
    ("SKU-D", "L2", 100_000),
];

/// xorshift64*: enough randomness for delays and workloads, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 counts as 1).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The next number below `n` (which must not be 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// A seed from `OMSKIT_CRASH_SEED`, or from the clock and the process id.
pub fn seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()) {
        return seed;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

// ---------------------------------------------------------------- the child

/// The body of a backend's `crash_child` test once it knows its store:
/// opens it with `open`, then writes until killed ([`write_until_killed`],
/// keys prefixed with `OMSKIT_CRASH_TAG`, randomness from [`seed`]). A
/// failure is reported as a line `error {action} {e:?}` (opening) or
/// `error {e}` (writing) and ends the process with code 3; running out of
/// time (never killed: the parent is gone or stuck) ends it with code 4.
pub fn run_child<S: Store, E: Debug>(action: &str, open: impl FnOnce() -> Result<S, E>) -> ! {
    let tag = std::env::var(TAG_ENV).unwrap_or_else(|_| "k".into());
    let mut rng = Rng::new(seed());
    let oms = match open() {
        Ok(store) => Oms::new(store),
        Err(e) => {
            say(&format!("error {action} {e:?}"));
            std::process::exit(3);
        }
    };
    if let Err(e) = write_until_killed(&oms, &tag, &mut rng) {
        say(&format!("error {e}"));
        std::process::exit(3);
    }
    // Never killed: the parent is gone or stuck. End rather than run forever.
    std::process::exit(4);
}

/// Prints one line to stdout and flushes it, so the parent has it before
/// the next use case starts.
pub fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A random draft of 1 to 3 lines over distinct [`SKUS`], with the
/// idempotency key `key`.
pub fn random_draft(rng: &mut Rng, key: &str) -> OrderDraft {
    const PRICES: [&str; 3] = ["9.99", "10.00", "24.50"];
    let mut draft = OrderDraft::new(Channel::Web, Currency::USD)
        .customer(format!("c-{}", rng.below(50)), "Ada Lovelace", "ada@example.com")
        .ship_to(address())
        .idempotency_key(key);
    let first = rng.below(SKUS.len() as u64) as usize;
    let lines = 1 + rng.below(3) as usize;
    for i in 0..lines {
        let sku = SKUS[(first + i) % SKUS.len()];
        let price = dec(PRICES[rng.below(PRICES.len() as u64) as usize]);
        let quantity = 1 + rng.below(4) as i64;
        draft = draft.line(LineDraft::new(sku, quantity, price).tax_rate(dec("0.0825")));
    }
    if rng.below(2) == 0 {
        draft = draft.shipping(dec("4.95"));
    }
    draft
}

/// Places orders (and now and then replays, cancels or edits one) until the
/// process is killed, reporting each success on stdout (the lines
/// [`Transcript::add`] reads). Orders of earlier rounds are cancelled and
/// edited too. Returns `Ok` after 60 s; the first failure as `Err`.
pub fn write_until_killed<S: Store>(oms: &Oms<S>, tag: &str, rng: &mut Rng) -> Result<(), String> {
    let mut live: Vec<(OrderId, Vec<u32>)> = Vec::new();
    let mut after = None;
    loop {
        let page = oms.orders(after, 500).map_err(|e| format!("orders: {e:?}"))?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        live.extend(
            page.iter()
                .filter(|o| o.status != OrderStatus::Cancelled)
                .map(|o| (o.id, o.lines.iter().map(|l| l.id).collect())),
        );
    }
    // libtest has written "test crash_child ... " without a newline: end that line first.
    say("");
    say("ready");
    let stop = Instant::now() + Duration::from_secs(60);
    let mut last_placed: Option<(String, OrderDraft, OrderId)> = None;
    let mut n = 0u64;
    while Instant::now() < stop {
        match rng.below(10) {
            0..=6 => {
                n += 1;
                let key = format!("{tag}-{n}");
                let draft = random_draft(rng, &key);
                say(&format!("placing {key}"));
                let order = oms.place_order(&draft).map_err(|e| format!("place {key}: {e:?}"))?;
                say(&format!("committed {} {key}", order.id));
                live.push((order.id, order.lines.iter().map(|l| l.id).collect()));
                last_placed = Some((key, draft, order.id));
            }
            7 => {
                // An idempotent retry returns the first order.
                let Some((key, draft, id)) = &last_placed else { continue };
                let order = oms.place_order(draft).map_err(|e| format!("replay {key}: {e:?}"))?;
                if order.id != *id {
                    return Err(format!("replay of {key} gave {} instead of {id}", order.id));
                }
                say(&format!("replayed {id} {key}"));
            }
            8 => {
                if live.is_empty() {
                    continue;
                }
                let (id, _) = live.swap_remove(rng.below(live.len() as u64) as usize);
                say(&format!("cancelling {id}"));
                oms.cancel_order(id, "crash test").map_err(|e| format!("cancel {id}: {e:?}"))?;
                say(&format!("cancelled {id}"));
            }
            _ => {
                if live.is_empty() {
                    continue;
                }
                let i = rng.below(live.len() as u64) as usize;
                let (id, lines) = &live[i];
                let edit = if rng.below(2) == 0 {
                    OrderEdit::SetQuantity { line_id: lines[0], quantity: 1 + rng.below(5) as i64 }
                } else {
                    let sku = SKUS[rng.below(SKUS.len() as u64) as usize];
                    let line = LineDraft::new(sku, 1 + rng.below(3) as i64, dec("3.30"))
                        .tax_rate(dec("0.0825"));
                    OrderEdit::AddLine { line }
                };
                say(&format!("editing {id}"));
                let order =
                    oms.edit_order(*id, &[edit]).map_err(|e| format!("edit {id}: {e:?}"))?;
                say(&format!("edited {id} {}", order.version));
                live[i].1 = order.lines.iter().map(|l| l.id).collect();
            }
        }
    }
    Ok(())
}

// --------------------------------------------------------------- the parent

/// What one child reported before it was killed.
#[derive(Debug, Default)]
pub struct Transcript {
    /// The child has opened the store and is about to write.
    pub ready: bool,
    /// The idempotency keys it started to place orders with, in order.
    pub placing: Vec<String>,
    /// The orders it was told were committed, with their keys.
    pub committed: Vec<(OrderId, String)>,
    /// How many idempotent replays returned the first order.
    pub replayed: usize,
    /// The orders it cancelled.
    pub cancelled: Vec<OrderId>,
    /// The orders it edited, with the version each edit returned.
    pub edited: Vec<(OrderId, u64)>,
    /// The `error` lines it printed.
    pub errors: Vec<String>,
    /// The use case started and not reported done when the output ended:
    /// what the kill interrupted (`None`: a replay or the gap between calls).
    pub in_flight: Option<&'static str>,
}

impl Transcript {
    /// Takes in one line of the child's stdout; other lines (libtest's own
    /// output) are ignored.
    pub fn add(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let id = |i: usize| -> OrderId {
            words[i].parse().unwrap_or_else(|e| panic!("bad order id in {line:?}: {e}"))
        };
        match words.as_slice() {
            ["ready"] => self.ready = true,
            ["placing", key] => {
                self.placing.push((*key).to_owned());
                self.in_flight = Some("place");
            }
            ["committed", _, key] => {
                self.committed.push((id(1), (*key).to_owned()));
                self.in_flight = None;
            }
            ["replayed", _, _] => self.replayed += 1,
            ["cancelling", _] => self.in_flight = Some("cancel"),
            ["cancelled", _] => {
                self.cancelled.push(id(1));
                self.in_flight = None;
            }
            ["editing", _] => self.in_flight = Some("edit"),
            ["edited", _, version] => {
                self.edited.push((id(1), version.parse().expect("edited version")));
                self.in_flight = None;
            }
            ["error", ..] => self.errors.push(line.to_owned()),
            // libtest's own output ("running 1 test" ...).
            _ => {}
        }
    }

    /// Takes in every line already received.
    fn add_all(&mut self, lines: Receiver<String>) {
        for line in lines.try_iter() {
            self.add(&line);
        }
    }
}

/// Reads the child's stdout on a thread: complete lines only (a line cut by
/// the kill is dropped).
fn read_lines(child: &mut Child) -> (Receiver<String>, thread::JoinHandle<()>) {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match stdout.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line.ends_with('\n') => {
                    if tx.send(line.trim_end().to_owned()).is_err() {
                        return;
                    }
                }
                Ok(_) => return,
            }
        }
    });
    (rx, reader)
}

/// Kills the child if the parent panics before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the test binary's [`CHILD_TEST`] with `env` (which names the store)
/// plus the round's `tag` and `seed`, and SIGKILLs it 5 to 80 ms (drawn
/// from `rng`) after it is ready. Panics unless the kill ended it and it
/// reported no error; returns what it reported and the delay.
pub fn run_and_kill(
    env: Vec<(&'static str, OsString)>,
    tag: &str,
    seed: u64,
    rng: &mut Rng,
) -> (Transcript, Duration) {
    let exe = std::env::current_exe().expect("test binary path");
    let child = Command::new(exe)
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .envs(env)
        .env(TAG_ENV, tag)
        .env(SEED_ENV, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the child");
    let mut child = KillOnDrop(child);
    let (lines, reader) = read_lines(&mut child.0);
    let mut transcript = Transcript::default();
    while !transcript.ready {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => transcript.add(&line),
            Err(e) => panic!("child {tag} never got ready ({e}); errors: {:?}", transcript.errors),
        }
    }
    let delay = Duration::from_millis(5 + rng.below(76));
    thread::sleep(delay);
    child.0.kill().expect("SIGKILL the child");
    let status = child.0.wait().expect("reap the child");
    reader.join().expect("stdout reader");
    transcript.add_all(lines);
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "child {tag} ended by itself ({status}) instead of being killed: {:?}",
            transcript.errors
        );
    }
    assert!(transcript.errors.is_empty(), "child {tag} failed: {:?}", transcript.errors);
    (transcript, delay)
}

/// Everything the children reported over all rounds so far.
#[derive(Debug, Default)]
pub struct Reported {
    /// Idempotency keys a child started to place with.
    pub announced: BTreeSet<String>,
    /// Orders a child was told were committed, by id, with their key.
    pub committed: BTreeMap<OrderId, String>,
    /// Orders a child was told were cancelled.
    pub cancelled: BTreeSet<OrderId>,
    /// The highest version a child was given back by an edit.
    pub edited: HashMap<OrderId, u64>,
}

impl Reported {
    /// Adds what one more child reported.
    pub fn extend(&mut self, transcript: &Transcript) {
        self.announced.extend(transcript.placing.iter().cloned());
        self.committed.extend(transcript.committed.iter().map(|(id, k)| (*id, k.clone())));
        self.cancelled.extend(transcript.cancelled.iter().copied());
        for (id, version) in &transcript.edited {
            let best = self.edited.entry(*id).or_default();
            *best = (*best).max(*version);
        }
    }
}

/// Every order, page by page.
pub fn all_orders<S: Store>(oms: &Oms<S>) -> Vec<Order> {
    let mut orders = Vec::new();
    let mut after = None;
    loop {
        let page = oms.orders(after, 500).expect("list orders");
        let Some(last) = page.last() else { return orders };
        after = Some(last.id);
        orders.extend(page);
    }
}

/// Panics unless the order is whole: it has lines, its totals add up, and
/// its active reservations cover exactly its open units (none when cancelled).
pub fn assert_whole<S: Store>(oms: &Oms<S>, order: &Order) {
    let id = order.id;
    assert!(!order.lines.is_empty(), "order {id} has no lines");
    let t = &order.totals;
    assert_eq!(
        t.grand_total,
        t.subtotal - t.discounts + t.tax + t.shipping,
        "order {id}: totals do not add up: {t:?}"
    );
    let gross: rust_decimal::Decimal = order.lines.iter().map(|l| l.gross).sum();
    let tax: rust_decimal::Decimal = order.lines.iter().map(|l| l.tax).sum();
    assert_eq!((t.subtotal, t.tax), (gross, tax), "order {id}: totals differ from its lines");
    assert_eq!(
        order.status == OrderStatus::Cancelled,
        order.cancel_reason.is_some(),
        "order {id}: status {} with cancel reason {:?}",
        order.status,
        order.cancel_reason
    );
    let reservations = oms.reservations(id).expect("reservations of a listed order");
    assert!(!reservations.is_empty(), "order {id} has no reservations at all");
    let mut held: BTreeMap<u32, i64> = BTreeMap::new();
    for r in reservations.iter().filter(|r| r.status == ReservationStatus::Active) {
        assert_eq!(r.order_id, id, "reservation {} of order {id} names {}", r.id, r.order_id);
        *held.entry(r.line_id).or_default() += r.quantity;
    }
    for line in &order.lines {
        let expected =
            if order.status == OrderStatus::Cancelled { 0 } else { i64::from(line.quantity) };
        let found = held.remove(&line.id).unwrap_or(0);
        assert_eq!(found, expected, "order {id} line {}: {found} units reserved", line.id);
    }
    assert!(held.is_empty(), "order {id}: reservations for lines it does not have: {held:?}");
}

/// Counts of one verification.
#[derive(Debug, Default)]
pub struct Checked {
    /// Orders in the store.
    pub orders: usize,
    /// Orders in the store that no child reported, over all rounds.
    pub unreported: usize,
    /// Of those, the ones the last child was placing when it was killed.
    pub unreported_this_round: usize,
}

/// Checks the store, through a freshly opened `oms`, against everything
/// reported so far (`round` is what the last child reported): every
/// reported order, cancel and edit is there, every order is whole
/// ([`assert_whole`]) and has a key some child announced, at most one order
/// of this round went unreported (the call in flight at the kill), each
/// order has exactly one `OrderPlaced` event, the invariants hold and the
/// audit chain verifies over the whole log. Panics otherwise.
pub fn verify<S: Store>(oms: &Oms<S>, reported: &Reported, round: &Transcript) -> Checked {
    let orders = all_orders(oms);
    let by_id: HashMap<OrderId, &Order> = orders.iter().map(|o| (o.id, o)).collect();

    for (id, key) in &reported.committed {
        let order = by_id.get(id).unwrap_or_else(|| panic!("reported order {id} ({key}) is gone"));
        assert_eq!(order.idempotency_key.as_deref(), Some(key.as_str()), "order {id}: wrong key");
    }
    for id in &reported.cancelled {
        assert_eq!(by_id[id].status, OrderStatus::Cancelled, "reported cancel of {id} is lost");
    }
    for (id, version) in &reported.edited {
        assert!(by_id[id].version >= *version, "reported edit of {id} (v{version}) is lost");
    }

    let mut checked = Checked { orders: orders.len(), ..Checked::default() };
    let reported_keys: BTreeSet<&String> = reported.committed.values().collect();
    for order in &orders {
        assert_whole(oms, order);
        let key = order.idempotency_key.as_ref().expect("every order has a key");
        assert!(reported.announced.contains(key), "order {} has a key never used: {key}", order.id);
        if !reported_keys.contains(key) {
            checked.unreported += 1;
        }
    }
    // Only the call in flight at the kill may be committed without a report.
    let unreported_this_round = orders
        .iter()
        .filter_map(|o| o.idempotency_key.as_ref())
        .filter(|key| round.placing.contains(key) && !reported_keys.contains(key))
        .count();
    assert!(unreported_this_round <= 1, "{unreported_this_round} unreported orders in one round");
    checked.unreported_this_round = unreported_this_round;

    // Each order was placed exactly once in the log; no event names an absent order.
    let events = oms.events_since(0, 10_000_000).expect("read the log");
    let mut placed: HashMap<String, usize> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == "OrderPlaced") {
        *placed.entry(e.stream.clone()).or_default() += 1;
    }
    for order in &orders {
        let n = placed.remove(&format!("order:{}", order.id)).unwrap_or(0);
        assert_eq!(n, 1, "order {} has {n} OrderPlaced events", order.id);
    }
    assert!(placed.is_empty(), "OrderPlaced events of orders that do not exist: {placed:?}");

    assert_invariants(oms);
    let audit = oms.verify_audit_chain().expect("audit readable");
    assert!(audit.is_intact(), "audit chain broken after SIGKILL: {audit:?}");
    assert_eq!(audit.events_checked as usize, events.len(), "the audit saw a different log");
    checked
}

// ---------------------------------------------------------------- the run

/// What differs between backends in [`run`]: where the store is, how the
/// child finds it, and how the parent opens it.
pub trait CrashTarget {
    /// The backend's store.
    type Store: Store;

    /// What holds the orders, as the printed lines name it (`"file"`, `"schema"`).
    const HOLDER: &'static str;

    /// The environment variables that tell the child which store to open.
    fn child_env(&self) -> Vec<(&'static str, OsString)>;

    /// Opens the store afresh: once to stock it, then after every kill to
    /// verify it.
    fn open(&self) -> Oms<Self::Store>;

    /// Runs right after each kill, before the store is reopened (to wait
    /// for whatever the kill left behind to go away); returns a note for the
    /// round's printed line, such as `", session gone 1ms later"`, or `""`.
    fn after_kill(&mut self) -> String {
        String::new()
    }

    /// A note for the parentheses of the final printed line, or `""`.
    fn summary_note(&self) -> String {
        String::new()
    }
}

/// The test proper: prints the seed (fix it with `OMSKIT_CRASH_SEED`),
/// builds the target with `setup`, stocks the store ([`LOCATIONS`],
/// [`RECEIPTS`]), then [`ROUNDS`] times runs a child ([`run_and_kill`]),
/// reopens the store and [`verify`]s it against everything reported so far,
/// printing a line per round and a summary. Panics on the first failure,
/// or when no child committed anything. Returns the target, for clean-up.
pub fn run<T: CrashTarget>(setup: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let seed = seed();
    eprintln!("crash test seed {seed} (set {SEED_ENV} to repeat)");
    let mut rng = Rng::new(seed);
    let mut target = setup();
    stock(&target.open(), &LOCATIONS, &RECEIPTS);

    let mut reported = Reported::default();
    let (mut verified, mut in_flight_committed, mut in_flight_lost) = (0, 0, 0);
    let mut delays = Duration::ZERO;
    let mut interrupted: BTreeMap<&'static str, usize> = BTreeMap::new();
    for round in 0..ROUNDS {
        let tag = format!("r{round}");
        let (transcript, delay) = run_and_kill(target.child_env(), &tag, rng.next_u64(), &mut rng);
        let note = target.after_kill();
        delays += delay;
        *interrupted.entry(transcript.in_flight.unwrap_or("between calls")).or_default() += 1;
        reported.extend(&transcript);
        let before = verify(&target.open(), &reported, &transcript);
        verified += before.orders;
        // Was a placement in flight when the kill came? Committed or not, both are fine.
        let reported_keys: BTreeSet<&String> = reported.committed.values().collect();
        if transcript.placing.last().is_some_and(|k| !reported_keys.contains(k)) {
            if before.unreported_this_round == 1 {
                in_flight_committed += 1;
            } else {
                in_flight_lost += 1;
            }
        }
        eprintln!(
            "round {round}: killed after {delay:?} during {}{note}; {} placed, {} replayed, {} \
             cancelled, {} edited reported; {} orders in the {}, {} of them never reported",
            transcript.in_flight.unwrap_or("between calls"),
            transcript.committed.len(),
            transcript.replayed,
            transcript.cancelled.len(),
            transcript.edited.len(),
            before.orders,
            T::HOLDER,
            before.unreported
        );
    }
    eprintln!(
        "{ROUNDS} kills (mean delay {:?}{}); {} orders reported committed, all present and whole; \
         {verified} order checks; kills interrupted {interrupted:?}; of the placements: \
         {in_flight_committed} committed unreported, {in_flight_lost} not committed; {:?} in all",
        delays / ROUNDS as u32,
        target.summary_note(),
        reported.committed.len(),
        started.elapsed()
    );
    assert!(!reported.committed.is_empty(), "no child committed anything before its kill");
    target
}
