//! Builders shared by the conformance tests.

use std::str::FromStr;
use std::sync::Arc;

use omskit_core::{
    Address, Channel, Currency, LineDraft, ManualClock, Oms, OrderDraft, SequentialIds, Store,
};
use rust_decimal::Decimal;

/// A decimal from text; panics on a typo in a test.
pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("bad decimal {text:?} in a test: {e}"))
}

/// A valid shipping address in the US.
pub fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 Analytical Row".into(),
        line2: None,
        city: "Springfield".into(),
        region: Some("IL".into()),
        postal_code: Some("62701".into()),
        country: "US".into(),
    }
}

/// A valid web order in USD with one line per `(sku, quantity)`, each at 10.00.
pub fn draft(lines: &[(&str, i64)]) -> OrderDraft {
    let mut draft = OrderDraft::new(Channel::Web, Currency::USD)
        .customer("c-1", "Ada Lovelace", "ada@example.com")
        .ship_to(address());
    for (sku, quantity) in lines {
        draft = draft.line(LineDraft::new(*sku, *quantity, dec("10.00")));
    }
    draft
}

/// Gives an engine a deterministic clock (ticking one millisecond per use
/// case) and sequential ids, so tests are reproducible on every backend.
pub fn deterministic<S: Store>(oms: Oms<S>) -> Oms<S> {
    oms.with_clock(Arc::new(ManualClock::ticking(
        ManualClock::at_epoch_2026().peek(),
        chrono::Duration::milliseconds(1),
    )))
    .with_ids(Arc::new(SequentialIds::new()))
}

/// Adds locations `(code, priority)` and receives `(sku, location, units)`.
pub fn stock<S: Store>(oms: &Oms<S>, locations: &[(&str, i32)], receipts: &[(&str, &str, i64)]) {
    for (code, priority) in locations {
        oms.add_location(code, &format!("Location {code}"), *priority).expect("add location");
    }
    for (sku, location, units) in receipts {
        oms.receive_stock(sku, location, *units, "PO-1").expect("receive stock");
    }
}

/// A directory under the system temp dir, removed with everything in it when dropped.
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// Creates a fresh, uniquely named directory.
    pub fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = format!(
            "omskit-{label}-{}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// The directory.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// A path inside it.
    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server for the tests, from `OMSKIT_TEST_PG_URL`
/// (scripts/test.sh and scripts/with-postgres.sh start a throwaway one and
/// set it). When it is not set: panics in CI (the environment variable `CI`
/// is set), where it always should be; elsewhere prints a notice that the
/// PostgreSQL tests are skipped and returns `None`, so a test can
/// `let Some(url) = pg_test_url() else { return };`.
pub fn pg_test_url() -> Option<String> {
    match std::env::var("OMSKIT_TEST_PG_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => panic!("OMSKIT_TEST_PG_URL is not set in CI"),
        Err(_) => {
            eprintln!(
                "OMSKIT_TEST_PG_URL is not set: PostgreSQL tests skipped (scripts/test.sh sets it)"
            );
            None
        }
    }
}

/// The order every benchmark places: a web order in USD shipped to
/// [`address`], one taxed line per `(sku, quantity, unit price)`, with no
/// external id and no idempotency key, so placing it again never conflicts.
pub fn bench_order(lines: &[(&str, i64, &str)]) -> OrderDraft {
    lines.iter().fold(
        OrderDraft::new(Channel::Web, Currency::USD)
            .customer("c-42", "Ada Lovelace", "ada@example.com")
            .ship_to(address())
            .shipping(dec("4.95")),
        |draft, (sku, quantity, price)| {
            draft.line(LineDraft::new(*sku, *quantity, dec(price)).tax_rate(dec("0.0825")))
        },
    )
}

/// The three-line order of the benchmarks: SKU-A, SKU-B and SKU-C, one unit each.
pub fn three_line_bench_order() -> OrderDraft {
    bench_order(&[("SKU-A", 1, "19.99"), ("SKU-B", 1, "5.49"), ("SKU-C", 1, "120.00")])
}
