"""Fulfilment, shipping, tracking and notifications from Python, on every store:
the whole lifecycle of an order, short picks, holds and cancellations,
condition readings, reopening a SQLite file, the typed results, and the
state diagrams."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import at, box, d, everything, packed, picked, ship_draft, snapshot, stock

import omskit
from omskit import (
    ConditionKind,
    FulfillmentStatus,
    MovementKind,
    NotificationKind,
    OrderStatus,
    ReservationStatus,
    TrackingEventKind,
)


def shipment_of(f: omskit.FulfillmentOrder) -> omskit.Shipment:
    assert f.shipment is not None, f"{f!r} has not shipped"
    return f.shipment


def test_the_whole_lifecycle(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_table_rate_carrier(currency="USD")
    oms.set_bin("TEE", "WH-EAST", "B-07")
    oms.set_bin("MUG", "WH-EAST", "A-01")
    assert (oms.bin("MUG", "WH-EAST"), oms.bin("MUG", "WH-WEST")) == ("A-01", None)
    order = oms.place_order(
        ship_draft(("MUG", 8, "12.50"), ("TEE", 2, "19.99"), external_id="web-1001")
    )

    # ------------------------------------------------ one per location
    east, west = oms.fulfil(order.id)
    assert (east.location, east.status, east.order_id) == ("WH-EAST", FulfillmentStatus.READY, order.id)
    assert [(x.line_id, x.sku, x.quantity) for x in east.lines] == [(1, "MUG", 5), (2, "TEE", 2)]
    assert [(x.line_id, x.sku, x.quantity) for x in west.lines] == [(1, "MUG", 3)]
    assert (east.units, east.packages, east.shipment, east.held_from, east.reason) == (7, [], None, None, None)
    assert oms.order(order.id).status is OrderStatus.PROCESSING
    assert oms.fulfil(order.id) == []  # every reserved unit already has its fulfilment order
    assert oms.fulfillments(order.id) == [east, west]
    assert oms.fulfillment(east.id) == east == oms.fulfillment(uuid.UUID(east.id))

    # ---------------------------------------- one walk, in bin order
    walk = oms.create_pick_list("WH-EAST", [east.id])
    assert walk.location == "WH-EAST" and walk.created_at.tzinfo is not None
    assert [(e.bin, e.sku, e.quantity) for e in walk.entries] == [("A-01", "MUG", 5), ("B-07", "TEE", 2)]
    assert walk.entries[0].sources[0].to_dict() == {
        "fulfillment_id": east.id, "order_id": order.id, "line_id": 1, "quantity": 5,
    }  # fmt: skip
    assert [(t.fulfillment_id, t.order_id, t.units) for t in walk.totals] == [(east.id, order.id, 7)]
    assert oms.fulfillment(east.id).status is FulfillmentStatus.PICKING

    east = oms.confirm_pick(east.id, [{"line_id": 2, "quantity": 2}, {"line_id": 1, "quantity": 5}])
    assert east.status is FulfillmentStatus.PICKED
    east = oms.pack(east.id, [box("BOX-1", (1, 5), weight="2.5"), box("BOX-2", (2, 2), weight="0.4")])
    assert east.status is FulfillmentStatus.PACKED
    assert [p.id for p in east.packages] == ["BOX-1", "BOX-2"]
    assert east.packages[1].to_dict() == {
        "id": "BOX-2", "weight_kg": d("0.4"), "length_cm": d("30"), "width_cm": d("20"),
        "height_cm": d("10"), "lines": [{"line_id": 2, "quantity": 2}],
    }  # fmt: skip
    assert east.packages[0].lines[0].quantity == 5

    # ------------------------------------- by service: ground, 3.7 kg
    quotes = oms.quote_shipment(east.id)
    assert [(q.carrier, q.service, q.cost, q.transit_days) for q in quotes] == [
        ("table-rate", "ground", d("8.50"), 5),
        ("table-rate", "express", d("17.00"), 1),
    ]
    assert all(q.currency == "USD" and q.promised_delivery.tzinfo is not None for q in quotes)
    east = oms.ship(east.id, "table-rate", "ground")
    shipment = shipment_of(east)
    assert east.status is FulfillmentStatus.SHIPPED
    assert (shipment.carrier, shipment.service, shipment.cost, shipment.currency) == (
        "table-rate", "ground", d("8.50"), "USD",
    )  # fmt: skip
    assert shipment.tracking_number.startswith("TR")
    assert shipment.label_reference == "label-" + shipment.tracking_number
    assert shipment.promised_delivery > shipment.shipped_at
    assert [q.service for q in shipment.rejected_quotes] == ["express"]
    assert (shipment.delivered_at, shipment.proof, shipment.delay_notified) == (None, None, False)
    assert oms.order(order.id).status is OrderStatus.PARTIALLY_SHIPPED

    # The stock left the East DC through the ledger; the reservations are consumed.
    assert oms.stock_level("MUG", "WH-EAST").to_dict() == {
        "sku": "MUG", "location": "WH-EAST", "on_hand": 0, "reserved": 0, "available": 0,
    }  # fmt: skip
    assert (oms.stock_level("TEE", "WH-EAST").on_hand, oms.available("TEE")) == (48, 48)
    shipped_tees = oms.stock_movements("TEE", "WH-EAST")[-1]
    assert (shipped_tees.kind, shipped_tees.on_hand_delta, shipped_tees.reserved_delta) == (
        MovementKind.SHIPMENT, -2, -2,
    )  # fmt: skip
    assert shipped_tees.reference == shipment.tracking_number
    assert sorted((r.line_id, r.location, r.quantity, r.status) for r in oms.reservations(order.id)) == [
        (1, "WH-EAST", 0, ReservationStatus.COMMITTED),
        (1, "WH-WEST", 3, ReservationStatus.ACTIVE),
        (2, "WH-EAST", 0, ReservationStatus.COMMITTED),
    ]

    # ------------------------- by rate shopping: fastest within 20.00
    west = oms.ship_with(packed(oms, west).id, {"rule": "fastest", "budget": Decimal("20")})
    west_shipment = shipment_of(west)
    assert (west_shipment.service, west_shipment.cost) == ("express", d("17.00"))
    assert [(q.service, q.cost) for q in west_shipment.rejected_quotes] == [("ground", d("8.50"))]
    assert oms.order(order.id).status is OrderStatus.SHIPPED
    assert oms.stock_level("MUG", "WH-WEST").to_dict()["on_hand"] == 17

    # ------------------------------------------------------- tracking
    number = shipment.tracking_number
    moved = oms.record_tracking_event(
        number,
        {"carrier_event_id": "ev-1", "kind": "picked_up", "occurred_at": at(0), "location": "Springfield"},
    )
    assert (moved.recorded, moved.applied, moved.fulfillment.status) == (True, True, FulfillmentStatus.IN_TRANSIT)
    again = oms.record_tracking_event(
        number, {"carrier_event_id": "ev-1", "kind": "picked_up", "occurred_at": at(0)}
    )
    assert (again.recorded, again.applied) == (False, False)  # the same event twice is one event
    ahead = oms.record_tracking_event(
        number, {"carrier_event_id": "ev-3", "kind": TrackingEventKind.OUT_FOR_DELIVERY, "occurred_at": at(20)}
    )
    assert (ahead.applied, ahead.fulfillment.status) == (True, FulfillmentStatus.OUT_FOR_DELIVERY)
    late = oms.record_tracking_event(
        number, {"carrier_event_id": "ev-2", "kind": "in_transit", "occurred_at": at(10)}
    )  # arrives after ev-3 but happened before it: kept, changes nothing
    assert (late.recorded, late.applied, late.fulfillment.status) == (
        True, False, FulfillmentStatus.OUT_FOR_DELIVERY,
    )  # fmt: skip
    trouble = oms.record_tracking_event(
        number,
        {"carrier_event_id": "ev-4", "kind": "exception", "occurred_at": at(21), "description": "gate locked"},
    )
    assert (trouble.recorded, trouble.applied) == (True, False)
    assert oms.events_since()[-1].kind == "ShipmentException"
    assert oms.events_since()[-1].payload["reason"] == "gate locked"

    delivered = oms.confirm_delivery(number, {"signed_by": "Ada Lovelace", "location": "front door"}, at(26))
    assert (delivered.applied, delivered.fulfillment.status) == (True, FulfillmentStatus.DELIVERED)
    done = shipment_of(delivered.fulfillment)
    assert done.delivered_at == at(26) and done.last_status_at == at(26)
    assert done.proof is not None and (done.proof.signed_by, done.proof.location) == ("Ada Lovelace", "front door")
    assert oms.confirm_delivery(number, {"signed_by": "Ada Lovelace"}, at(27)).recorded is False
    events = oms.tracking_events(number)
    assert [(e.carrier_event_id, e.kind, e.applied) for e in events] == [
        ("ev-1", TrackingEventKind.PICKED_UP, True),
        ("ev-3", TrackingEventKind.OUT_FOR_DELIVERY, True),
        ("ev-2", TrackingEventKind.IN_TRANSIT, False),
        ("ev-4", TrackingEventKind.EXCEPTION, False),
        ("delivery-confirmation", TrackingEventKind.DELIVERED, True),
    ]
    assert events[0].location == "Springfield" and events[3].description == "gate locked"
    assert events[0].tracking_number == number and events[0].received_at.tzinfo is not None
    assert oms.order(order.id).status is OrderStatus.SHIPPED  # the West parcel is still out

    # A carrier feed's event, its time as RFC 3339 text with an offset.
    west_number = west_shipment.tracking_number
    last = oms.record_tracking_event(
        west_number,
        {
            "carrier_event_id": "w-1",
            "kind": "delivered",
            "occurred_at": "2030-03-05T12:00:00+01:00",
            "proof": {"photo_reference": "photo-9"},
        },
    )
    assert shipment_of(last.fulfillment).delivered_at == datetime(2030, 3, 5, 11, 0, tzinfo=timezone.utc)
    assert oms.order(order.id).status is OrderStatus.DELIVERED

    # -------------------------------------------------- notifications
    page = oms.notifications_since()
    assert [n.kind for n in page.notifications] == [
        NotificationKind.ORDER_CONFIRMED,
        NotificationKind.SHIPPED,
        NotificationKind.SHIPPED,
        NotificationKind.OUT_FOR_DELIVERY,
        NotificationKind.DELIVERED,
        NotificationKind.DELIVERED,
    ]
    confirmed, first_shipped = page.notifications[:2]
    assert (confirmed.order_id, confirmed.external_id, confirmed.tracking) == (order.id, "web-1001", None)
    assert confirmed.template_key == "order_confirmed"
    assert confirmed.recipient.to_dict() == {
        "customer_id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com", "phone": None,
    }  # fmt: skip
    assert first_shipped.tracking is not None
    assert (first_shipped.tracking.fulfillment_id, first_shipped.tracking.tracking_number) == (east.id, number)
    assert (first_shipped.tracking.carrier, first_shipped.tracking.service) == ("table-rate", "ground")
    log = oms.events_since(0, 1_000_000)
    assert page.cursor == log[-1].seq
    assert [n.event_seq for n in page.notifications] == sorted({n.event_seq for n in page.notifications})
    empty = oms.notifications_since(after=page.cursor)
    assert (empty.notifications, empty.cursor) == ([], page.cursor)

    # A worker paging from a stored cursor sees the same notifications.
    cursor, seen = 0, []
    while True:
        step = oms.notifications_since(cursor, limit=3)
        seen += step.notifications
        if step.cursor == cursor:
            break
        cursor = step.cursor
    assert seen == page.notifications
    # A subscriber deriving them one event at a time too.
    derived = [n for n in map(oms.notification_for, log) if n is not None]
    assert derived == page.notifications
    assert oms.verify_audit_chain().is_intact()


def test_a_short_pick_is_written_off_and_reallocated(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.receive_stock("TEE", "WH-WEST", 10, "PO-2")
    order = oms.place_order(ship_draft(("TEE", 5, "19.99")))
    (east,) = oms.fulfil(order.id)  # all five from the East DC, the preferred location
    oms.create_pick_list("WH-EAST", [east.id])

    east = oms.confirm_pick(east.id, [{"line_id": 1, "quantity": 3}])  # two are not on the shelf
    assert east.status is FulfillmentStatus.PICKED
    assert [(x.line_id, x.quantity) for x in east.lines] == [(1, 3)]
    assert oms.stock_level("TEE", "WH-EAST").to_dict() == {
        "sku": "TEE", "location": "WH-EAST", "on_hand": 48, "reserved": 3, "available": 45,
    }  # fmt: skip
    write_off = [m for m in oms.stock_movements("TEE", "WH-EAST") if m.kind is MovementKind.ADJUSTMENT]
    assert [(m.on_hand_delta, m.reserved_delta, m.reason) for m in write_off] == [(-2, -2, "short pick")]
    confirmed = next(e for e in oms.events_since() if e.kind == "PickConfirmed")
    assert confirmed.payload["short"] == [{"line_id": 1, "quantity": 2}]

    # The missing units are reserved at the West DC, in a new fulfilment order.
    first, second = oms.fulfillments(order.id)
    assert first == east
    assert (second.location, second.status) == ("WH-WEST", FulfillmentStatus.READY)
    assert [(x.line_id, x.sku, x.quantity) for x in second.lines] == [(1, "TEE", 2)]
    assert oms.stock_level("TEE", "WH-WEST").reserved == 2
    assert oms.order(order.id).status is OrderStatus.PROCESSING

    # Both parts ship; the order is shipped once both are.
    oms.register_table_rate_carrier(currency="USD")
    oms.ship(oms.pack(east.id, [box("B-1", (1, 3))]).id, "table-rate", "ground")
    assert oms.order(order.id).status is OrderStatus.PARTIALLY_SHIPPED
    oms.ship(packed(oms, second).id, "table-rate", "ground")
    assert oms.order(order.id).status is OrderStatus.SHIPPED


def test_nothing_picked_and_nowhere_else(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(ship_draft(("CHAIR", 2, "89.00")))  # chairs are only at the East DC
    (f,) = oms.fulfil(order.id)
    oms.create_pick_list("WH-EAST", [f.id])
    f = oms.confirm_pick(f.id, [{"line_id": 1, "quantity": 0}])
    assert (f.status, f.reason, f.lines) == (FulfillmentStatus.CANCELLED, "short pick: nothing picked", [])
    assert oms.stock_level("CHAIR", "WH-EAST").to_dict() == {
        "sku": "CHAIR", "location": "WH-EAST", "on_hand": 10, "reserved": 0, "available": 10,
    }  # fmt: skip
    unfulfilled = [e.payload for e in oms.events_since() if e.kind == "UnitsUnfulfilled"]
    assert [(u["line_id"], u["sku"], u["quantity"]) for u in unfulfilled] == [(1, "CHAIR", 2)]

    # The two chairs wait in a pending fulfilment order, reserved nowhere.
    cancelled, pending = oms.fulfillments(order.id)
    assert cancelled == f
    assert (pending.location, pending.status) == ("WH-EAST", FulfillmentStatus.PENDING)
    assert [(x.line_id, x.sku, x.quantity) for x in pending.lines] == [(1, "CHAIR", 2)]
    assert oms.pending_fulfillments() == [pending]
    assert oms.order(order.id).status is OrderStatus.PROCESSING  # the pending one is open
    assert oms.fulfil(order.id) == []  # the pending one has every unit

    # Cancelling the units cancels it, and the order with it.
    gone = oms.cancel_lines(order.id, [{"line_id": 1, "quantity": None}], "out of stock")
    assert gone.status is OrderStatus.CANCELLED
    assert oms.fulfillment(pending.id).status is FulfillmentStatus.CANCELLED
    assert oms.pending_fulfillments() == []
    assert oms.stock_level("CHAIR", "WH-EAST").on_hand == 10


# ------------------------------------------------- backorders: pending ones


def three_locations(oms: omskit.Oms) -> omskit.Oms:
    """East, West and North DCs (by priority); 3 LAMPs and 2 DESKs, all at the East DC."""
    oms.add_location("WH-EAST", "East DC", 1)
    oms.add_location("WH-WEST", "West DC", 2)
    oms.add_location("WH-NORTH", "North DC", 3)
    oms.receive_stock("LAMP", "WH-EAST", 3, "PO-1")
    oms.receive_stock("DESK", "WH-EAST", 2, "PO-1")
    return oms


def short_pick(
    oms: omskit.Oms, order_id: str, *found: tuple[int, int]
) -> tuple[omskit.FulfillmentOrder, omskit.FulfillmentOrder]:
    """Fulfils an order (from one location), picks only `found` (line id,
    units) and returns the picked fulfilment order and the pending one the
    missing units went into."""
    (f,) = oms.fulfil(order_id)
    oms.create_pick_list(f.location, [f.id])
    f = oms.confirm_pick(f.id, [{"line_id": line, "quantity": units} for line, units in found])
    *_, pending = oms.fulfillments(order_id)
    assert pending.status is FulfillmentStatus.PENDING, pending
    return f, pending


def backorder(oms: omskit.Oms) -> tuple[omskit.Order, omskit.FulfillmentOrder, omskit.FulfillmentOrder]:
    """`three_locations`, an order of 3 LAMPs and 2 DESKs and a short pick at
    the East DC that found 1 of each: the order, its picked fulfilment order,
    and the pending one holding 2 LAMPs and 1 DESK."""
    three_locations(oms)
    order = oms.place_order(ship_draft(("LAMP", 3, "30.00"), ("DESK", 2, "120.00")))
    f, pending = short_pick(oms, order.id, (1, 1), (2, 1))
    return order, f, pending


def lines_of(f: omskit.FulfillmentOrder) -> list[tuple[int, str, int]]:
    return [(x.line_id, x.sku, x.quantity) for x in f.lines]


def test_a_short_pick_without_stock_elsewhere_leaves_units_pending(oms: omskit.Oms) -> None:
    order, f, pending = backorder(oms)
    assert (f.status, lines_of(f)) == (FulfillmentStatus.PICKED, [(1, "LAMP", 1), (2, "DESK", 1)])
    assert (pending.order_id, pending.location, pending.status, pending.units) == (
        order.id, "WH-EAST", FulfillmentStatus.PENDING, 3,
    )  # fmt: skip
    assert pending.status == "pending" and pending.to_dict()["status"] is FulfillmentStatus.PENDING
    assert lines_of(pending) == [(1, "LAMP", 2), (2, "DESK", 1)]
    assert oms.fulfillments(order.id) == [f, pending]
    assert oms.pending_fulfillments() == [pending]
    assert oms.order(order.id).status is OrderStatus.PROCESSING
    # Only the picked units stay reserved; the missing ones were written off.
    assert [(r.sku, r.location, r.quantity) for r in oms.reservations(order.id) if r.status is ReservationStatus.ACTIVE] == [
        ("LAMP", "WH-EAST", 1), ("DESK", "WH-EAST", 1),
    ]  # fmt: skip
    assert (oms.stock_level("LAMP", "WH-EAST").on_hand, oms.stock_level("LAMP", "WH-EAST").reserved) == (1, 1)

    # The log says so: FulfillmentCreated carries the status it starts in.
    created = [e.payload for e in oms.events_since() if e.kind == "FulfillmentCreated"]
    assert [(c["fulfillment_id"], c["status"]) for c in created] == [(f.id, "ready"), (pending.id, "pending")]
    assert created[1]["location"] == "WH-EAST"
    assert created[1]["lines"] == [x.to_dict() for x in pending.lines]
    unfulfilled = [e.payload for e in oms.events_since() if e.kind == "UnitsUnfulfilled"]
    assert [(u["line_id"], u["sku"], u["quantity"]) for u in unfulfilled] == [(1, "LAMP", 2), (2, "DESK", 1)]

    # Fulfilling again finds nothing; a receipt alone reserves nothing.
    assert oms.fulfil(order.id) == []
    oms.receive_stock("LAMP", "WH-WEST", 5, "PO-2")
    assert oms.stock_level("LAMP", "WH-WEST").reserved == 0
    assert oms.fulfillment(pending.id) == pending

    # A pending one cannot be picked or held.
    with pytest.raises(omskit.InvalidTransition) as pick:
        oms.create_pick_list("WH-EAST", [pending.id])
    assert (pick.value.entity, pick.value.from_state, pick.value.action) == (
        "fulfillment order", "pending", "start_picking",
    )  # fmt: skip
    with pytest.raises(omskit.InvalidTransition) as hold:
        oms.hold_fulfillment(pending.id, "wait")
    assert (hold.value.from_state, hold.value.action) == ("pending", "hold")

    # Cancelling it moves no stock; fulfilling puts the units into a new pending one.
    levels = [oms.stock_levels(sku) for sku in ("LAMP", "DESK")]
    cancelled = oms.cancel_fulfillment(pending.id, "re-plan")
    assert (cancelled.status, cancelled.reason) == (FulfillmentStatus.CANCELLED, "re-plan")
    assert [oms.stock_levels(sku) for sku in ("LAMP", "DESK")] == levels
    assert oms.pending_fulfillments() == []
    (again,) = oms.fulfil(order.id)
    assert again.id != pending.id
    assert (again.location, again.status, lines_of(again)) == (
        "WH-EAST", FulfillmentStatus.PENDING, [(1, "LAMP", 2), (2, "DESK", 1)],
    )  # fmt: skip
    assert oms.pending_fulfillments() == [again]


def test_allocate_reserves_a_pending_fulfillment_across_locations(oms: omskit.Oms) -> None:
    order, f, pending = backorder(oms)
    oms.register_table_rate_carrier(currency="USD")
    oms.receive_stock("LAMP", "WH-WEST", 1, "PO-2")
    oms.receive_stock("LAMP", "WH-NORTH", 4, "PO-2")
    oms.receive_stock("DESK", "WH-NORTH", 1, "PO-2")
    seq = oms.events_since()[-1].seq

    # One LAMP from the West DC; the other LAMP and the DESK from the North DC.
    allocated = oms.allocate_fulfillment(uuid.UUID(pending.id))
    assert [(a.location, a.status, lines_of(a)) for a in allocated] == [
        ("WH-WEST", FulfillmentStatus.READY, [(1, "LAMP", 1)]),
        ("WH-NORTH", FulfillmentStatus.READY, [(1, "LAMP", 1), (2, "DESK", 1)]),
    ]
    assert allocated[0].id == pending.id  # the pending one itself becomes ready
    assert oms.fulfillment(pending.id) == allocated[0]
    assert oms.fulfillments(order.id) == [f, *allocated]
    assert oms.pending_fulfillments() == []
    assert oms.order(order.id).status is OrderStatus.PROCESSING
    levels = {
        (sku, loc): (oms.stock_level(sku, loc).on_hand, oms.stock_level(sku, loc).reserved)
        for sku, loc in [("LAMP", "WH-WEST"), ("LAMP", "WH-NORTH"), ("DESK", "WH-NORTH")]
    }
    assert levels == {("LAMP", "WH-WEST"): (1, 1), ("LAMP", "WH-NORTH"): (4, 1), ("DESK", "WH-NORTH"): (1, 1)}
    reserved = [m for m in oms.stock_movements("DESK", "WH-NORTH") if m.kind is MovementKind.RESERVATION]
    assert [(m.reserved_delta, m.reference) for m in reserved] == [(1, order.id)]

    events = oms.events_since(after=seq)
    assert [e.kind for e in events] == ["StockReserved", "FulfillmentStatusChanged", "FulfillmentCreated"]
    changed, created = events[1].payload, events[2].payload
    assert (changed["fulfillment_id"], changed["action"], changed["from"], changed["to"], changed["detail"]) == (
        pending.id, "allocate", "pending", "ready", "reserved at WH-WEST",
    )  # fmt: skip
    assert (created["fulfillment_id"], created["location"], created["status"]) == (
        allocated[1].id, "WH-NORTH", "ready",
    )  # fmt: skip

    # Allocating again is refused: it is ready now.
    with pytest.raises(omskit.InvalidTransition) as again:
        oms.allocate_fulfillment(pending.id)
    assert (again.value.from_state, again.value.action) == ("ready", "allocate")

    # Every part ships as usual.
    oms.ship(oms.pack(f.id, [box("B-1", (1, 1), (2, 1))]).id, "table-rate", "ground")
    for part in allocated:
        oms.ship(packed(oms, part).id, "table-rate", "ground")
    assert oms.order(order.id).status is OrderStatus.SHIPPED
    assert (oms.stock_level("LAMP", "WH-NORTH").on_hand, oms.stock_level("LAMP", "WH-NORTH").reserved) == (3, 0)
    assert oms.verify_audit_chain().is_intact()


def test_allocate_without_enough_stock_changes_nothing(oms: omskit.Oms) -> None:
    order, _, pending = backorder(oms)
    oms.receive_stock("DESK", "WH-WEST", 1, "PO-2")  # the DESK could be reserved, the LAMPs not
    before = snapshot(oms)
    with pytest.raises(omskit.InsufficientStock) as short:
        oms.allocate_fulfillment(pending.id)
    assert type(short.value) is omskit.InsufficientStock
    assert (short.value.sku, short.value.requested, short.value.available) == ("LAMP", 2, 0)
    assert [(s.sku, s.requested, s.available) for s in short.value.shortages] == [("LAMP", 2, 0)]
    assert snapshot(oms) == before
    assert oms.pending_fulfillments() == [pending]
    assert oms.fulfillment(pending.id).status is FulfillmentStatus.PENDING

    # Once every line can be reserved in full, it is.
    oms.receive_stock("LAMP", "WH-WEST", 2, "PO-3")
    (ready,) = oms.allocate_fulfillment(pending.id)
    assert (ready.id, ready.location, ready.status, lines_of(ready)) == (
        pending.id, "WH-WEST", FulfillmentStatus.READY, [(1, "LAMP", 2), (2, "DESK", 1)],
    )  # fmt: skip
    assert oms.fulfillments(order.id)[-1] == ready


def test_allocate_refuses_what_is_not_pending(oms: omskit.Oms) -> None:
    order, f, pending = backorder(oms)
    oms.receive_stock("LAMP", "WH-WEST", 5, "PO-2")
    oms.receive_stock("DESK", "WH-WEST", 5, "PO-2")
    cancelled = oms.cancel_fulfillment(pending.id, "re-plan")
    before = snapshot(oms)
    for target, state in [(f, "picked"), (cancelled, "cancelled")]:
        with pytest.raises(omskit.InvalidTransition) as refused:
            oms.allocate_fulfillment(target.id)
        assert type(refused.value) is omskit.InvalidTransition
        assert (refused.value.entity, refused.value.from_state, refused.value.action) == (
            "fulfillment order", state, "allocate",
        )  # fmt: skip
        assert snapshot(oms) == before
    unknown = str(uuid.uuid4())
    with pytest.raises(omskit.NotFound) as missing:
        oms.allocate_fulfillment(unknown)
    assert type(missing.value) is omskit.NotFound
    assert (missing.value.entity, missing.value.id) == ("fulfillment order", unknown)
    assert snapshot(oms) == before
    assert [x.status for x in oms.fulfillments(order.id)] == [FulfillmentStatus.PICKED, FulfillmentStatus.CANCELLED]


def test_pending_fulfillments_page_by_id(oms: omskit.Oms) -> None:
    three_locations(oms)
    oms.receive_stock("LAMP", "WH-EAST", 3, "PO-2")
    first_order = oms.place_order(ship_draft(("LAMP", 3, "30.00"), ("DESK", 2, "120.00")))
    second_order = oms.place_order(ship_draft(("LAMP", 3, "30.00")))
    _, first = short_pick(oms, first_order.id, (1, 1), (2, 1))
    _, second = short_pick(oms, second_order.id, (1, 2))
    assert first.id < second.id and lines_of(second) == [(1, "LAMP", 1)]

    assert oms.pending_fulfillments() == [first, second]  # oldest first
    assert oms.pending_fulfillments(limit=1) == [first]
    assert oms.pending_fulfillments(after=first.id) == [second]
    assert oms.pending_fulfillments(uuid.UUID(first.id), 10) == [second]
    assert oms.pending_fulfillments(after=second.id) == []
    assert oms.pending_fulfillments(after=None, limit=None) == [first, second]  # type: ignore[arg-type]
    assert oms.pending_fulfillments(limit=0) == []
    assert oms.pending_fulfillments(limit=2**64 - 1) == [first, second]  # the largest limit
    assert oms.pending_fulfillments(after=str(uuid.UUID(int=0))) == [first, second]


def test_holds_and_cancellations(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(ship_draft(("TEE", 2, "19.99")))
    (f,) = oms.fulfil(order.id)

    held = oms.hold_fulfillment(f.id, "address check")
    assert (held.status, held.held_from, held.reason) == (
        FulfillmentStatus.ON_HOLD, FulfillmentStatus.READY, "address check",
    )  # fmt: skip
    with pytest.raises(omskit.InvalidTransition) as raised:
        oms.create_pick_list("WH-EAST", [f.id])
    assert (raised.value.entity, raised.value.from_state, raised.value.action) == (
        "fulfillment order", "on_hold", "start_picking",
    )  # fmt: skip
    with pytest.raises(omskit.InvalidTransition):
        oms.hold_fulfillment(f.id, "again")
    released = oms.release_fulfillment(f.id)
    assert (released.status, released.held_from, released.reason) == (FulfillmentStatus.READY, None, None)
    with pytest.raises(omskit.InvalidTransition) as not_held:
        oms.release_fulfillment(f.id)
    assert (not_held.value.from_state, not_held.value.action) == ("ready", "release")

    # A hold later in the flow returns to where it was.
    packed_f = packed(oms, f)
    assert oms.hold_fulfillment(f.id, "wait").held_from is FulfillmentStatus.PACKED
    assert oms.release_fulfillment(f.id) == oms.fulfillment(f.id)
    assert oms.fulfillment(f.id).status is FulfillmentStatus.PACKED
    assert oms.fulfillment(f.id).packages == packed_f.packages

    cancelled = oms.cancel_fulfillment(f.id, "customer called")
    assert (cancelled.status, cancelled.reason) == (FulfillmentStatus.CANCELLED, "customer called")
    with pytest.raises(omskit.InvalidTransition):
        oms.cancel_fulfillment(f.id, "again")
    # Its units go back to the order, still reserved.
    assert oms.order(order.id).status is OrderStatus.PLACED
    assert oms.available("TEE") == 48
    (again,) = oms.fulfil(order.id)
    assert again.id != f.id and again.status is FulfillmentStatus.READY and again.units == 2

    # An order on hold cannot be fulfilled.
    other = oms.hold_order(oms.place_order(ship_draft(("TEE", 1, "19.99"))).id, "fraud check")
    with pytest.raises(omskit.InvalidTransition) as on_hold:
        oms.fulfil(other.id)
    assert (on_hold.value.entity, on_hold.value.from_state, on_hold.value.action) == ("order", "on_hold", "fulfil")


def test_steps_out_of_order_are_invalid_transitions(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_table_rate_carrier(currency="USD")
    (f,) = oms.fulfil(oms.place_order(ship_draft(("TEE", 2, "19.99"))).id)
    with pytest.raises(omskit.InvalidTransition) as raised:
        oms.pack(f.id, [box("B", (1, 2))])
    assert (raised.value.entity, raised.value.from_state, raised.value.action) == ("fulfillment order", "ready", "pack")
    with pytest.raises(omskit.InvalidTransition):
        oms.confirm_pick(f.id, everything(f))
    with pytest.raises(omskit.InvalidTransition):
        oms.ship(f.id, "table-rate", "ground")
    with pytest.raises(omskit.InvalidTransition):
        oms.quote_shipment(f.id)
    f = picked(oms, f)
    with pytest.raises(omskit.InvalidTransition):
        oms.ship_with(f.id, {"rule": "cheapest"})
    shipped = oms.ship(oms.pack(f.id, [box("B", (1, 2))]).id, "table-rate", "ground")
    with pytest.raises(omskit.InvalidTransition) as too_late:
        oms.cancel_fulfillment(shipped.id, "too late")
    assert too_late.value.from_state == "shipped"


def test_condition_readings(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_table_rate_carrier(currency="USD")
    (f,) = oms.fulfil(oms.place_order(ship_draft(("TEE", 2, "19.99"))).id)
    number = shipment_of(oms.ship(packed(oms, f).id, "table-rate", "express")).tracking_number

    limits = oms.set_condition_thresholds(number, {"min_temperature_c": "2", "max_temperature_c": Decimal("8")})
    thresholds = shipment_of(limits).thresholds
    assert thresholds.to_dict() == {"min_temperature_c": d("2"), "max_temperature_c": d("8"), "max_shock_g": None}
    assert (thresholds.min_temperature_c, thresholds.max_shock_g) == (d("2"), None)

    assert oms.record_condition_reading(
        number, {"kind": "temperature", "value": "4.5", "at": at(1), "sensor": "probe-1"}
    ) is None
    breach = oms.record_condition_reading(number, {"kind": ConditionKind.TEMPERATURE, "value": 9, "at": at(2)})
    assert breach == "temperature 9 °C above 8 °C"
    exception = oms.events_since()[-1]
    assert (exception.kind, exception.payload["reason"]) == ("ShipmentException", breach)
    assert oms.record_condition_reading(number, {"kind": "shock", "value": "12.5", "at": at(3)}) is None  # no limit

    readings = oms.condition_readings(number)
    assert [(r.kind, r.value, r.at, r.sensor) for r in readings] == [
        (ConditionKind.TEMPERATURE, d("4.5"), at(1), "probe-1"),
        (ConditionKind.TEMPERATURE, d("9"), at(2), None),
        (ConditionKind.SHOCK, d("12.5"), at(3), None),
    ]
    # Typed values are accepted back.
    assert oms.record_condition_reading(number, readings[2]) is None
    assert oms.set_condition_thresholds(number, thresholds) == oms.fulfillment(f.id)
    shock = oms.set_condition_thresholds(number, {"max_shock_g": "10"})
    assert shipment_of(shock).thresholds.to_dict()["max_temperature_c"] is None  # replaced, not merged
    assert oms.record_condition_reading(number, readings[2]) == "shock 12.5 g above 10 g"


def test_the_lifecycle_survives_reopening_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with omskit.Oms.open(path) as oms:
        stock(oms)
        oms.set_bin("MUG", "WH-EAST", "A-01")
        oms.register_table_rate_carrier(currency="USD")
        order = oms.place_order(ship_draft(("MUG", 2, "12.50")))
        (f,) = oms.fulfil(order.id)
        shipped = oms.ship_with(packed(oms, f).id, {"rule": "cheapest", "deliver_by": None})
        number = shipment_of(shipped).tracking_number
        oms.record_tracking_event(number, {"carrier_event_id": "e-1", "kind": "in_transit", "occurred_at": at(1)})
        oms.record_condition_reading(number, {"kind": "temperature", "value": "21", "at": at(1)})
        before = oms.fulfillment(f.id)

    with omskit.Oms.open(path) as oms:
        assert oms.carriers() == []  # carriers belong to the process, not the file
        assert oms.fulfillment(f.id) == before
        assert before.status is FulfillmentStatus.IN_TRANSIT
        assert oms.fulfillments(order.id) == [before]
        assert oms.bin("MUG", "WH-EAST") == "A-01"
        assert [e.carrier_event_id for e in oms.tracking_events(number)] == ["e-1"]
        assert [r.value for r in oms.condition_readings(number)] == [d("21")]
        assert oms.order(order.id).status is OrderStatus.SHIPPED
        delivered = oms.confirm_delivery(number, {}, at(30))
        assert delivered.fulfillment.status is FulfillmentStatus.DELIVERED
        assert oms.order(order.id).status is OrderStatus.DELIVERED
        assert [n.kind for n in oms.notifications_since().notifications] == [
            NotificationKind.ORDER_CONFIRMED,
            NotificationKind.SHIPPED,
            NotificationKind.DELIVERED,
        ]
        assert oms.verify_audit_chain().is_intact()


def test_results_are_typed_values(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_table_rate_carrier(currency="USD")
    order = oms.place_order(ship_draft(("TEE", 2, "19.99")))
    (f,) = oms.fulfil(order.id)
    assert repr(f) == (
        f"FulfillmentOrder(id='{f.id}', order_id='{order.id}', location='WH-EAST', "
        "status=<FulfillmentStatus.READY: 'ready'>, lines=1)"
    )
    assert repr(f.lines[0]) == "FulfillmentLine(line_id=1, sku='TEE', quantity=2)"
    data = f.to_dict()
    assert list(data) == [
        "id", "order_id", "location", "status", "held_from", "reason", "lines", "packages",
        "shipment", "created_at", "updated_at",
    ]  # fmt: skip
    assert data["status"] is FulfillmentStatus.READY and data["lines"] == [f.lines[0].to_dict()]
    with pytest.raises(AttributeError):
        f.status = FulfillmentStatus.PACKED  # type: ignore[misc]
    with pytest.raises(TypeError):
        omskit.FulfillmentOrder()
    unhashable: object = f
    with pytest.raises(TypeError):
        hash(unhashable)

    shipped = oms.ship(packed(oms, f).id, "table-rate", "ground")
    shipment = shipment_of(shipped)
    assert repr(shipped).endswith(f", tracking_number='{shipment.tracking_number}')")
    assert repr(shipment) == (
        f"Shipment(tracking_number='{shipment.tracking_number}', carrier='table-rate', "
        "service='ground', cost=Decimal('8.50'), currency='USD')"
    )
    assert list(shipment.to_dict()) == [
        "tracking_number", "carrier", "service", "label_reference", "cost", "currency",
        "shipped_at", "promised_delivery", "rejected_quotes", "last_status_at", "delivered_at",
        "proof", "thresholds", "delay_notified",
    ]  # fmt: skip
    assert shipped.to_dict()["shipment"] == shipment.to_dict()
    assert json.dumps(shipped.to_dict(), default=str)  # plain data
    outcome = oms.record_tracking_event(
        shipment.tracking_number, {"carrier_event_id": "x", "kind": "in_transit", "occurred_at": at(0)}
    )
    assert repr(outcome) == "TrackingOutcome(recorded=True, applied=True, status=<FulfillmentStatus.IN_TRANSIT: 'in_transit'>)"
    assert outcome.to_dict()["fulfillment"] == outcome.fulfillment.to_dict()
    event = oms.tracking_events(shipment.tracking_number)[0]
    assert list(event.to_dict()) == [
        "tracking_number", "carrier_event_id", "kind", "occurred_at", "location", "description",
        "proof", "received_at", "applied",
    ]  # fmt: skip
    page = oms.notifications_since()
    assert repr(page) == f"NotificationPage(notifications=2, cursor={page.cursor})"
    assert page.to_dict()["notifications"] == [n.to_dict() for n in page.notifications]
    assert repr(page.notifications[0]).startswith(
        f"Notification(event_seq={page.notifications[0].event_seq}, "
        "kind=<NotificationKind.ORDER_CONFIRMED: 'order_confirmed'>"
    )
    walk_order = oms.place_order(ship_draft(("TEE", 1, "19.99")))
    (g,) = oms.fulfil(walk_order.id)
    walk = oms.create_pick_list("WH-EAST", [g.id])
    assert repr(walk) == f"PickList(id='{walk.id}', location='WH-EAST', entries=1, fulfillments=1)"
    assert walk.to_dict()["entries"] == [e.to_dict() for e in walk.entries]
    assert walk.entries[0].bin is None


def test_enums_follow_the_state_machines() -> None:
    assert issubclass(FulfillmentStatus, str) and FulfillmentStatus("out_for_delivery") is FulfillmentStatus.OUT_FOR_DELIVERY
    for machine, states in (("order", OrderStatus), ("fulfillment", FulfillmentStatus)):
        chart = omskit.diagram(machine)  # type: ignore[arg-type]
        drawn = {word for line in chart.splitlines()[1:] for word in line.split() if word.isidentifier()}
        assert {s.value for s in states} <= drawn, machine
    assert [k.value for k in TrackingEventKind] == [
        "label_created", "picked_up", "in_transit", "out_for_delivery", "delivered",
        "delivery_failed", "exception", "returned_to_sender",
    ]  # fmt: skip
    assert [k.value for k in FulfillmentStatus] == [
        "pending", "ready", "picking", "picked", "packed", "shipped", "in_transit",
        "out_for_delivery", "delivered", "delivery_failed", "returned_to_sender", "on_hold",
        "cancelled",
    ]  # fmt: skip
    assert [k.value for k in ConditionKind] == ["temperature", "shock"]
    assert [k.value for k in NotificationKind] == [
        "order_confirmed", "shipped", "out_for_delivery", "delivered", "delayed", "delivery_failed",
    ]  # fmt: skip


def test_state_diagrams() -> None:
    order = omskit.diagram("order")
    assert order == omskit.diagram("order", format="mermaid")
    assert order.startswith("stateDiagram-v2\n    [*] --> placed\n")
    assert "    processing --> partially_shipped : ship\n" in order
    assert order.endswith("    cancelled --> [*]\n    delivered --> [*]\n")
    fulfillment = omskit.diagram("fulfillment", format="dot")
    assert fulfillment.startswith("digraph fulfillment {\n    rankdir=LR;\n")
    assert '    "packed" -> "shipped" [label="ship"];\n' in fulfillment
    assert '    "pending" -> "ready" [label="allocate"];\n' in fulfillment
    assert "    [*] --> pending\n    pending --> ready : allocate\n" in omskit.diagram("fulfillment")
    assert fulfillment.endswith("}\n")
    with pytest.raises(omskit.ValidationError) as machine:
        omskit.diagram("invoice")  # type: ignore[arg-type]
    assert machine.value.field == "machine"
    with pytest.raises(omskit.ValidationError) as fmt:
        omskit.diagram("order", format="svg")  # type: ignore[arg-type]
    assert fmt.value.field == "format"
    with pytest.raises(TypeError):
        omskit.diagram(None)  # type: ignore[arg-type]
