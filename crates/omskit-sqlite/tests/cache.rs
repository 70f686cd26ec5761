//! The store keeps the orders and fulfilment orders its write transactions
//! read or wrote, for the next ones. What it keeps must always be what is
//! stored: a commit by another connection (another store on the file, as
//! another process would be) and a rolled-back transaction both show.

use omskit_core::fulfillment::FulfillmentStatus;
use omskit_core::order::OrderStatus;
use omskit_core::{Error, Oms, Store, StoreTx, TxMode};
use omskit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use omskit_testkit::fixtures::{draft, stock, TempDir};

fn open(dir: &TempDir) -> Oms<SqliteStore> {
    let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
    Oms::new(SqliteStore::open_with(dir.join("shop.db"), options).expect("open"))
}

#[test]
fn what_another_connection_commits_is_seen_by_the_next_write() {
    let dir = TempDir::new("cache-other-connection");
    let first = open(&dir);
    stock(&first, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = first.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    // The first store now knows the order, on hold.
    first.hold_order(order.id, "address check").expect("hold");
    let second = open(&dir);
    let released = second.release_hold(order.id).expect("release from the second store");

    // Had the first store answered from what it knew, the order would still
    // be on hold, and holding it again refused.
    let held = first.hold_order(order.id, "fraud check").expect("hold sees the release");
    assert_eq!(held.status, OrderStatus::OnHold);
    assert_eq!(held.version, released.version + 1);
    first.release_hold(order.id).expect("release");

    // The same for a fulfilment order the first store knows.
    let fulfillment = first.fulfil(order.id).expect("fulfil").remove(0);
    second.hold_fulfillment(fulfillment.id, "damaged shelf").expect("hold from the second store");
    let refused = first.create_pick_list("WH-A", &[fulfillment.id]);
    assert!(
        matches!(refused, Err(Error::InvalidTransition { .. })),
        "a fulfilment order held elsewhere is not picked: {refused:?}"
    );
    assert_eq!(
        first.fulfillment(fulfillment.id).expect("fulfillment").status,
        FulfillmentStatus::OnHold
    );
}

#[test]
fn what_a_rolled_back_transaction_wrote_is_not_kept() {
    let dir = TempDir::new("cache-rollback");
    let oms = open(&dir);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    let fulfillment = oms.fulfil(order.id).expect("fulfil").remove(0);

    {
        let mut tx = oms.store().begin(TxMode::Write).expect("begin");
        let mut changed = tx.order(order.id).expect("read").expect("order");
        changed.status = OrderStatus::OnHold;
        changed.version += 1;
        tx.update_order(&changed).expect("update");
        let mut f = tx.fulfillment(fulfillment.id).expect("read").expect("fulfillment");
        f.status = FulfillmentStatus::OnHold;
        tx.put_fulfillment(&f).expect("put");
        // Dropped: rolled back.
    }

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_eq!(tx.order(order.id).expect("read"), Some(oms.order(order.id).expect("stored")));
    assert_ne!(tx.order(order.id).expect("read").expect("order").status, OrderStatus::OnHold);
    assert_eq!(
        tx.fulfillment(fulfillment.id).expect("read").expect("fulfillment").status,
        fulfillment.status
    );
}
