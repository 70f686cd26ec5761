//! Connection failures on PostgreSQL: a lost connection is a `Storage`
//! error, never a panic or a hang, and the pool replaces it; an unreachable
//! server is a `Storage` error; a malformed URL is a `Validation` error of
//! the field `url`. Async code reaches the (blocking) store through
//! `spawn_blocking`.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use omskit_core::{Error, Oms, Order, Store, StoreTx, TxMode};
use omskit_postgres::{PgOptions, PgStore};
use omskit_testkit::assert_invariants;
use omskit_testkit::fixtures::{draft, pg_test_url, stock};

/// How long one call may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(15);

/// `url` with `application_name` set, so the test can find (and terminate)
/// exactly the sessions of its own pool, not those of tests running beside it.
fn with_application_name(url: &str, name: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}application_name={name}")
}

/// An engine with its own schema and its sessions named `app`.
fn engine(url: &str, label: &str, app: &str, pool_size: usize) -> Oms<PgStore> {
    let schema = format!("conn_{label}_{}", std::process::id());
    let options = PgOptions { pool_size, schema: Some(schema) };
    let url = with_application_name(url, app);
    Oms::new(PgStore::connect_with(&url, options).expect("connect to PostgreSQL"))
}

/// Sessions named `app` on the server.
fn sessions(admin: &mut postgres::Client, app: &str) -> i64 {
    admin
        .query_one("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", &[&app])
        .expect("count sessions")
        .get(0)
}

/// Terminates every session named `app` from another connection, and waits
/// until the server has ended them all; returns how many there were.
fn terminate(admin: &mut postgres::Client, app: &str) -> usize {
    let killed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
            &[&app],
        )
        .expect("pg_terminate_backend")
        .len();
    let started = Instant::now();
    while sessions(admin, app) > 0 {
        assert!(started.elapsed() < HANG, "terminated sessions are still there");
        thread::sleep(Duration::from_millis(5));
    }
    killed
}

/// Runs `f` on another thread; panics if it panics or takes longer than [`HANG`].
fn within_time<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG) {
        Ok(value) => value,
        Err(RecvTimeoutError::Timeout) => {
            panic!("{what} has not returned after {HANG:?}: it hangs")
        }
        Err(RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// Every pooled connection is terminated by the server (from another
/// session) while idle in the pool. The next use cases never panic nor
/// hang: each returns within 15 s, either `Ok` or `Err(Storage)` (a stale
/// connection that fails is dropped by the pool), at most one failure per
/// terminated connection; after that, calls succeed on new connections, a
/// failed call left nothing behind, and the invariants hold.
#[test]
fn terminated_pool_connections_give_storage_errors_then_new_connections() {
    let Some(url) = pg_test_url() else { return };
    let pool_size = 3;
    let app = format!("omskit_conn_idle_{}", std::process::id());
    let oms = Arc::new(engine(&url, "idle", &app, pool_size));
    stock(&oms, &[("L1", 1)], &[("SKU-1", "L1", 1_000)]);
    // Open every connection the pool may hold, then give them all back.
    let txs: Vec<_> = (0..pool_size)
        .map(|_| oms.store().begin(TxMode::Read).expect("begin a read transaction"))
        .collect();
    drop(txs);
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("admin connection");
    assert_eq!(sessions(&mut admin, &app), pool_size as i64, "the pool holds {pool_size} sessions");
    assert_eq!(terminate(&mut admin, &app), pool_size);

    let mut outcomes = Vec::new();
    let mut placed: Vec<Order> = Vec::new();
    for call in 1..=pool_size + 1 {
        let engine = Arc::clone(&oms);
        let what =
            format!("place_order call {call} after the terminations (before it: {outcomes:?})");
        let result = within_time(&what, move || engine.place_order(&draft(&[("SKU-1", 1)])));
        match result {
            Ok(order) => {
                placed.push(order);
                outcomes.push("ok".to_owned());
                break;
            }
            Err(Error::Storage { message, retryable }) => {
                outcomes
                    .push(format!("Storage {{ retryable: {retryable}, message: {message:?} }}"));
            }
            Err(e) => panic!("call {call}: a lost connection gave {e:?}, not a Storage error"),
        }
    }
    eprintln!("after terminating {pool_size} pooled sessions: {outcomes:?}");
    assert!(!placed.is_empty(), "no call succeeded after {} tries: {outcomes:?}", pool_size + 1);

    // The pool works again, at full size.
    for call in 0..2 * pool_size {
        let engine = Arc::clone(&oms);
        let order = within_time(&format!("place_order {call} after recovery"), move || {
            engine.place_order(&draft(&[("SKU-1", 1)]))
        });
        placed.push(order.unwrap_or_else(|e| panic!("call {call} after recovery failed: {e:?}")));
    }
    let engine = Arc::clone(&oms);
    let held = within_time("holding every pooled connection at once", move || {
        let txs: Vec<_> =
            (0..pool_size).map(|_| engine.store().begin(TxMode::Read).map(drop)).collect();
        txs.into_iter().collect::<Result<Vec<()>, Error>>()
    });
    held.expect("every pooled connection usable again");
    let stored = oms.orders(None, 1_000).expect("list orders");
    assert_eq!(
        stored.len(),
        placed.len(),
        "failed calls left nothing, successful ones are all there"
    );
    assert_eq!(oms.stock_level("SKU-1", "L1").expect("level").reserved, placed.len() as i64);
    assert_invariants(&*oms);
}

/// A connection terminated in the middle of a write transaction: the next
/// statement that transaction sends is `Err(Storage)` (not a panic): a read,
/// or the commit that sends the writes it batched. Ending the transaction
/// gives its connection up, nothing it wrote is committed, and the next use
/// case succeeds on a new connection, even with a pool of one.
#[test]
fn a_connection_lost_mid_transaction_is_a_storage_error() {
    let Some(url) = pg_test_url() else { return };
    let app = format!("omskit_conn_midtx_{}", std::process::id());
    let oms = Arc::new(engine(&url, "midtx", &app, 1));
    stock(&oms, &[("L1", 1)], &[("SKU-1", "L1", 10)]);
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("admin connection");

    let engine = Arc::clone(&oms);
    let (app_name, admin_url) = (app.clone(), url.clone());
    let (first, second) = within_time("a write transaction losing its connection", move || {
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("admin");
        let mut tx = engine.store().begin(TxMode::Write).expect("begin");
        let levels = tx.stock_for_update(&["SKU-1"]).expect("lock the stock row");
        let mut level = levels.into_iter().next().expect("a stock level");
        level.reserved += 1;
        tx.put_stock_level(&level).expect("write inside the transaction");
        assert_eq!(terminate(&mut admin, &app_name), 1);
        // Not `locations()`: those came with the stock rows.
        let first = tx.all_stock_levels().map(|_| ());
        let second = tx.put_stock_level(&level).and_then(|()| tx.commit());
        (first, second)
    });
    for (what, result) in [("next read", first), ("next write and commit", second)] {
        assert!(
            matches!(result, Err(Error::Storage { .. })),
            "{what} on a terminated connection gave {result:?}, not a Storage error"
        );
    }
    assert_eq!(sessions(&mut admin, &app), 0);

    let engine = Arc::clone(&oms);
    let order = within_time("place_order after the lost transaction", move || {
        engine.place_order(&draft(&[("SKU-1", 2)]))
    });
    order.expect("a new connection serves the next use case");
    let level = oms.stock_level("SKU-1", "L1").expect("level");
    assert_eq!((level.on_hand, level.reserved), (10, 2), "the lost transaction wrote nothing");
    assert_invariants(&*oms);
}

/// A free local port: bound, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Connecting to a port where no server listens is `Err(Storage)`, with or
/// without a schema to create, and promptly. Needs no server.
#[test]
fn no_server_is_a_storage_error() {
    let url = format!("postgresql://omskit@127.0.0.1:{}/postgres", closed_port());
    for schema in [None, Some("conn_none".to_owned())] {
        let options = PgOptions { pool_size: 2, schema: schema.clone() };
        let started = Instant::now();
        let result = PgStore::connect_with(&url, options).map(drop);
        assert!(
            matches!(result, Err(Error::Storage { .. })),
            "schema {schema:?}: connecting to a closed port gave {result:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "refusal took {:?}",
            started.elapsed()
        );
    }
}

/// A malformed URL is `Err(Validation { field: "url" })`, before any
/// connection is tried. Needs no server.
#[test]
fn malformed_url_is_a_validation_error() {
    for url in [
        "not a url",
        "postgresql://omskit@127.0.0.1:notaport/postgres",
        "postgresql://omskit@127.0.0.1:99999/postgres",
        "postgresql://omskit@127.0.0.1:5432/postgres?no_such_option=1",
        "host=127.0.0.1 port=",
    ] {
        let result = PgStore::connect_with(url, PgOptions::default()).map(drop);
        match result {
            Err(Error::Validation { field, .. }) if field == "url" => {}
            other => panic!("{url:?} gave {other:?}, not a Validation error of url"),
        }
    }
}

/// The store blocks its caller (each pooled connection drives a runtime of
/// its own); async code calls it through `spawn_blocking`, as the crate
/// documentation says, and that works.
#[test]
fn async_code_calls_the_store_through_spawn_blocking() {
    let Some(url) = pg_test_url() else { return };
    let oms = Arc::new(engine(&url, "async", "omskit_conn_async", 2));
    stock(&*oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5)]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("an async runtime");
    let shared = Arc::clone(&oms);
    let placed = runtime
        .block_on(async move {
            let place = move || shared.place_order(&draft(&[("SKU-1", 2)]));
            tokio::task::spawn_blocking(place).await
        })
        .expect("the blocking task ran")
        .expect("placed");
    assert_eq!(oms.order(placed.id).expect("read back"), placed);
    assert_eq!(oms.available("SKU-1").expect("available"), 3);
}
