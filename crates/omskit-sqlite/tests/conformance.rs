//! The conformance suite on SQLite files (synchronous=NORMAL keeps it quick;
//! durability settings do not change behaviour).

use omskit_core::Oms;
use omskit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use omskit_testkit::fixtures::TempDir;
use omskit_testkit::{concurrency, lifecycle, properties, validation};

/// Engines over fresh files in one temp directory that lives as long as the test.
fn with_factory(label: &str, run: impl FnOnce(&dyn Fn() -> Oms<SqliteStore>)) {
    let dir = TempDir::new(label);
    let counter = std::cell::Cell::new(0);
    let factory = || {
        counter.set(counter.get() + 1);
        let options =
            SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
        let path = dir.join(&format!("db-{}.sqlite", counter.get()));
        Oms::new(SqliteStore::open_with(path, options).expect("open database"))
    };
    run(&factory);
}

#[test]
fn lifecycle() {
    with_factory("lifecycle", |f| lifecycle::run(f));
}

#[test]
fn validation() {
    with_factory("validation", |f| validation::run(f));
}

#[test]
fn properties() {
    with_factory("properties", |f| properties::run(f));
}

#[test]
fn concurrency() {
    with_factory("concurrency", |f| concurrency::run(f));
}
