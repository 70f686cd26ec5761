//! The file format: tables a person can read, exact money, versioned
//! migrations, and refusal of files from a newer omskit.

use omskit_core::{Error, Oms, Store, StoreTx, TxMode};
use omskit_sqlite::{SqliteStore, SCHEMA_VERSION};
use omskit_testkit::fixtures::{draft, stock, TempDir};
use rusqlite::Connection;

#[test]
fn data_survives_reopening_and_reads_plainly_in_sql() {
    let dir = TempDir::new("schema-plain");
    let path = dir.join("shop.db");
    let placed = {
        let oms = Oms::new(SqliteStore::open(&path).expect("open"));
        stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5)]);
        oms.place_order(&draft(&[("SKU-1", 2)]).external_id("web-1")).expect("place")
    };

    let oms = Oms::new(SqliteStore::open(&path).expect("reopen"));
    assert_eq!(oms.order(placed.id).expect("order"), placed);
    assert_eq!(oms.stock_level("SKU-1", "WH-A").expect("level").reserved, 2);
    assert!(oms.verify_audit_chain().expect("verify").is_intact());

    let conn = Connection::open(&path).expect("plain connection");
    let (total, kind): (String, String) = conn
        .query_row(
            "SELECT grand_total, typeof(grand_total) FROM orders WHERE external_id = 'web-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("order row");
    assert_eq!((total.as_str(), kind.as_str()), ("20.00", "text"), "money is exact decimal text");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    for table in [
        "bins",
        "condition_readings",
        "events",
        "fulfillment_lines",
        "fulfillment_orders",
        "locations",
        "order_lines",
        "orders",
        "package_lines",
        "packages",
        "reservations",
        "shipments",
        "stock_levels",
        "stock_movements",
        "tracking_events",
    ] {
        assert!(tables.iter().any(|t| t == table), "table {table} missing from {tables:?}");
    }
    let mode: String =
        conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("journal mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_version_1_file_is_migrated_to_the_current_version_on_open() {
    assert_eq!(SCHEMA_VERSION, 3);
    let dir = TempDir::new("schema-v1");
    let path = dir.join("v1.db");
    {
        // A file as omskit with schema version 1 left it, with a location.
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch(include_str!("../migrations/0001_initial.sql")).expect("schema 1");
        conn.execute_batch(
            "INSERT INTO locations (code, name, priority, active) VALUES ('WH-A', 'East', 1, 1); \
             PRAGMA user_version = 1;",
        )
        .expect("version 1 data");
    }

    let oms = Oms::new(SqliteStore::open(&path).expect("open migrates"));
    let conn = Connection::open(&path).expect("plain connection");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(version, SCHEMA_VERSION);
    let shipments: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'shipments'", [], |r| r.get(0))
        .expect("tables");
    assert_eq!(shipments, 1, "the version 2 tables exist");
    let pending_index: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'fulfillment_orders_pending'",
            [],
            |r| r.get(0),
        )
        .expect("indexes");
    assert_eq!(pending_index, 1, "the version 3 index exists");
    // The old data is kept and the new tables work.
    oms.receive_stock("SKU-1", "WH-A", 5, "PO-1").expect("receive at the old location");
    let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    assert_eq!(oms.order(order.id).expect("order"), order);
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_bin("SKU-1", "WH-A", "A-1").expect("bin");
    assert_eq!(tx.bin("SKU-1", "WH-A").expect("bin").as_deref(), Some("A-1"));
    drop(tx);
    drop(oms);
    // Opening again changes nothing.
    drop(SqliteStore::open(&path).expect("reopen"));
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_file_from_a_newer_schema_is_refused_and_left_untouched() {
    let dir = TempDir::new("schema-newer");
    let path = dir.join("future.db");
    drop(SqliteStore::open(&path).expect("create"));
    let newer = SCHEMA_VERSION + 1;
    Connection::open(&path)
        .and_then(|c| c.execute_batch(&format!("PRAGMA user_version = {newer}")))
        .expect("pretend a newer omskit wrote it");
    let before = std::fs::read(&path).expect("read file");

    match SqliteStore::open(&path) {
        Err(Error::UnsupportedSchema { found, supported }) => {
            assert_eq!((found, supported), (newer, SCHEMA_VERSION));
        }
        other => panic!("expected UnsupportedSchema, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).expect("read file"), before, "the file is not modified");
}

#[test]
fn a_file_that_is_not_a_database_is_a_storage_error() {
    let dir = TempDir::new("schema-garbage");
    let path = dir.join("notes.txt");
    std::fs::write(&path, "this is not a database, just some notes that go on for a while....")
        .expect("write");
    assert!(matches!(SqliteStore::open(&path), Err(Error::Storage { .. })));
    let missing_dir = dir.join("no/such/dir/shop.db");
    assert!(matches!(SqliteStore::open(missing_dir), Err(Error::Storage { .. })));
}
