//! The conformance suite on PostgreSQL. The server comes from
//! `OMSKIT_TEST_PG_URL` (scripts/test.sh starts a throwaway one); every
//! engine gets a schema of its own in that database.

use omskit_core::Oms;
use omskit_postgres::{PgOptions, PgStore};
use omskit_testkit::fixtures::pg_test_url;

/// Runs one area of the suite at a time. Events become readable once every
/// older transaction on the server has ended, and the suite reads the log
/// right after writing it, so no other test may hold a transaction open then.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn with_factory(label: &str, run: impl FnOnce(&dyn Fn() -> Oms<PgStore>)) {
    let Some(url) = pg_test_url() else { return };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let counter = std::cell::Cell::new(0);
    let factory = || {
        counter.set(counter.get() + 1);
        let schema = format!("t_{label}_{}_{}", std::process::id(), counter.get());
        let options = PgOptions { schema: Some(schema), ..PgOptions::default() };
        Oms::new(PgStore::connect_with(&url, options).expect("connect to PostgreSQL"))
    };
    run(&factory);
}

omskit_testkit::conformance_tests!(with_factory);
