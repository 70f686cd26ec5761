"""Locations and stock, on every store."""

from __future__ import annotations

import pytest
from conftest import draft

import omskit
from omskit import MovementKind


def test_add_location_and_list_them(oms: omskit.Oms) -> None:
    west = oms.add_location("WH-WEST", "West DC", 2)
    east = oms.add_location(code="WH-EAST", name="East DC", priority=1)
    assert (east.code, east.name, east.priority, east.active) == ("WH-EAST", "East DC", 1, True)
    assert west == omskit.Oms.in_memory().add_location("WH-WEST", "West DC", 2)
    assert oms.locations() == [east, west]  # by code


def test_a_location_code_is_unique(oms: omskit.Oms) -> None:
    oms.add_location("WH-EAST", "East DC", 1)
    with pytest.raises(omskit.Conflict) as raised:
        oms.add_location("WH-EAST", "Another", 2)
    assert raised.value.field == "code"
    assert [loc.name for loc in oms.locations()] == ["East DC"]


def test_set_location_active(stocked: omskit.Oms) -> None:
    oms = stocked
    assert oms.available("MUG") == 25
    off = oms.set_location_active("WH-WEST", False)
    assert off.active is False
    assert oms.available("MUG") == 5  # an inactive location takes no new reservations
    assert oms.set_location_active("WH-WEST", active=True).active is True
    assert oms.available("MUG") == 25
    with pytest.raises(omskit.NotFound) as raised:
        oms.set_location_active("NOWHERE", True)
    assert (raised.value.entity, raised.value.id) == ("location", "NOWHERE")


def test_receive_and_adjust_stock(oms: omskit.Oms) -> None:
    oms.add_location("WH-EAST", "East DC", 1)
    level = oms.receive_stock("MUG", "WH-EAST", 10, "PO-1")
    assert (level.sku, level.location, level.on_hand, level.reserved, level.available) == (
        "MUG",
        "WH-EAST",
        10,
        0,
        10,
    )
    level = oms.receive_stock(sku="MUG", location="WH-EAST", quantity=5, reference="PO-2")
    assert level.on_hand == 15
    level = oms.adjust_stock("MUG", "WH-EAST", -3, "broken in the aisle")
    assert level.on_hand == 12
    level = oms.adjust_stock("MUG", "WH-EAST", delta=2, reason="cycle count")
    assert level.on_hand == 14
    assert oms.stock_level("MUG", "WH-EAST") == level


def test_a_loss_cannot_go_below_what_is_reserved(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.place_order(draft(("CHAIR", 10, "89.00")))
    with pytest.raises(omskit.InsufficientStock) as raised:
        oms.adjust_stock("CHAIR", "WH-EAST", -3, "lost")
    assert (raised.value.sku, raised.value.requested, raised.value.available) == ("CHAIR", 3, 2)
    assert oms.stock_level("CHAIR", "WH-EAST").on_hand == 12


def test_stock_levels_and_unknown_things(stocked: omskit.Oms) -> None:
    oms = stocked
    levels = oms.stock_levels("MUG")
    assert [(lv.location, lv.on_hand) for lv in levels] == [("WH-EAST", 5), ("WH-WEST", 20)]
    assert oms.stock_levels("NEVER-SEEN") == []
    assert oms.stock_level("NEVER-SEEN", "WH-EAST").on_hand == 0
    assert oms.available("NEVER-SEEN") == 0
    with pytest.raises(omskit.NotFound):
        oms.stock_level("MUG", "NOWHERE")
    with pytest.raises(omskit.NotFound):
        oms.receive_stock("MUG", "NOWHERE", 1, "PO-1")


def test_stock_movements_are_the_ledger(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("MUG", 7, "12.50")))
    oms.cancel_order(order.id, "changed their mind")
    oms.adjust_stock("MUG", "WH-WEST", -1, "damaged")
    everywhere = oms.stock_movements("MUG")
    west = oms.stock_movements("MUG", location="WH-WEST")
    assert {m.location for m in west} == {"WH-WEST"}
    assert len(everywhere) > len(west)
    kinds = [m.kind for m in west]
    assert kinds == [
        MovementKind.RECEIPT,
        MovementKind.RESERVATION,
        MovementKind.RELEASE,
        MovementKind.ADJUSTMENT,
    ]
    assert all(isinstance(k, MovementKind) and isinstance(k, str) for k in kinds)
    reservation = west[1]
    assert (reservation.on_hand_delta, reservation.reserved_delta) == (0, 2)
    assert reservation.reference == order.id
    assert west[2].reason == "changed their mind"
    assert west[3].reason == "damaged" and west[3].on_hand_delta == -1
    # Summing the ledger gives the level.
    for location in ("WH-EAST", "WH-WEST"):
        moves = oms.stock_movements("MUG", location)
        level = oms.stock_level("MUG", location)
        assert sum(m.on_hand_delta for m in moves) == level.on_hand
        assert sum(m.reserved_delta for m in moves) == level.reserved
    assert west[0].at.tzinfo is not None

