"""Fixtures: an `Oms` on every store (in memory, a SQLite file, and PostgreSQL
when OMSKIT_TEST_PG_URL is set), stocked fixtures, drafts, and a full
snapshot of a store to prove that a failed call changed nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
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


def snapshot(oms: omskit.Oms) -> dict[str, Any]:
    """Everything the store holds that the binding can read: locations, stock
    levels and ledgers, orders with their reservations, and the event log."""
    orders = oms.orders(limit=1_000_000)
    skus = set(SKUS)
    events = oms.events_since(0, 1_000_000)
    for event in events:
        if "sku" in event.payload:
            skus.add(event.payload["sku"])
    return {
        "locations": [loc.to_dict() for loc in oms.locations()],
        "stock": {sku: [level.to_dict() for level in oms.stock_levels(sku)] for sku in sorted(skus)},
        "available": {sku: oms.available(sku) for sku in sorted(skus)},
        "ledger": {sku: [m.to_dict() for m in oms.stock_movements(sku)] for sku in sorted(skus)},
        "orders": [o.to_dict() for o in orders],
        "reservations": {o.id: [r.to_dict() for r in oms.reservations(o.id)] for o in orders},
        "events": [e.to_dict() for e in events],
    }


def d(text: str) -> Decimal:
    """A Decimal from its text."""
    return Decimal(text)
