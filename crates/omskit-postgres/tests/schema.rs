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
}
