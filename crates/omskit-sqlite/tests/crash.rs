//! Crash safety of the SQLite store: a process killed with SIGKILL in the
//! middle of its writes loses nothing it was told was committed and leaves
//! nothing half-written.
//!
//! The test re-executes its own binary as the writer: `crash_child` does
//! nothing unless `OMSKIT_CRASH_CHILD` names a database file, in which case it
//! writes to that file until it is killed, printing a line to stdout after
//! every use case that returned `Ok`. The parent kills it at a random moment,
//! reopens the file and checks what is there against what the child reported.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::{
    Channel, Currency, LineDraft, Oms, Order, OrderDraft, OrderEdit, OrderId, OrderStatus,
    ReservationStatus, Store,
};
use omskit_sqlite::SqliteStore;
use omskit_testkit::assert_invariants;
use omskit_testkit::fixtures::{address, dec, stock, TempDir};

/// Names the database file the child writes to; absent in a normal test run.
const CHILD_ENV: &str = "OMSKIT_CRASH_CHILD";
/// Prefix of the idempotency keys the child uses (one per round).
const TAG_ENV: &str = "OMSKIT_CRASH_TAG";
/// The child's random seed; the parent's can be fixed with `OMSKIT_CRASH_SEED`.
const SEED_ENV: &str = "OMSKIT_CRASH_SEED";
/// Kills per run.
const ROUNDS: usize = 25;

const SKUS: [&str; 4] = ["SKU-A", "SKU-B", "SKU-C", "SKU-D"];
const LOCATIONS: [(&str, i32); 3] = [("L1", 1), ("L2", 2), ("L3", 3)];
/// Every SKU at two or three locations; the preferred one holds little, so
/// lines soon split across locations.
const RECEIPTS: [(&str, &str, i64); 9] = [
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
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A seed from `OMSKIT_CRASH_SEED`, or from the clock and the process id.
fn seed() -> u64 {
    if let Some(seed) = std::env::var(SEED_ENV).ok().and_then(|s| s.parse().ok()) {
        return seed;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

// ---------------------------------------------------------------- the child

/// Not a test of its own: the writer process of
/// [`sigkill_never_loses_a_reported_order_nor_leaves_a_partial_one`]. Without
/// `OMSKIT_CRASH_CHILD` it returns at once.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let tag = std::env::var(TAG_ENV).unwrap_or_else(|_| "k".into());
    let mut rng = Rng::new(seed());
    // synchronous=FULL, the default.
    let oms = match SqliteStore::open(&path) {
        Ok(store) => Oms::new(store),
        Err(e) => {
            say(&format!("error open {e:?}"));
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
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A random draft of 1 to 3 lines over distinct SKUs.
fn random_draft(rng: &mut Rng, key: &str) -> OrderDraft {
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
/// process is killed, reporting each success on stdout. Orders of earlier
/// rounds are cancelled and edited too.
fn write_until_killed<S: Store>(oms: &Oms<S>, tag: &str, rng: &mut Rng) -> Result<(), String> {
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
struct Transcript {
    ready: bool,
    placing: Vec<String>,
    committed: Vec<(OrderId, String)>,
    replayed: usize,
    cancelled: Vec<OrderId>,
    edited: Vec<(OrderId, u64)>,
    errors: Vec<String>,
    /// The use case started and not reported done when the output ended:
    /// what the kill interrupted (`None`: a replay or the gap between calls).
    in_flight: Option<&'static str>,
}

impl Transcript {
    fn add(&mut self, line: &str) {
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

/// Runs one child on `path` and SIGKILLs it 5 to 80 ms after it is ready.
fn run_and_kill(path: &Path, tag: &str, seed: u64, rng: &mut Rng) -> (Transcript, Duration) {
    let exe = std::env::current_exe().expect("test binary path");
    let child = Command::new(exe)
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
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

impl Transcript {
    fn add_all(&mut self, lines: Receiver<String>) {
        for line in lines.try_iter() {
            self.add(&line);
        }
    }
}

/// Everything the children reported over all rounds so far.
#[derive(Debug, Default)]
struct Reported {
    /// Idempotency keys a child started to place with.
    announced: BTreeSet<String>,
    /// Orders a child was told were committed, by id, with their key.
    committed: BTreeMap<OrderId, String>,
    cancelled: BTreeSet<OrderId>,
    /// The highest version a child was given back by an edit.
    edited: HashMap<OrderId, u64>,
}

/// Every order, page by page.
fn all_orders<S: Store>(oms: &Oms<S>) -> Vec<Order> {
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
fn assert_whole<S: Store>(oms: &Oms<S>, order: &Order) {
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
struct Checked {
    orders: usize,
    /// Orders in the file that no child reported, over all rounds.
    unreported: usize,
    /// Of those, the ones the last child was placing when it was killed.
    unreported_this_round: usize,
}

/// Reopens the file and checks it against everything reported so far.
fn verify(path: &Path, reported: &Reported, round: &Transcript) -> Checked {
    let oms = Oms::new(SqliteStore::open(path).expect("reopen after SIGKILL"));
    let orders = all_orders(&oms);
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
        assert_whole(&oms, order);
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

    assert_invariants(&oms);
    let audit = oms.verify_audit_chain().expect("audit readable");
    assert!(audit.is_intact(), "audit chain broken after SIGKILL: {audit:?}");
    assert_eq!(audit.events_checked as usize, events.len(), "the audit saw a different log");
    checked
}

/// A writer process SIGKILLed at a random moment (25 times, 5 to 80 ms into
/// its writes, on one file) never loses an order it was told was committed
/// (nor a reported cancel or edit), and never leaves a partial one behind:
/// after every kill the file opens, every order is whole (lines, consistent
/// totals, reservations covering its open units), each order has exactly
/// one `OrderPlaced` event, the invariants hold and the audit chain
/// verifies. Orders committed but killed before they were reported are
/// counted (at most the one call in flight per kill).
#[test]
fn sigkill_never_loses_a_reported_order_nor_leaves_a_partial_one() {
    let started = Instant::now();
    let seed = seed();
    eprintln!("crash test seed {seed} (set {SEED_ENV} to repeat)");
    let mut rng = Rng::new(seed);
    let dir = TempDir::new("crash");
    let path = dir.join("shop.db");
    {
        let oms = Oms::new(SqliteStore::open(&path).expect("create the database"));
        stock(&oms, &LOCATIONS, &RECEIPTS);
    }

    let mut reported = Reported::default();
    let (mut verified, mut in_flight_committed, mut in_flight_lost) = (0, 0, 0);
    let mut delays = Duration::ZERO;
    let mut interrupted: BTreeMap<&'static str, usize> = BTreeMap::new();
    for round in 0..ROUNDS {
        let tag = format!("r{round}");
        let (transcript, delay) = run_and_kill(&path, &tag, rng.next(), &mut rng);
        delays += delay;
        *interrupted.entry(transcript.in_flight.unwrap_or("between calls")).or_default() += 1;
        reported.announced.extend(transcript.placing.iter().cloned());
        reported.committed.extend(transcript.committed.iter().map(|(id, k)| (*id, k.clone())));
        reported.cancelled.extend(transcript.cancelled.iter().copied());
        for (id, version) in &transcript.edited {
            let best = reported.edited.entry(*id).or_default();
            *best = (*best).max(*version);
        }
        let before = verify(&path, &reported, &transcript);
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
            "round {round}: killed after {delay:?} during {}; {} placed, {} replayed, {} cancelled, {} \
             edited reported; {} orders in the file, {} of them never reported",
            transcript.in_flight.unwrap_or("between calls"),
            transcript.committed.len(),
            transcript.replayed,
            transcript.cancelled.len(),
            transcript.edited.len(),
            before.orders,
            before.unreported
        );
    }
    eprintln!(
        "{ROUNDS} kills (mean delay {:?}); {} orders reported committed, all present and whole; \
         {verified} order checks; kills interrupted {interrupted:?}; of the placements: \
         {in_flight_committed} committed unreported, {in_flight_lost} not committed; {:?} in all",
        delays / ROUNDS as u32,
        reported.committed.len(),
        started.elapsed()
    );
    assert!(!reported.committed.is_empty(), "no child committed anything before its kill");
}
