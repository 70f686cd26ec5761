use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::id::{FulfillmentId, OrderId, PickListId};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap()
}

fn line(line_id: u32, sku: &str, quantity: u32) -> FulfillmentLine {
    FulfillmentLine { line_id, sku: sku.into(), quantity }
}

fn order(id: u128, location: &str, lines: Vec<FulfillmentLine>) -> FulfillmentOrder {
    FulfillmentOrder::new(
        FulfillmentId::from_u128(id),
        OrderId::from_u128(id + 100),
        location,
        lines,
        now(),
    )
}

fn parcel() -> Parcel {
    Parcel {
        weight_kg: Decimal::new(15, 1),
        length_cm: Decimal::from(30),
        width_cm: Decimal::from(20),
        height_cm: Decimal::from(10),
    }
}

fn package(id: &str, lines: &[(u32, u32)]) -> Package {
    Package {
        id: id.into(),
        parcel: parcel(),
        lines: lines.iter().map(|&(line_id, quantity)| PackageLine { line_id, quantity }).collect(),
    }
}

#[test]
fn the_happy_path_walks_the_table_to_delivered() {
    let mut f = order(1, "WH", vec![line(1, "A", 2)]);
    for action in [
        FulfillmentAction::StartPicking,
        FulfillmentAction::ConfirmPick,
        FulfillmentAction::Pack,
        FulfillmentAction::Ship,
        FulfillmentAction::Transit,
        FulfillmentAction::OutForDelivery,
        FulfillmentAction::FailDelivery,
        FulfillmentAction::OutForDelivery,
        FulfillmentAction::Deliver,
    ] {
        f.apply(action, now()).unwrap();
    }
    assert_eq!(f.status, FulfillmentStatus::Delivered);
}

#[test]
fn invalid_transitions_name_entity_state_and_action_and_change_nothing() {
    let mut f = order(1, "WH", vec![line(1, "A", 2)]);
    let err = f.apply(FulfillmentAction::Ship, now()).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidTransition {
            entity: "fulfillment order",
            from: "ready".into(),
            action: "ship"
        }
    );
    assert_eq!(f.status, FulfillmentStatus::Ready);
    let err = f.apply(FulfillmentAction::Deliver, now()).unwrap_err();
    assert!(matches!(err, Error::InvalidTransition { action: "deliver", .. }));
}

#[test]
fn nothing_leaves_delivered_returned_or_cancelled() {
    let finals = [
        FulfillmentStatus::Delivered,
        FulfillmentStatus::ReturnedToSender,
        FulfillmentStatus::Cancelled,
    ];
    for (from, _, _) in FulfillmentStatus::TRANSITIONS {
        assert!(!finals.contains(from), "{from} has an outgoing row");
    }
}

#[test]
fn shipped_states_cannot_be_cancelled_or_held() {
    for status in FulfillmentStatus::ALL.into_iter().filter(|s| s.has_shipped()) {
        assert!(status.after(FulfillmentAction::Cancel).is_err(), "{status}");
        assert!(status.after(FulfillmentAction::Hold).is_err(), "{status}");
    }
}

#[test]
fn release_returns_to_the_state_the_hold_interrupted() {
    let mut f = order(1, "WH", vec![line(1, "A", 2)]);
    f.apply(FulfillmentAction::StartPicking, now()).unwrap();
    f.hold("address check", now()).unwrap();
    assert_eq!(
        (f.status, f.held_from),
        (FulfillmentStatus::OnHold, Some(FulfillmentStatus::Picking))
    );
    assert!(f.hold("again", now()).is_err());
    f.release(now()).unwrap();
    assert_eq!((f.status, f.held_from, f.reason.clone()), (FulfillmentStatus::Picking, None, None));
    assert!(matches!(f.release(now()), Err(Error::InvalidTransition { action: "release", .. })));
}

#[test]
fn status_names_round_trip() {
    for status in FulfillmentStatus::ALL {
        assert_eq!(FulfillmentStatus::parse(status.as_str()).unwrap(), status);
        assert_eq!(crate::store::text::name(&status).unwrap(), status.as_str());
    }
    assert!(FulfillmentStatus::parse("lost").is_err());
}

#[test]
fn packages_must_hold_every_unit_exactly_once() {
    let f = order(1, "WH", vec![line(1, "A", 2), line(2, "B", 1)]);
    f.check_packages(&[package("P1", &[(1, 2)]), package("P2", &[(2, 1)])]).unwrap();
    f.check_packages(&[package("P1", &[(1, 1), (2, 1)]), package("P2", &[(1, 1)])]).unwrap();

    let field = |r: Result<()>| match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(field(f.check_packages(&[])), "packages");
    assert_eq!(field(f.check_packages(&[package("P1", &[(1, 2)])])), "packages");
    assert_eq!(field(f.check_packages(&[package("P1", &[(1, 3), (2, 1)])])), "packages");
    assert_eq!(
        field(f.check_packages(&[package("P1", &[(1, 2)]), package("P1", &[(2, 1)])])),
        "packages[1].id"
    );
    assert_eq!(
        field(f.check_packages(&[package("P1", &[(1, 2), (2, 1)]), package("P2", &[])])),
        "packages[1].lines"
    );
    assert_eq!(
        field(f.check_packages(&[package("P1", &[(1, 2), (9, 1)])])),
        "packages[0].lines[1].line_id"
    );
    assert_eq!(
        field(f.check_packages(&[package("P1", &[(1, 2), (2, 0), (2, 1)])])),
        "packages[0].lines[1].quantity"
    );
    assert_eq!(field(f.check_packages(&[package(" ", &[(1, 2), (2, 1)])])), "packages[0].id");
    let mut heavy = package("P1", &[(1, 2), (2, 1)]);
    heavy.parcel.weight_kg = Decimal::from(-1);
    assert_eq!(field(f.check_packages(&[heavy])), "packages[0].weight_kg");
}

#[test]
fn a_pick_list_walks_bins_in_order_and_totals_per_fulfillment_order() {
    let a = order(1, "WH", vec![line(1, "SKU-B", 2), line(2, "SKU-A", 1)]);
    let b = order(2, "WH", vec![line(1, "SKU-A", 3), line(2, "SKU-C", 1)]);
    let bins = |sku: &str| match sku {
        "SKU-A" => Some("B-07".to_owned()),
        "SKU-B" => Some("A-01".to_owned()),
        _ => None,
    };
    let list =
        PickList::build(PickListId::from_u128(9), "WH", &[a.clone(), b.clone()], bins, now());
    let walk: Vec<(Option<&str>, &str, u64)> =
        list.entries.iter().map(|e| (e.bin.as_deref(), e.sku.as_str(), e.quantity)).collect();
    assert_eq!(walk, [(Some("A-01"), "SKU-B", 2), (Some("B-07"), "SKU-A", 4), (None, "SKU-C", 1)]);
    let sources: Vec<(FulfillmentId, u32)> =
        list.entries[1].sources.iter().map(|s| (s.fulfillment_id, s.quantity)).collect();
    assert_eq!(sources, [(a.id, 1), (b.id, 3)]);
    let totals: Vec<u64> = list.totals.iter().map(|t| t.units).collect();
    assert_eq!(totals, [3, 4]);
}
