//! The invariants every store must keep after any sequence of use cases.

use std::collections::BTreeMap;

use omskit_core::{Oms, OrderStatus, Store, StoreTx, TxMode};

/// Every invariant violation in the engine's store, described; empty when all hold:
///
/// - every stock level has `0 ≤ reserved ≤ on_hand`;
/// - a level's `reserved` equals the sum of active reservations there;
/// - every open line of a live order is reserved in full, and cancelled
///   orders hold no reservation;
/// - the stock ledger sums to every level's on hand and reserved;
/// - the audit chain verifies.
pub fn invariant_violations<S: Store>(oms: &Oms<S>) -> Vec<String> {
    let mut problems = Vec::new();
    let report = oms.verify_audit_chain().expect("audit chain readable");
    if let Some(broken) = report.first_broken {
        problems.push(format!("audit chain broken at {broken:?}"));
    }
    let mut tx = oms.store().begin(TxMode::Read).expect("read transaction");
    let levels = tx.all_stock_levels().expect("stock levels");
    let reservations = tx.active_reservations().expect("reservations");

    let mut reserved_at: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut reserved_for: BTreeMap<(String, u32), i64> = BTreeMap::new();
    let mut sku_of: BTreeMap<(String, u32), String> = BTreeMap::new();
    for r in &reservations {
        if r.quantity <= 0 {
            problems.push(format!("active reservation {} holds {} units", r.id, r.quantity));
        }
        *reserved_at.entry((r.sku.clone(), r.location.clone())).or_default() += r.quantity;
        *reserved_for.entry((r.order_id.to_string(), r.line_id)).or_default() += r.quantity;
        sku_of.insert((r.order_id.to_string(), r.line_id), r.sku.clone());
    }

    for level in &levels {
        let key = (level.sku.clone(), level.location.clone());
        if level.reserved < 0 || level.reserved > level.on_hand {
            problems.push(format!(
                "{key:?}: reserved {} outside 0..={}",
                level.reserved, level.on_hand
            ));
        }
        let held = reserved_at.remove(&key).unwrap_or(0);
        if held != level.reserved {
            problems
                .push(format!("{key:?}: reserved {} but reservations hold {held}", level.reserved));
        }
        let ledger = tx.movements(&level.sku, Some(&level.location)).expect("ledger");
        let on_hand: i64 = ledger.iter().map(|m| m.on_hand_delta).sum();
        let reserved: i64 = ledger.iter().map(|m| m.reserved_delta).sum();
        if (on_hand, reserved) != (level.on_hand, level.reserved) {
            problems.push(format!(
                "{key:?}: ledger sums to on hand {on_hand}, reserved {reserved}; level says {}, {}",
                level.on_hand, level.reserved
            ));
        }
    }
    for (key, held) in reserved_at {
        problems
            .push(format!("{key:?}: reservations hold {held} units but there is no stock level"));
    }

    let mut after = None;
    loop {
        let page = tx.orders(after, 1_000).expect("orders");
        for order in &page {
            for line in &order.lines {
                let key = (order.id.to_string(), line.id);
                if let Some(sku) = sku_of.get(&key).filter(|sku| **sku != line.sku) {
                    problems.push(format!(
                        "order {} line {} orders {} but holds a reservation of {sku}",
                        order.id, line.id, line.sku
                    ));
                }
                let held = reserved_for.remove(&key).unwrap_or(0);
                let expected = if order.status == OrderStatus::Cancelled {
                    0
                } else {
                    i64::from(line.quantity)
                };
                if held != expected {
                    problems.push(format!(
                        "order {} line {}: {held} units reserved, {expected} expected",
                        order.id, line.id
                    ));
                }
            }
        }
        match page.last() {
            Some(last) => after = Some(last.id),
            None => break,
        }
    }
    for ((order, line), held) in reserved_for {
        problems.push(format!(
            "order {order} line {line}: {held} units reserved for a line that does not exist"
        ));
    }
    problems
}

/// Panics listing every invariant violation, if there is any.
pub fn assert_invariants<S: Store>(oms: &Oms<S>) {
    let problems = invariant_violations(oms);
    assert!(problems.is_empty(), "invariants violated:\n{}", problems.join("\n"));
}
