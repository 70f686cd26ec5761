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
