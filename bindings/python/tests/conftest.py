"""Fixtures: an `Oms` on every store (in memory, a SQLite file, and PostgreSQL
when OMSKIT_TEST_PG_URL is set), stocked fixtures, drafts, fulfilment helpers,
and a full snapshot of a store to prove that a failed call changed nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import omskit

PG_URL = os.environ.get("OMSKIT_TEST_PG_URL")

STORES = ["memory", "sqlite", "postgres"]

OpenOms = Callable[..., omskit.Oms]


def pg_schema() -> str:
    """A schema of its own for one test, so tests never see each other's rows."""
    return "omskit_py_" + uuid.uuid4().hex[:20]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The kind of store a test runs on."""
    kind: str = request.param
    if kind == "postgres" and not PG_URL:
        pytest.skip("OMSKIT_TEST_PG_URL is not set (scripts/with-postgres.sh sets it)")
    return kind


@pytest.fixture
def open_oms(store: str, tmp_path: Path) -> Iterator[OpenOms]:
    """Opens an `Oms` on the test's store; every one opened is closed at the end.

    On SQLite and PostgreSQL, each call opens the *same* database, so a second
    call sees what the first wrote.
    """
    opened: list[omskit.Oms] = []
    schema = pg_schema()

    def make(**options: Any) -> omskit.Oms:
        if store == "memory":
            oms = omskit.Oms.in_memory(**options)
        elif store == "sqlite":
            oms = omskit.Oms.open(tmp_path / "shop.db", **options)
        else:
            assert PG_URL is not None
            oms = omskit.Oms.connect(PG_URL, schema=schema, **options)
        opened.append(oms)
        return oms

    yield make
    for oms in opened:
        oms.close()


@pytest.fixture
def oms(open_oms: OpenOms) -> omskit.Oms:
    """An empty `Oms` on the test's store."""
    return open_oms()


def stock(oms: omskit.Oms) -> omskit.Oms:
    """Two locations; MUG split 5 + 20, TEE 50 and CHAIR 12 at the first."""
    oms.add_location("WH-EAST", "East DC", 1)
    oms.add_location("WH-WEST", "West DC", 2)
    oms.receive_stock("MUG", "WH-EAST", 5, "PO-1")
    oms.receive_stock("MUG", "WH-WEST", 20, "PO-1")
    oms.receive_stock("TEE", "WH-EAST", 50, "PO-1")
    oms.receive_stock("CHAIR", "WH-EAST", 12, "PO-1")
    return oms


@pytest.fixture
def stocked(oms: omskit.Oms) -> omskit.Oms:
    """An `Oms` with the `stock` fixture data."""
    return stock(oms)


def draft(*lines: tuple[str, int, str], **fields: Any) -> dict[str, Any]:
    """A dict draft for USD web orders with one line per (sku, quantity, price)."""
    base: dict[str, Any] = {
        "channel": "web",
        "currency": "USD",
        "customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"},
        "lines": [{"sku": s, "quantity": q, "unit_price": p} for s, q, p in lines],
    }
    base.update(fields)
    return base


SKUS = ["MUG", "TEE", "CHAIR", "LAPTOP", "NEW", "Zoë-東京"]

ADDRESS: dict[str, Any] = {
    "name": "Ada Lovelace",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "62701",
    "country": "US",
}


def ship_draft(*lines: tuple[str, int, str], **fields: Any) -> dict[str, Any]:
    """A dict draft, as `draft`, shipping to a US address."""
    return draft(*lines, **({"ship_to": ADDRESS} | fields))


T0 = datetime(2030, 3, 4, 9, 30, tzinfo=timezone.utc)
"""A fixed time for carrier events (they may come from any clock)."""


def at(hours: float) -> datetime:
    """`T0` plus `hours`."""
    return T0 + timedelta(hours=hours)


def box(box_id: str, *lines: tuple[int, int], weight: str = "1.5") -> dict[str, Any]:
    """A package dict: a 30 x 20 x 10 cm box holding (line id, units) pairs."""
    return {
        "id": box_id,
        "weight_kg": weight,
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "10",
        "lines": [{"line_id": line, "quantity": units} for line, units in lines],
    }


def everything(f: omskit.FulfillmentOrder) -> list[dict[str, Any]]:
    """A pick confirmation of every unit of a fulfilment order."""
    return [{"line_id": line.line_id, "quantity": line.quantity} for line in f.lines]


def one_box(f: omskit.FulfillmentOrder, box_id: str = "BOX-1") -> list[dict[str, Any]]:
    """Every unit of a fulfilment order in one box."""
    return [box(box_id, *[(line.line_id, line.quantity) for line in f.lines])]


def picked(oms: omskit.Oms, f: omskit.FulfillmentOrder) -> omskit.FulfillmentOrder:
    """A ready fulfilment order taken through a pick list and a full pick."""
    oms.create_pick_list(f.location, [f.id])
    return oms.confirm_pick(f.id, everything(f))


def packed(oms: omskit.Oms, f: omskit.FulfillmentOrder) -> omskit.FulfillmentOrder:
    """A ready fulfilment order picked and packed in one box."""
    return oms.pack(f.id, one_box(picked(oms, f)))


def snapshot(oms: omskit.Oms) -> dict[str, Any]:
    """Everything the store holds that the binding can read: locations, stock
    levels and ledgers, orders with their reservations and fulfilment orders,
    shipments' tracking events and sensor readings, bins, the registered
    carriers, and the event log."""
    orders = oms.orders(limit=1_000_000)
    skus = set(SKUS)
    events = oms.events_since(0, 1_000_000)
    for event in events:
        if "sku" in event.payload:
            skus.add(event.payload["sku"])
    fulfillments = {o.id: oms.fulfillments(o.id) for o in orders}
    shipments = sorted(
        f.shipment.tracking_number
        for fs in fulfillments.values()
        for f in fs
        if f.shipment is not None
    )
    locations = oms.locations()
    return {
        "locations": [loc.to_dict() for loc in locations],
        "stock": {sku: [level.to_dict() for level in oms.stock_levels(sku)] for sku in sorted(skus)},
        "available": {sku: oms.available(sku) for sku in sorted(skus)},
        "ledger": {sku: [m.to_dict() for m in oms.stock_movements(sku)] for sku in sorted(skus)},
        "orders": [o.to_dict() for o in orders],
        "reservations": {o.id: [r.to_dict() for r in oms.reservations(o.id)] for o in orders},
        "events": [e.to_dict() for e in events],
        "fulfillments": {o: [f.to_dict() for f in fs] for o, fs in fulfillments.items()},
        "tracking": {n: [e.to_dict() for e in oms.tracking_events(n)] for n in shipments},
        "readings": {n: [r.to_dict() for r in oms.condition_readings(n)] for n in shipments},
        "bins": {
            (sku, loc.code): oms.bin(sku, loc.code) for sku in sorted(skus) for loc in locations
        },
        "carriers": oms.carriers(),
    }


def d(text: str) -> Decimal:
    """A Decimal from its text."""
    return Decimal(text)
