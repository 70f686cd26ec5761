//! The schema on PostgreSQL: created on connect, readable, refused when newer.

use omskit_core::{Error, Oms};
use omskit_postgres::{PgOptions, PgStore, SCHEMA_VERSION};
use omskit_testkit::fixtures::{draft, pg_test_url, stock};

fn options(schema: &str) -> PgOptions {
    PgOptions { schema: Some(format!("{schema}_{}", std::process::id())), ..PgOptions::default() }
}

#[test]
fn orders_read_plainly_in_sql_and_money_is_numeric() {
    let Some(url) = pg_test_url() else { return };
    let opts = options("schema_plain");
    let oms = Oms::new(PgStore::connect_with(&url, opts.clone()).expect("connect"));
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5)]);
    let placed = oms.place_order(&draft(&[("SKU-1", 2)]).external_id("web-1")).expect("place");
    let again = Oms::new(PgStore::connect_with(&url, opts.clone()).expect("reconnect"));
    assert_eq!(again.order(placed.id).expect("order"), placed);

    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("plain client");
    let schema = opts.schema.expect("schema");
    let row = client
        .query_one(
            &format!("SELECT grand_total::TEXT, pg_typeof(grand_total)::TEXT FROM {schema}.orders WHERE external_id = 'web-1'"),
            &[],
        )
        .expect("order row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("20.00".into(), "numeric".into())
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let Some(url) = pg_test_url() else { return };
    let opts = options("schema_newer");
    drop(PgStore::connect_with(&url, opts.clone()).expect("create"));
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("plain client");
    let schema = opts.schema.clone().expect("schema");
    client
        .batch_execute(&format!(
            "UPDATE {schema}.omskit_schema SET version = {}",
            SCHEMA_VERSION + 1
        ))
        .expect("pretend a newer omskit wrote it");
    match PgStore::connect_with(&url, opts) {
        Err(Error::UnsupportedSchema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected UnsupportedSchema, got {other:?}"),
    }
    // Refused untouched: the version is still the newer one, and no table
    // of a migration was dropped or added.
    let version: i64 = client
        .query_one(&format!("SELECT version FROM {schema}.omskit_schema"), &[])
        .expect("version")
        .get(0);
    assert_eq!(version, SCHEMA_VERSION + 1);
    assert_eq!(tables(&mut client, &schema).len(), TABLES_V2.len() + 1);
}

/// The tables of schema version 1, then those version 2 added.
const TABLES_V1: [&str; 8] = [
    "events",
    "idempotency_keys",
    "locations",
    "order_lines",
    "orders",
    "reservations",
    "stock_levels",
    "stock_movements",
];
const TABLES_V2: [&str; 16] = [
    "bins",
    "condition_readings",
    "events",
    "fulfillment_lines",
    "fulfillment_orders",
    "idempotency_keys",
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
];

/// The tables of `schema`, by name, the version table included.
fn tables(client: &mut postgres::Client, schema: &str) -> Vec<String> {
    client
        .query(
            "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = $1 \
             ORDER BY table_name",
            &[&schema],
        )
        .expect("tables")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn a_version_1_schema_is_migrated_to_the_current_version_on_connect() {
    let Some(url) = pg_test_url() else { return };
    let opts = options("schema_v1");
    let schema = opts.schema.clone().expect("schema");
    // A schema as omskit 0.1 left it: version 1, with an order in it.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("plain client");
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path = {schema}; \
             CREATE TABLE omskit_schema (version BIGINT NOT NULL); \
             INSERT INTO omskit_schema (version) VALUES (1); {}",
            include_str!("../migrations/0001_initial.sql")
        ))
        .expect("create a version-1 schema");
    let mut expected_v1: Vec<&str> = TABLES_V1.to_vec();
    expected_v1.push("omskit_schema");
    expected_v1.sort_unstable();
    assert_eq!(tables(&mut client, &schema), expected_v1);
    client
        .batch_execute(&format!(
            "INSERT INTO {schema}.locations (code, name, priority, active) VALUES ('WH-OLD', 'Old', 1, TRUE)"
        ))
        .expect("a location from before");

    let oms = Oms::new(PgStore::connect_with(&url, opts.clone()).expect("open and migrate"));
    let version: i64 = client
        .query_one(&format!("SELECT version FROM {schema}.omskit_schema"), &[])
        .expect("version")
        .get(0);
    assert_eq!((version, SCHEMA_VERSION), (3, 3));
    let pending_index: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 \
             AND indexname = 'fulfillment_orders_pending'",
            &[&schema],
        )
        .expect("indexes")
        .get(0);
    assert_eq!(pending_index, 1, "the version 3 index exists");
    let mut expected_v2: Vec<&str> = TABLES_V2.to_vec();
    expected_v2.push("omskit_schema");
    expected_v2.sort_unstable();
    assert_eq!(tables(&mut client, &schema), expected_v2);

    // The old data is still there and the new tables work with it.
    oms.receive_stock("SKU-1", "WH-OLD", 4, "PO-1").expect("stock at the old location");
    let placed = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    assert_eq!(oms.order(placed.id).expect("order"), placed);
    oms.set_bin("SKU-1", "WH-OLD", "A-1").expect("set a bin");
    assert_eq!(oms.bin("SKU-1", "WH-OLD").expect("bin"), Some("A-1".into()));

    // Opening again changes nothing.
    drop(PgStore::connect_with(&url, opts).expect("open again"));
    let version: i64 = client
        .query_one(&format!("SELECT version FROM {schema}.omskit_schema"), &[])
        .expect("version")
        .get(0);
    assert_eq!(version, SCHEMA_VERSION);
}
