//! Storage benchmarks: the engine over SQLite and PostgreSQL, each measured
//! next to the raw commit rate of its backend in the same run.
//!
//! Run with `cargo bench --bench storage` (PostgreSQL too:
//! `scripts/with-postgres.sh cargo bench --bench storage`);
//! `cargo bench --bench storage -- --test` runs each benchmark once, as
//! `scripts/test.sh` does. See BENCHMARKS.md for results.
//!
//! fsync latency on a shared machine can vary tenfold from one minute to the
//! next, so every target is compared with a baseline measured in the same
//! run, right before it:
//!
//! | group | benchmark | what one iteration does |
//! | --- | --- | --- |
//! | `sqlite_normal`, `sqlite_full` | `baseline_insert/1_thread` | `BEGIN IMMEDIATE`, one-row `INSERT`, `COMMIT` with rusqlite on a file with the store's settings (WAL, same `synchronous`) |
//! | | `raw_order/1_thread` | the SQL floor of `place_order`: the rows one real placement wrote (the order, its 3 lines and 3 reservations, 3 ledger entries, 2 events), replayed with fresh keys as plain prepared `INSERT`s, plus the 3 stock `UPDATE`s, in one transaction with the store's settings; no engine (no validation, pricing, reading, hashing or serializing) |
//! | | `place_order/1_thread` | places one 3-line order in its own transaction |
//! | | `baseline_insert/2_threads` | both threads commit one row each, sharing one connection behind a mutex as the store's writer does (2 commits) |
//! | | `place_order/2_threads` | both threads place one order each (2 orders) |
//! | `postgres` | `baseline_update/1_thread` | `BEGIN`, one-row `UPDATE` (prepared), `COMMIT` with the `postgres` crate |
//! | | `place_order/1_thread` | as for SQLite |
//! | | `baseline_update/2_threads` | each thread updates its own row on its own connection (2 commits) |
//! | | `place_order/2_threads` | as for SQLite (2 orders) |
//! | `place_orders` | `sqlite_normal/1000`, `postgres/1000` | places 1000 orders in one transaction |
//! | | `sqlite_normal_raw/1000` | the SQL floor of `sqlite_normal/1000`: 1000 orders' rows as `raw_order` writes them, in one transaction |
//! | `scaling` | `sqlite_normal/1k_stored`, `sqlite_normal/1m_stored` | `place_order` on SQLite NORMAL with 1,000 or 1,000,000 orders already stored |
//!
//! Every order has 3 lines of SKUs stocked (hundreds of millions of units)
//! at each of 3 locations, so every line is reserved at the first location;
//! no idempotency key, no external id. Two-thread benchmarks time the wall
//! clock from the moment both threads start until both are done, and count
//! two elements per iteration, so throughput is per order (or per commit).
//!
//! PostgreSQL runs when `OMSKIT_TEST_PG_URL` is set (a notice is printed
//! otherwise); the benchmark drops and recreates the schemas
//! `omskit_bench_single`, `omskit_bench_bulk` and `omskit_bench_raw` there.
//!
//! The 1,000,000-order file is filled once with `place_orders` batches of
//! 1000 and kept under `target/omskit-bench/` (its name carries the schema
//! version), and every run measures on a fresh copy of it, so runs do not
//! grow it. Filling takes about 3 minutes (and 3.7 GB), so the `1m_stored`
//! case runs only once the file exists or with `OMSKIT_BENCH_SCALE=1`, which
//! fills it; `--test` never runs it.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use omskit::Oms;
use omskit_postgres::{PgOptions, PgStore};
use omskit_sqlite::{SqliteOptions, Synchronous, SCHEMA_VERSION};
use omskit_testkit::fixtures;

/// Locations and their priorities (lower is reserved from first).
const LOCATIONS: [(&str, i32); 3] = [("WH-1", 1), ("WH-2", 2), ("WH-3", 3)];

/// SKUs stocked at every location.
const SKUS: [&str; 3] = ["SKU-A", "SKU-B", "SKU-C"];

/// Units received per (SKU, location): 1,000,000,002 per SKU in all.
const UNITS_PER_LOCATION: i64 = 333_333_334;

/// Orders per `place_orders` transaction.
const BATCH: usize = 1000;

/// Orders stored before the `1m_stored` scaling case.
const SCALE_ORDERS: usize = 1_000_000;

/// Orders stored before the `1k_stored` scaling case.
const SMALL_ORDERS: usize = 1000;

// ---------------------------------------------------------------- fixtures

/// Adds the 3 locations and stocks every SKU at each of them.
fn stock(oms: &Oms) {
    for (code, priority) in LOCATIONS {
        oms.add_location(code, &format!("Warehouse {code}"), priority).expect("add location");
    }
    for sku in SKUS {
        for (code, _) in LOCATIONS {
            oms.receive_stock(sku, code, UNITS_PER_LOCATION, "PO-BENCH").expect("receive stock");
        }
    }
}

/// Places `count` orders (a multiple of [`BATCH`]) in batches of [`BATCH`].
fn fill(oms: &Oms, count: usize, progress: bool) {
    let drafts = vec![fixtures::three_line_bench_order(); BATCH];
    let start = Instant::now();
    for batch in 1..=count / BATCH {
        let results = oms.place_orders(&drafts).expect("place orders");
        assert!(results.iter().all(Result::is_ok), "an order of the fill failed");
        if progress && (batch * BATCH).is_multiple_of(100_000) {
            let secs = start.elapsed().as_secs_f64();
            println!(
                "storage bench: filled {} orders in {secs:.0} s ({:.0} orders/s)",
                batch * BATCH,
                (batch * BATCH) as f64 / secs
            );
        }
    }
}

/// Whether criterion runs in `--test` mode (each benchmark once).
fn test_mode() -> bool {
    std::env::args().any(|arg| arg == "--test")
}

/// `target/omskit-bench`, where the benchmark keeps its files.
fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("omskit-bench");
    std::fs::create_dir_all(&dir).expect("create the benchmark directory");
    dir
}

/// `path` with `suffix` appended to its file name (`x.db` → `x.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a database file and its WAL and shared-memory files.
fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let file = with_suffix(path, suffix);
        if file.exists() {
            std::fs::remove_file(&file).expect("remove an old benchmark file");
        }
    }
}

/// A SQLite file of this run, removed when dropped (after the store on it,
/// which is declared first in the structs below).
struct ScratchFile(PathBuf);

impl ScratchFile {
    fn new(name: &str) -> ScratchFile {
        let path = bench_dir().join(format!("{name}.db"));
        remove_db(&path);
        ScratchFile(path)
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        remove_db(&self.0);
    }
}

fn sqlite_options(synchronous: Synchronous) -> SqliteOptions {
    SqliteOptions { synchronous, busy_timeout: Duration::from_secs(5) }
}

/// An engine over a SQLite file of its own, stocked.
struct SqliteEngine {
    oms: Oms,
    _file: ScratchFile,
}

impl SqliteEngine {
    fn new(name: &str, synchronous: Synchronous) -> SqliteEngine {
        let file = ScratchFile::new(name);
        let oms = Oms::open_with(&file.0, sqlite_options(synchronous)).expect("open SQLite");
        stock(&oms);
        SqliteEngine { oms, _file: file }
    }
}

/// The raw SQLite baseline: one connection with the store's settings,
/// behind a mutex as the store's writer connection is.
struct RawSqlite {
    conn: Mutex<rusqlite::Connection>,
    _file: ScratchFile,
}

impl RawSqlite {
    fn new(name: &str, synchronous: Synchronous) -> RawSqlite {
        let file = ScratchFile::new(name);
        let conn = rusqlite::Connection::open(&file.0).expect("open SQLite");
        conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
        let synchronous = match synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; \
             CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL) STRICT;"
        ))
        .expect("set up the baseline file");
        RawSqlite { conn: Mutex::new(conn), _file: file }
    }

    /// One transaction that inserts one row.
    fn commit_one(&self) {
        let conn = lock(&self.conn);
        conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        conn.prepare_cached("INSERT INTO rows (payload) VALUES (?1)")
            .expect("prepare")
            .execute(["0190b3e4-7d1c-7c3a-9f1e-3c5d2a8b9e01 placed 3 lines at WH-1"])
            .expect("insert");
        conn.execute_batch("COMMIT").expect("commit");
    }
}

/// A column that names the order: rewritten with each replay's order id.
#[derive(Clone, Copy)]
enum OrderKey {
    /// The order id itself (`orders.id`, `order_lines.order_id`, ...).
    Id,
    /// An event stream, the order's (`order:<id>`).
    Stream,
}

/// One row to replay: its `INSERT`, its values, and the columns that name
/// the order.
struct RawRow {
    insert: String,
    values: Vec<rusqlite::types::Value>,
    keys: Vec<(usize, OrderKey)>,
}

/// The SQL floor of a placement on SQLite (see the module table): the rows
/// a real placement wrote, replayed on a file with the store's schema and
/// settings, each time under a new order id above every one before.
struct RawOrder {
    conn: Mutex<rusqlite::Connection>,
    rows: Vec<RawRow>,
    /// (sku, location) of each reservation: the stock rows to update.
    stock: Vec<(String, String)>,
    first_id: u128,
    replays: AtomicU64,
    _file: ScratchFile,
}

impl RawOrder {
    fn new(name: &str, synchronous: Synchronous) -> RawOrder {
        let engine = SqliteEngine::new(name, synchronous);
        let order = engine.oms.place_order(&fixtures::three_line_bench_order()).expect("placed");
        let SqliteEngine { oms, _file: file } = engine;
        drop(oms);
        let conn = rusqlite::Connection::open(&file.0).expect("open SQLite");
        let synchronous = match synchronous {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        };
        // The settings `omskit_sqlite` opens its connections with.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
             PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
             PRAGMA wal_autocheckpoint = 10000;"
        ))
        .expect("settings");
        let id = order.id.to_string();
        let stream = omskit::events::stream::order(order.id);
        let mut rows = Vec::new();
        for (table, key_column, key) in [
            ("orders", "id", &id),
            ("order_lines", "order_id", &id),
            ("reservations", "order_id", &id),
            ("stock_movements", "reference", &id),
            ("events", "stream", &stream),
        ] {
            rows.extend(raw_rows(&conn, table, key_column, key));
        }
        let stock = conn
            .prepare("SELECT sku, location FROM reservations WHERE order_id = ?1")
            .expect("prepare")
            .query_map([&id], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<Vec<(String, String)>>>()
            .expect("reservations");
        assert_eq!(
            (rows.len(), stock.len()),
            (12, 3),
            "one order, 3 lines, 3 reservations, 3 ledger entries, 2 events"
        );
        RawOrder {
            conn: Mutex::new(conn),
            rows,
            stock,
            first_id: order.id.as_u128() + 1,
            replays: AtomicU64::new(0),
            _file: file,
        }
    }

    /// One transaction that writes `orders` orders' rows, each under a new id.
    fn commit(&self, orders: usize) {
        let conn = lock(&self.conn);
        conn.prepare_cached("BEGIN IMMEDIATE").expect("prepare").execute([]).expect("begin");
        for _ in 0..orders {
            self.write_one(&conn);
        }
        conn.prepare_cached("COMMIT").expect("prepare").execute([]).expect("commit");
    }

    /// Writes one order's rows under a new id.
    fn write_one(&self, conn: &rusqlite::Connection) {
        let n = self.replays.fetch_add(1, Ordering::Relaxed);
        let order_id = omskit::OrderId::from_u128(self.first_id + u128::from(n));
        let (id, stream) = (order_id.to_string(), omskit::events::stream::order(order_id));
        for row in &self.rows {
            let mut values = row.values.clone();
            for &(column, key) in &row.keys {
                let text = match key {
                    OrderKey::Id => &id,
                    OrderKey::Stream => &stream,
                };
                values[column] = rusqlite::types::Value::Text(text.clone());
            }
            conn.prepare_cached(&row.insert)
                .expect("prepare")
                .execute(rusqlite::params_from_iter(values))
                .expect("insert");
        }
        for (sku, location) in &self.stock {
            conn.prepare_cached(
                "UPDATE stock_levels SET reserved = reserved + 1 WHERE sku = ?1 AND location = ?2",
            )
            .expect("prepare")
            .execute([sku, location])
            .expect("update");
        }
    }
}

/// The rows of `table` whose `key_column` is `key`, as `INSERT`s of every
/// column but the table's own sequence number (`seq`, assigned on insert).
fn raw_rows(conn: &rusqlite::Connection, table: &str, key_column: &str, key: &str) -> Vec<RawRow> {
    let columns: Vec<String> = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}') WHERE name != 'seq'"))
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("columns")
        .collect::<rusqlite::Result<_>>()
        .expect("columns");
    let list = columns.join(", ");
    let placeholders = (1..=columns.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let insert = format!("INSERT INTO {table} ({list}) VALUES ({placeholders})");
    let keys: Vec<(usize, OrderKey)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, column)| match (table, column.as_str()) {
            ("orders", "id")
            | ("order_lines" | "reservations", "order_id")
            | ("stock_movements", "reference") => Some((i, OrderKey::Id)),
            ("events", "stream") => Some((i, OrderKey::Stream)),
            _ => None,
        })
        .collect();
    let mut select = conn
        .prepare(&format!("SELECT {list} FROM {table} WHERE {key_column} = ?1"))
        .expect("prepare");
    let rows = select
        .query_map([key], |row| {
            (0..columns.len()).map(|i| row.get::<_, rusqlite::types::Value>(i)).collect()
        })
        .expect("query")
        .collect::<rusqlite::Result<Vec<Vec<rusqlite::types::Value>>>>()
        .expect("rows");
    rows.into_iter()
        .map(|values| RawRow { insert: insert.clone(), values, keys: keys.clone() })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The PostgreSQL URL, or `None` (with a notice) when it is not set.
fn pg_url() -> Option<String> {
    let url = std::env::var("OMSKIT_TEST_PG_URL").ok().filter(|url| !url.is_empty());
    if url.is_none() {
        println!(
            "storage bench: OMSKIT_TEST_PG_URL is not set, skipping the PostgreSQL benchmarks \
             (run under scripts/with-postgres.sh to include them)"
        );
    }
    url
}

fn pg_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to PostgreSQL")
}

/// An engine over a freshly created PostgreSQL schema, stocked.
fn pg_engine(url: &str, schema: &str) -> Oms {
    pg_client(url)
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("drop the old benchmark schema");
    let options = PgOptions { pool_size: 4, schema: Some(schema.to_owned()) };
    let oms = Oms::from_store(PgStore::connect_with(url, options).expect("connect the store"));
    stock(&oms);
    oms
}

/// The raw PostgreSQL baseline: one connection and one row per thread.
struct RawPg {
    clients: Vec<Mutex<(postgres::Client, postgres::Statement)>>,
}

impl RawPg {
    fn new(url: &str, threads: usize) -> RawPg {
        let mut admin = pg_client(url);
        admin
            .batch_execute(
                "DROP SCHEMA IF EXISTS omskit_bench_raw CASCADE; CREATE SCHEMA omskit_bench_raw; \
                 CREATE TABLE omskit_bench_raw.counters (id INTEGER PRIMARY KEY, n BIGINT NOT NULL); \
                 INSERT INTO omskit_bench_raw.counters SELECT g, 0 FROM generate_series(0, 15) g;",
            )
            .expect("set up the baseline table");
        let clients = (0..threads)
            .map(|_| {
                let mut client = pg_client(url);
                let statement = client
                    .prepare("UPDATE omskit_bench_raw.counters SET n = n + 1 WHERE id = $1")
                    .expect("prepare");
                Mutex::new((client, statement))
            })
            .collect();
        RawPg { clients }
    }

    /// One transaction that updates the row of `thread`.
    fn commit_one(&self, thread: usize) {
        let mut guard = lock(&self.clients[thread]);
        let (client, statement) = &mut *guard;
        let mut tx = client.transaction().expect("begin");
        let id = i32::try_from(thread).expect("a small thread index");
        tx.execute(&*statement, &[&id]).expect("update");
        tx.commit().expect("commit");
    }
}

/// Runs `work(thread)` `iters` times on each of 2 threads and returns the
/// wall time from the moment both start until both are done.
fn two_threads(iters: u64, work: impl Fn(usize) + Sync) -> Duration {
    let start_line = Barrier::new(3);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|thread| {
                let (start_line, work) = (&start_line, &work);
                scope.spawn(move || {
                    start_line.wait();
                    for _ in 0..iters {
                        work(thread);
                    }
                })
            })
            .collect();
        start_line.wait();
        let start = Instant::now();
        for handle in handles {
            handle.join().expect("a benchmark thread panicked");
        }
        start.elapsed()
    })
}

// ---------------------------------------------------------------- benches

/// Benchmarks one-order transactions on an engine made by `engine` (once,
/// when the benchmark first runs), each next to its baseline `commit_one`
/// (`commit_one(thread)`), at 1 then 2 threads.
fn single_order_group<E, B>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    baseline_name: &str,
    make_engine: impl Fn() -> E,
    engine_oms: impl Fn(&E) -> &Oms + Sync,
    make_baseline: impl Fn() -> B,
    commit_one: impl Fn(&B, usize) + Sync,
) where
    E: Sync,
    B: Sync,
{
    let draft = fixtures::three_line_bench_order();
    let place = |oms: &Oms| {
        black_box(oms.place_order(black_box(&draft)).expect("placed"));
    };
    let mut baseline: Option<B> = None;
    let mut engine: Option<E> = None;

    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new(baseline_name, "1_thread"), |b| {
        let raw = baseline.get_or_insert_with(&make_baseline);
        b.iter(|| commit_one(raw, 0));
    });
    group.bench_function(BenchmarkId::new("place_order", "1_thread"), |b| {
        let oms = engine_oms(engine.get_or_insert_with(&make_engine));
        b.iter(|| place(oms));
    });

    group.throughput(Throughput::Elements(2));
    group.bench_function(BenchmarkId::new(baseline_name, "2_threads"), |b| {
        let raw = &*baseline.get_or_insert_with(&make_baseline);
        b.iter_custom(|iters| two_threads(iters, |thread| commit_one(raw, thread)));
    });
    group.bench_function(BenchmarkId::new("place_order", "2_threads"), |b| {
        let oms = engine_oms(engine.get_or_insert_with(&make_engine));
        b.iter_custom(|iters| two_threads(iters, |_| place(oms)));
    });
}

fn sqlite_single(c: &mut Criterion, synchronous: Synchronous) {
    let name = match synchronous {
        Synchronous::Normal => "sqlite_normal",
        Synchronous::Full => "sqlite_full",
    };
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    let mut floor: Option<RawOrder> = None;
    group.bench_function(BenchmarkId::new("raw_order", "1_thread"), |b| {
        let raw =
            floor.get_or_insert_with(|| RawOrder::new(&format!("{name}-raw-order"), synchronous));
        b.iter(|| raw.commit(1));
    });
    drop(floor);
    single_order_group(
        &mut group,
        "baseline_insert",
        || SqliteEngine::new(&format!("{name}-orders"), synchronous),
        |engine| &engine.oms,
        || RawSqlite::new(&format!("{name}-raw"), synchronous),
        |raw, _| raw.commit_one(),
    );
    group.finish();
}

fn postgres_single(c: &mut Criterion, url: &str) {
    let mut group = c.benchmark_group("postgres");
    single_order_group(
        &mut group,
        "baseline_update",
        || pg_engine(url, "omskit_bench_single"),
        |oms| oms,
        || RawPg::new(url, 2),
        RawPg::commit_one,
    );
    group.finish();
}

fn place_orders(c: &mut Criterion, pg: Option<&str>) {
    let mut group = c.benchmark_group("place_orders");
    group.throughput(Throughput::Elements(BATCH as u64));
    // An iteration takes tens of milliseconds to a second: the same number
    // of iterations per sample, and 10 samples.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    let drafts = vec![fixtures::three_line_bench_order(); BATCH];
    let place_all = |oms: &Oms| {
        let results = black_box(oms.place_orders(black_box(&drafts)).expect("placed"));
        assert!(results.iter().all(Result::is_ok), "an order failed");
    };

    let mut floor: Option<RawOrder> = None;
    group.bench_function(BenchmarkId::new("sqlite_normal_raw", BATCH), |b| {
        let raw = floor
            .get_or_insert_with(|| RawOrder::new("bulk-sqlite_normal-raw", Synchronous::Normal));
        b.iter(|| raw.commit(BATCH));
    });
    drop(floor);

    let mut sqlite: Option<SqliteEngine> = None;
    group.bench_function(BenchmarkId::new("sqlite_normal", BATCH), |b| {
        let engine = sqlite
            .get_or_insert_with(|| SqliteEngine::new("bulk-sqlite_normal", Synchronous::Normal));
        b.iter(|| place_all(&engine.oms));
    });
    drop(sqlite);

    if let Some(url) = pg {
        let mut engine: Option<Oms> = None;
        group.measurement_time(Duration::from_secs(10));
        group.bench_function(BenchmarkId::new("postgres", BATCH), |b| {
            let oms = engine.get_or_insert_with(|| pg_engine(url, "omskit_bench_bulk"));
            b.iter(|| place_all(oms));
        });
    }
    group.finish();
}

/// Where the filled 1,000,000-order file is kept, or `None` (with a notice)
/// when it does not exist and `OMSKIT_BENCH_SCALE=1` does not ask to fill it.
fn scale_file() -> Option<PathBuf> {
    let path = bench_dir().join(format!("scale-{SCALE_ORDERS}-orders-schema-v{SCHEMA_VERSION}.db"));
    if path.exists() || std::env::var("OMSKIT_BENCH_SCALE").as_deref() == Ok("1") {
        return Some(path);
    }
    println!(
        "storage bench: skipping scaling/sqlite_normal/1m_stored: set OMSKIT_BENCH_SCALE=1 to \
         fill {} once (about 3 minutes) and measure it",
        path.display()
    );
    None
}

/// Fills the file at `path` with [`SCALE_ORDERS`] orders unless it exists.
fn ensure_filled(path: &Path) {
    if path.exists() {
        return;
    }
    // Filled under another name and renamed when complete, so an
    // interrupted fill is never mistaken for a full one.
    let partial = with_suffix(path, ".partial");
    remove_db(&partial);
    println!("storage bench: filling {} with {SCALE_ORDERS} orders", path.display());
    let start = Instant::now();
    {
        let oms = Oms::open_with(&partial, sqlite_options(Synchronous::Normal)).expect("open");
        stock(&oms);
        fill(&oms, SCALE_ORDERS, true);
    }
    let conn = rusqlite::Connection::open(&partial).expect("reopen the filled file");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").expect("checkpoint");
    drop(conn);
    for suffix in ["-wal", "-shm"] {
        let file = with_suffix(&partial, suffix);
        if file.exists() {
            std::fs::rename(&file, with_suffix(path, suffix)).expect("rename");
        }
    }
    std::fs::rename(&partial, path).expect("rename the filled file");
    println!("storage bench: filled {SCALE_ORDERS} orders in {:.0?}", start.elapsed());
}

fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    group.throughput(Throughput::Elements(1));
    let draft = fixtures::three_line_bench_order();
    let place = |engine: &SqliteEngine| {
        black_box(engine.oms.place_order(black_box(&draft)).expect("placed"));
    };

    // The 1M case first, because filling or copying its file takes a while;
    // the 1k case right after it, so that both see the same disk.
    if test_mode() {
        println!("storage bench: --test does not run scaling/sqlite_normal/1m_stored");
    } else if let Some(filled) = scale_file() {
        let mut large: Option<SqliteEngine> = None;
        group.bench_function(BenchmarkId::new("sqlite_normal", "1m_stored"), |b| {
            let engine = large.get_or_insert_with(|| {
                ensure_filled(&filled);
                // A fresh copy each run, so measuring never grows the kept file.
                let file = ScratchFile::new("scale-1m");
                std::fs::copy(&filled, &file.0).expect("copy the filled file");
                let options = sqlite_options(Synchronous::Normal);
                SqliteEngine { oms: Oms::open_with(&file.0, options).expect("open"), _file: file }
            });
            b.iter(|| place(engine));
        });
    }

    let mut small: Option<SqliteEngine> = None;
    group.bench_function(BenchmarkId::new("sqlite_normal", "1k_stored"), |b| {
        let engine = small.get_or_insert_with(|| {
            let engine = SqliteEngine::new("scale-1k", Synchronous::Normal);
            fill(&engine.oms, SMALL_ORDERS, false);
            engine
        });
        b.iter(|| place(engine));
    });
    group.finish();
}

/// Runs every group (20 samples, 1 s warm-up, 4 s of measurement each unless
/// a group says otherwise), then PostgreSQL when its URL is set.
/// (Written out instead of `criterion_group!`, whose function has no docs.)
fn benches() {
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let pg = pg_url();
    sqlite_single(&mut c, Synchronous::Normal);
    sqlite_single(&mut c, Synchronous::Full);
    if let Some(url) = &pg {
        postgres_single(&mut c, url);
    }
    place_orders(&mut c, pg.as_deref());
    scaling(&mut c);
}

criterion_main!(benches);
