//! The conformance suite on SQLite files (synchronous=NORMAL keeps it quick;
//! durability settings do not change behaviour).

use omskit_core::Oms;
use omskit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use omskit_testkit::fixtures::TempDir;

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

omskit_testkit::conformance_tests!(with_factory);
