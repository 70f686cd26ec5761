//! Several processes writing one SQLite file stay correct: scarce stock is
//! sold exactly once across processes.
//!
//! The test re-executes its own binary: `multiprocess_child` does nothing
//! unless `OMSKIT_MP_CHILD` names a database file, in which case it places
//! one-unit orders on that file and prints the outcome of each one.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::{Error, Oms, OrderId};
use omskit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use omskit_testkit::assert_invariants;
use omskit_testkit::fixtures::{draft, stock, TempDir};

/// Names the database file a child writes to; absent in a normal test run.
const CHILD_ENV: &str = "OMSKIT_MP_CHILD";
/// Distinguishes the children's idempotency keys.
const TAG_ENV: &str = "OMSKIT_MP_TAG";
const PROCESSES: usize = 3;
const ORDERS_PER_PROCESS: usize = 300;
/// On hand at L1 and L2: 500 units in all.
const UNITS: [i64; 2] = [300, 200];

fn options() -> SqliteOptions {
    SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() }
}

/// The name of an error's variant, as the child prints it.
fn kind(e: &Error) -> &'static str {
    match e {
        Error::Validation { .. } => "Validation",
        Error::NotFound { .. } => "NotFound",
        Error::InsufficientStock { .. } => "InsufficientStock",
        Error::InvalidTransition { .. } => "InvalidTransition",
        Error::Conflict { .. } => "Conflict",
        Error::Storage { .. } => "Storage",
        _ => "Other",
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Not a test of its own: a writer process of
/// [`processes_sharing_a_file_sell_scarce_stock_exactly_once`]. Without
/// `OMSKIT_MP_CHILD` it returns at once. It opens the file, says `ready`,
/// waits for a line on stdin (so all children start together), places its
/// orders and prints `ok <id>` or `err <kind> <message>` for each, then `done`.
#[test]
fn multiprocess_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let tag = std::env::var(TAG_ENV).unwrap_or_else(|_| "p".into());
    let oms = Oms::new(SqliteStore::open_with(&path, options()).expect("child opens the file"));
    // libtest has written "test multiprocess_child ... " without a newline.
    say("");
    say("ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).expect("wait for go");
    for n in 0..ORDERS_PER_PROCESS {
        let order = draft(&[("SKU-1", 1)]).idempotency_key(format!("{tag}-{n}"));
        match oms.place_order(&order) {
            Ok(order) => say(&format!("ok {}", order.id)),
            Err(e) => say(&format!("err {} {e}", kind(&e))),
        }
    }
    say("done");
}

/// What one child printed.
#[derive(Debug, Default)]
struct Outcomes {
    /// `true` for a success, in the order the child placed them.
    sequence: Vec<bool>,
    ok: Vec<OrderId>,
    errors: BTreeMap<String, usize>,
    other_errors: Vec<String>,
    done: bool,
}

/// Three processes, each placing 300 one-unit orders of one SKU against 500
/// units in all (split over two locations) on a shared file with
/// synchronous=NORMAL, started together: exactly 500 orders succeed in
/// total, every other attempt fails with `InsufficientStock` (any other
/// error kind, such as a `Conflict` from a busy database, fails the test),
/// each process's successes all come before its first failure (stock only
/// shrinks), every reported order is in the file with its own id, 500 are
/// on hand and 500 reserved, and the invariants hold.
#[test]
fn processes_sharing_a_file_sell_scarce_stock_exactly_once() {
    let started = Instant::now();
    let dir = TempDir::new("multiprocess");
    let path = dir.join("shop.db");
    {
        let oms = Oms::new(SqliteStore::open_with(&path, options()).expect("create the file"));
        stock(
            &oms,
            &[("L1", 1), ("L2", 2)],
            &[("SKU-1", "L1", UNITS[0]), ("SKU-1", "L2", UNITS[1])],
        );
    }

    let exe = std::env::current_exe().expect("test binary path");
    let mut children: Vec<Child> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .args(["multiprocess_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, &path)
                .env(TAG_ENV, format!("p{i}"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn a child")
        })
        .collect();

    // One reader thread per child; lines arrive tagged with the child's index.
    let (tx, rx) = mpsc::channel::<(usize, String)>();
    let readers: Vec<_> = children
        .iter_mut()
        .enumerate()
        .map(|(i, child)| {
            let stdout = child.stdout.take().expect("piped stdout");
            let tx = tx.clone();
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    if tx.send((i, line)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    drop(tx);

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut outcomes: Vec<Outcomes> = (0..PROCESSES).map(|_| Outcomes::default()).collect();
    let mut ready = 0;
    let mut go_sent = false;
    while let Ok((i, line)) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let out = &mut outcomes[i];
        let words: Vec<&str> = line.splitn(3, ' ').collect();
        match words.as_slice() {
            ["ready"] => ready += 1,
            ["ok", id] => {
                out.ok.push(id.parse().expect("order id"));
                out.sequence.push(true);
            }
            ["err", kind, ..] => {
                *out.errors.entry((*kind).to_owned()).or_default() += 1;
                if *kind != "InsufficientStock" {
                    out.other_errors.push(line.clone());
                }
                out.sequence.push(false);
            }
            ["done"] => out.done = true,
            _ => {}
        }
        if ready == PROCESSES && !go_sent {
            for child in &mut children {
                let stdin = child.stdin.as_mut().expect("piped stdin");
                stdin.write_all(b"go\n").and_then(|()| stdin.flush()).expect("send go");
            }
            go_sent = true;
        }
    }
    let mut statuses = Vec::new();
    for child in &mut children {
        if Instant::now() > deadline {
            let _ = child.kill();
        }
        statuses.push(child.wait().expect("reap a child"));
    }
    for reader in readers {
        reader.join().expect("stdout reader");
    }
    let elapsed = started.elapsed();

    for (i, (status, out)) in statuses.iter().zip(&outcomes).enumerate() {
        assert!(status.success() && out.done, "child {i} did not finish: {status}");
        assert!(
            out.other_errors.is_empty(),
            "child {i} got unexpected errors: {:?}",
            out.other_errors
        );
        assert_eq!(
            out.sequence.len(),
            ORDERS_PER_PROCESS,
            "child {i} reported {} outcomes",
            out.sequence.len()
        );
        let first_failure = out.sequence.iter().position(|ok| !ok).unwrap_or(out.sequence.len());
        assert!(
            out.sequence[first_failure..].iter().all(|ok| !ok),
            "child {i} placed an order after stock had run out"
        );
    }
    let successes: usize = outcomes.iter().map(|o| o.ok.len()).sum();
    let failures: usize = outcomes.iter().map(|o| o.errors.values().sum::<usize>()).sum();
    let total: i64 = UNITS.iter().sum();
    eprintln!(
        "{PROCESSES} processes: successes {:?}, failures {:?}, in {elapsed:?}",
        outcomes.iter().map(|o| o.ok.len()).collect::<Vec<_>>(),
        outcomes.iter().map(|o| &o.errors).collect::<Vec<_>>()
    );
    assert_eq!(successes as i64, total, "orders placed across processes");
    assert_eq!(successes + failures, PROCESSES * ORDERS_PER_PROCESS);

    let oms = Oms::new(SqliteStore::open_with(&path, options()).expect("reopen"));
    let ids: BTreeSet<OrderId> = outcomes.iter().flat_map(|o| o.ok.iter().copied()).collect();
    assert_eq!(ids.len(), successes, "two processes reported the same order id");
    let stored: BTreeSet<OrderId> =
        oms.orders(None, 10_000).expect("list orders").iter().map(|o| o.id).collect();
    assert_eq!(stored, ids, "the file holds exactly the reported orders");
    let levels = oms.stock_levels("SKU-1").expect("stock levels");
    let on_hand: i64 = levels.iter().map(|l| l.on_hand).sum();
    let reserved: i64 = levels.iter().map(|l| l.reserved).sum();
    assert_eq!((on_hand, reserved), (total, total), "stock after the sale: {levels:?}");
    for (level, units) in levels.iter().zip(UNITS) {
        assert_eq!((level.on_hand, level.reserved), (units, units), "{level:?}");
    }
    assert_invariants(&oms);
    assert!(oms.verify_audit_chain().expect("audit readable").is_intact());
}
