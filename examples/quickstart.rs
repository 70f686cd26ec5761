//! A tour of omskit on the in-memory store: locations and stock, an order
//! split across locations, a hold rule, a shortage, an idempotent retry, an
//! edit, cancellations, a payment, fulfilment from pick list to delivery
//! (with a short pick), customer notifications, and the audit chain.
//!
//! ```sh
//! cargo run --release --example quickstart
//! ```

use std::error::Error as StdError;
use std::sync::Arc;

use omskit::fulfillment::{FulfillmentOrder, Package, PackageLine, PickedLine};
use omskit::shipping::{
    DeliveryProof, Parcel, RateShopping, TableRateCarrier, TrackingEventKind, TrackingUpdate,
};
use omskit::{
    Address, Channel, Currency, Discount, Error, HoldRule, HoldRules, LineCancel, LineDraft, Money,
    Oms, Order, OrderDraft, OrderEdit, PaymentKind,
};

const LOCATIONS: [&str; 2] = ["WH-EAST", "WH-WEST"];
const SKUS: [&str; 4] = ["MUG", "TEE", "LAPTOP", "CHAIR"];

fn main() -> Result<(), Box<dyn StdError>> {
    println!("omskit quickstart: an in-memory engine, two locations, four SKUs");
    // --- Set up: two locations, four SKUs, one hold rule. -------------------
    // Orders above 500 USD wait on hold until someone releases them.
    let rules =
        HoldRules::new().with(HoldRule::GrandTotalAbove(Money::new("500".parse()?, Currency::USD)));
    let oms = Oms::in_memory()
        .with_hold_rules(rules)
        .with_carrier(Arc::new(TableRateCarrier::standard(Currency::USD)));

    oms.add_location("WH-EAST", "East DC", 1)?; // priority 1: reserved from first
    oms.add_location("WH-WEST", "West DC", 2)?;
    for (sku, location, units) in [
        ("MUG", "WH-EAST", 5),
        ("MUG", "WH-WEST", 20),
        ("TEE", "WH-EAST", 50),
        ("TEE", "WH-WEST", 50),
        ("LAPTOP", "WH-EAST", 3),
        ("CHAIR", "WH-WEST", 12),
    ] {
        oms.receive_stock(sku, location, units, "PO-1")?;
    }
    step("Stock received");
    print_stock(&oms)?;

    // --- 1. An order split across locations. --------------------------------
    // 8 mugs: the East DC has only 5, so the other 3 are reserved in the West.
    let draft = OrderDraft::new(Channel::Web, Currency::USD)
        .external_id("web-1001")
        .idempotency_key("cart-5f2c")
        .customer("c-42", "Ada Lovelace", "ada@example.com")
        .ship_to(address())
        .line(LineDraft::new("MUG", 8, "12.50".parse()?).tax_rate("0.0825".parse()?))
        .line(LineDraft::new("TEE", 1, "19.99".parse()?).tax_rate("0.0825".parse()?))
        .discount(Some("WELCOME10"), Discount::Percent("10".parse()?))
        .shipping("4.95".parse()?);
    let split = oms.place_order(&draft)?;
    step("1. Order split across locations (8 mugs, 5 in the East)");
    print_order(&split);
    print_reservations(&oms, &split)?;
    print_stock(&oms)?;

    // --- 2. An idempotent retry. --------------------------------------------
    // The client timed out and sent the same cart again: same order back,
    // nothing reserved twice.
    let retry = oms.place_order(&draft)?;
    step("2. Retry with the same idempotency key");
    println!("  returned order {}: same order: {}", retry.id, retry.id == split.id);
    println!("  MUG available: {} (unchanged)", oms.available("MUG")?);
    // The same key with different content is a conflict naming the field.
    let changed = OrderDraft { idempotency_key: Some("cart-5f2c".into()), ..draft.clone() }
        .line(LineDraft::new("TEE", 1, "19.99".parse()?));
    match oms.place_order(&changed) {
        Err(Error::Conflict { field, message }) => {
            let field = field.unwrap_or_default();
            println!("  same key, other content -> Conflict on field {field}: {message}");
        }
        other => return Err(format!("expected a conflict, got {other:?}").into()),
    }

    // --- 3. A hold rule, then a release. -------------------------------------
    let laptop = oms.place_order(
        &OrderDraft::new(Channel::Phone, Currency::USD)
            .customer("c-7", "Grace Hopper", "grace@example.com")
            .ship_to(address())
            .line(LineDraft::new("LAPTOP", 1, "1299.00".parse()?).tax_rate("0.0825".parse()?)),
    )?;
    step("3. Order above 500 USD is held by the GrandTotalAbove rule");
    print_order(&laptop);
    for hold in laptop.active_holds() {
        println!("  hold {}: {}", hold.rule, hold.reason);
    }
    let laptop = oms.release_hold(laptop.id)?;
    println!("  after release_hold: status {}", laptop.status);

    // --- 4. Not enough stock: nothing is reserved. ---------------------------
    step("4. Order for more chairs than there are");
    let too_many = OrderDraft::new(Channel::Api, Currency::USD)
        .customer("c-9", "Alan Turing", "alan@example.com")
        .line(LineDraft::new("TEE", 1, "19.99".parse()?))
        .line(LineDraft::new("CHAIR", 100, "89.00".parse()?));
    match oms.place_order(&too_many) {
        Err(Error::InsufficientStock { sku, requested, available, shortages }) => {
            println!(
                "  InsufficientStock: sku {sku}, requested {requested}, available {available} \
                 ({} short line(s))",
                shortages.len()
            );
        }
        other => return Err(format!("expected InsufficientStock, got {other:?}").into()),
    }
    println!(
        "  nothing reserved: TEE available {}, CHAIR available {}",
        oms.available("TEE")?,
        oms.available("CHAIR")?
    );

    // --- 5. An edit: a quantity change and an added line. --------------------
    let edited = oms.place_order(
        &OrderDraft::new(Channel::Mobile, Currency::USD)
            .customer("c-11", "Katherine Johnson", "kj@example.com")
            .ship_to(address())
            .line(LineDraft::new("TEE", 2, "19.99".parse()?)),
    )?;
    step("5. Order edited: 2 -> 5 tees, plus a mug");
    print_order(&edited);
    let edited = oms.edit_order(
        edited.id,
        &[
            OrderEdit::SetQuantity { line_id: 1, quantity: 5 }, // only 3 more are reserved
            OrderEdit::AddLine { line: LineDraft::new("MUG", 1, "12.50".parse()?) },
        ],
    )?;
    println!("  after the edit:");
    print_order(&edited);
    print_reservations(&oms, &edited)?;

    // --- 6. A partial cancellation. ------------------------------------------
    // Two of the split order's mugs are released from the least preferred
    // location first (the West), so the order keeps as few shipments as it can.
    let split = oms.cancel_lines(
        split.id,
        &[LineCancel { line_id: 1, quantity: Some(2) }],
        "customer wants 6 mugs",
    )?;
    step("6. Split order: 2 of its 8 mugs cancelled");
    print_order(&split);
    print_reservations(&oms, &split)?;

    // --- 7. A full cancellation. ---------------------------------------------
    let cancelled = oms.cancel_order(edited.id, "customer changed their mind")?;
    step("7. Edited order cancelled: every reservation released");
    print_order(&cancelled);
    print_reservations(&oms, &cancelled)?;

    // --- 8. A payment. -------------------------------------------------------
    let paid = oms.record_payment(
        laptop.id,
        PaymentKind::Capture,
        laptop.totals.grand_total,
        "psp-ch-123",
    )?;
    step("8. Payment captured for the laptop order");
    print_order(&paid);

    // --- 9. Fulfilment: one fulfilment order per location. -------------------
    let fulfillments = oms.fulfil(split.id)?;
    step("9. Split order fulfilled: one fulfilment order per location");
    for f in &fulfillments {
        print_fulfillment(f);
    }
    println!("  order status: {}", oms.order(split.id)?.status);
    let east = &fulfillments[0];

    // Pick lists walk the bins in order. The East DC finds only 4 of its 5
    // mugs: the missing one is written off and re-reserved in the West.
    oms.set_bin("MUG", "WH-EAST", "A-03")?;
    oms.set_bin("TEE", "WH-EAST", "B-11")?;
    let pick_list = oms.create_pick_list("WH-EAST", &[east.id])?;
    step("10. Pick list for the East DC, then a short pick (4 of 5 mugs)");
    for entry in &pick_list.entries {
        let bin = entry.bin.as_deref().unwrap_or("-");
        println!("  bin {bin}: {} x{}", entry.sku, entry.quantity);
    }
    let picked: Vec<PickedLine> = east
        .lines
        .iter()
        .map(|l| PickedLine {
            line_id: l.line_id,
            quantity: if l.sku == "MUG" { l.quantity - 1 } else { l.quantity },
        })
        .collect();
    let east = oms.confirm_pick(east.id, &picked)?;
    for f in oms.fulfillments(split.id)? {
        print_fulfillment(&f);
    }

    // Pack, then ship with the cheapest service (the other quote is kept).
    let east = oms.pack(east.id, &[one_box(&east)])?;
    let east = oms.ship_with(east.id, &RateShopping::Cheapest { deliver_by: None })?;
    let shipment = east.shipment.as_ref().ok_or("shipped without a shipment")?;
    step("11. East DC shipped with the cheapest quote");
    println!(
        "  {} {} tracking {} cost {} promised {} ({} other quote(s) kept)",
        shipment.carrier,
        shipment.service,
        shipment.tracking_number,
        Money::new(shipment.cost, shipment.currency),
        shipment.promised_delivery.date_naive(),
        shipment.rejected_quotes.len()
    );
    println!("  order status: {}", oms.order(split.id)?.status);
    print_stock(&oms)?;

    // Carrier events arrive, one of them twice and one late: the state only
    // moves forward.
    let tracking = shipment.tracking_number.clone();
    let at = |hours| east.updated_at + chrono::Duration::hours(hours);
    for (id, kind, hours) in [
        ("ev-1", TrackingEventKind::PickedUp, 2),
        ("ev-3", TrackingEventKind::OutForDelivery, 30),
        ("ev-3", TrackingEventKind::OutForDelivery, 30),
        ("ev-2", TrackingEventKind::InTransit, 12),
    ] {
        let outcome =
            oms.record_tracking_event(&tracking, &TrackingUpdate::new(id, kind, at(hours)))?;
        println!(
            "  tracking {id} {}: recorded {}, applied {}, now {}",
            kind.as_str(),
            outcome.recorded,
            outcome.applied,
            outcome.fulfillment.status
        );
    }
    let proof = DeliveryProof { signed_by: Some("A. Lovelace".into()), ..DeliveryProof::default() };
    oms.confirm_delivery(&tracking, &proof, at(34))?;

    // The West DC ships the rest, and both packages arrive.
    for f in oms.fulfillments(split.id)?.iter().filter(|f| f.status.is_open()) {
        oms.create_pick_list(&f.location, &[f.id])?;
        let all: Vec<PickedLine> = f
            .lines
            .iter()
            .map(|l| PickedLine { line_id: l.line_id, quantity: l.quantity })
            .collect();
        let f = oms.confirm_pick(f.id, &all)?;
        let f = oms.pack(f.id, &[one_box(&f)])?;
        let f = oms.ship(f.id, "table-rate", "express")?;
        let tracking = &f.shipment.as_ref().ok_or("shipped without a shipment")?.tracking_number;
        let delivered = TrackingUpdate::new("west-1", TrackingEventKind::Delivered, at(40));
        oms.record_tracking_event(tracking, &delivered)?;
    }
    step("12. Every package delivered");
    for f in oms.fulfillments(split.id)? {
        print_fulfillment(&f);
    }
    println!("  order status: {}", oms.order(split.id)?.status);

    // --- 13. Notifications for the customer. ----------------------------------
    let page = oms.notifications_since(0, usize::MAX)?;
    step("13. Customer notifications derived from the event log");
    for n in page.notifications.iter().filter(|n| n.order_id == split.id) {
        let tracking =
            n.tracking.as_ref().map_or(String::new(), |t| format!(" {}", t.tracking_number));
        println!(
            "  to {}: {}{tracking}",
            n.recipient.email.as_deref().unwrap_or("-"),
            n.template_key
        );
    }

    // --- Where things stand. -------------------------------------------------
    step("Stock after everything");
    print_stock(&oms)?;

    let events = oms.events_since(0, usize::MAX)?;
    let audit = oms.verify_audit_chain()?;
    step("Event log");
    println!("  {} events recorded", events.len());
    println!(
        "  audit chain: {} ({} events in {} streams checked)",
        if audit.is_intact() { "intact" } else { "BROKEN" },
        audit.events_checked,
        audit.streams
    );
    if let Some(broken) = audit.first_broken {
        return Err(format!("audit chain broken at {broken:?}").into());
    }
    Ok(())
}

/// A valid US shipping address.
fn address() -> Address {
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

/// One box holding every unit of a fulfilment order.
fn one_box(f: &FulfillmentOrder) -> Package {
    Package {
        id: "box-1".into(),
        parcel: Parcel {
            weight_kg: "2.5".parse().unwrap_or_default(),
            length_cm: 40.into(),
            width_cm: 30.into(),
            height_cm: 20.into(),
        },
        lines: f
            .lines
            .iter()
            .map(|l| PackageLine { line_id: l.line_id, quantity: l.quantity })
            .collect(),
    }
}

fn print_fulfillment(f: &FulfillmentOrder) {
    let lines: Vec<String> = f.lines.iter().map(|l| format!("{} x{}", l.sku, l.quantity)).collect();
    println!("  fulfilment order at {}: {} [{}]", f.location, f.status, lines.join(", "));
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn print_order(order: &Order) {
    let money = |amount| Money::new(amount, order.currency);
    let t = &order.totals;
    // PaymentStatus has no Display; its Debug name lower-cased is its stored name.
    let payment = format!("{:?}", order.payment_status).to_lowercase();
    println!("  order {} ({}): {}, payment {payment}", order.id, order.channel, order.status);
    println!(
        "    subtotal {} - discounts {} + tax {} + shipping {} = grand total {}",
        money(t.subtotal),
        money(t.discounts),
        money(t.tax),
        money(t.shipping),
        money(t.grand_total)
    );
    for line in &order.lines {
        let cancelled = match line.cancelled_quantity {
            0 => String::new(),
            n => format!(" ({n} cancelled)"),
        };
        println!(
            "    line {}: {} x {} at {}{cancelled}, line total {}",
            line.id,
            line.quantity,
            line.sku,
            money(line.unit_price),
            money(line.total)
        );
    }
}

fn print_reservations(oms: &Oms, order: &Order) -> Result<(), Error> {
    for r in oms.reservations(order.id)? {
        println!(
            "    reservation: line {} {} x{} at {} ({})",
            r.line_id,
            r.sku,
            r.quantity,
            r.location,
            r.status.as_str()
        );
    }
    Ok(())
}

fn print_stock(oms: &Oms) -> Result<(), Error> {
    println!(
        "  {:<8} {:<8} {:>7} {:>8} {:>9}",
        "sku", "location", "on hand", "reserved", "available"
    );
    for sku in SKUS {
        for location in LOCATIONS {
            let level = oms.stock_level(sku, location)?;
            if level.on_hand == 0 && level.reserved == 0 {
                continue;
            }
            println!(
                "  {:<8} {:<8} {:>7} {:>8} {:>9}",
                sku,
                location,
                level.on_hand,
                level.reserved,
                level.available()
            );
        }
    }
    Ok(())
}
