"""The event log: reading it, subscribing to it, verifying its chain, on every store."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import draft, stock

import omskit


def test_events_since_pages_through_the_log(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("MUG", 8, "12.50")))
    events = oms.events_since()
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert len({e.seq for e in events}) == len(events)
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["LocationAdded", "LocationAdded"]
    assert kinds[-2:] == ["OrderPlaced", "StockReserved"]
    placed = events[-2]
    assert placed.stream == f"order:{order.id}" and placed.version == 1
    assert events[-1].prev_hash == placed.hash and events[-1].version == 2
    assert placed.payload["order_id"] == order.id
    assert placed.payload["grand_total"] == "100.00"
    assert placed.payload["lines"] == [{"line_id": 1, "sku": "MUG", "quantity": 8, "unit_price": "12.50"}]
    assert isinstance(placed.recorded_at, datetime) and placed.recorded_at.tzinfo is not None
    assert placed.recorded_at.utcoffset() == timezone.utc.utcoffset(None)
    assert len(placed.hash) == 64 and events[0].prev_hash == "0" * 64

    assert oms.events_since(after=events[2].seq, limit=2) == events[3:5]
    assert oms.events_since(after=events[-1].seq) == []
    assert oms.events_since(limit=0) == []
    assert oms.events_since(after=2**64 - 1) == []


def test_subscribers_see_each_commit_after_it(stocked: omskit.Oms) -> None:
    oms = stocked
    seen: list[tuple[str, Any]] = []

    def on_event(event: omskit.EventRecord) -> None:
        # Called after the commit: the change is visible, and the Oms may be called.
        if event.kind == "OrderPlaced":
            seen.append((event.kind, oms.order(event.payload["order_id"]).status))
        else:
            seen.append((event.kind, None))

    subscription = oms.subscribe(on_event)
    also: list[omskit.EventRecord] = []
    other = oms.subscribe(also.append)
    assert subscription != other

    order = oms.place_order(draft(("TEE", 1, "19.99")))
    assert seen == [("OrderPlaced", omskit.OrderStatus.PLACED), ("StockReserved", None)]
    assert also == oms.events_since()[-2:]

    with pytest.raises(omskit.InsufficientStock):
        oms.place_order(draft(("TEE", 1000, "19.99")))
    assert len(seen) == 2  # nothing for a change that was rolled back

    assert oms.unsubscribe(subscription) is True
    assert oms.unsubscribe(subscription) is False
    assert oms.unsubscribe(12345) is False
    oms.cancel_order(order.id, "changed their mind")
    assert len(seen) == 2
    assert [e.kind for e in also[2:]] == ["StockReleased", "OrderCancelled"]


def test_a_failing_subscriber_is_reported_and_the_change_stays(
    stocked: omskit.Oms, monkeypatch: pytest.MonkeyPatch
) -> None:
    oms = stocked
    reported: list[Any] = []
    monkeypatch.setattr("sys.unraisablehook", reported.append)

    def broken(event: omskit.EventRecord) -> None:
        raise ValueError(f"cannot handle {event.kind}")

    oms.subscribe(broken)
    order = oms.place_order(draft(("TEE", 1, "19.99")))
    assert oms.order(order.id).status is omskit.OrderStatus.PLACED
    assert oms.available("TEE") == 49
    assert [str(r.exc_value) for r in reported] == [
        "cannot handle OrderPlaced",
        "cannot handle StockReserved",
    ]
    assert all(r.exc_type is ValueError and r.object is broken for r in reported)


def test_subscribers_run_on_the_thread_that_made_the_change(stocked: omskit.Oms) -> None:
    oms = stocked
    threads: list[str] = []
    oms.subscribe(lambda event: threads.append(threading.current_thread().name))
    worker = threading.Thread(
        target=lambda: oms.place_order(draft(("TEE", 1, "19.99"))), name="placer"
    )
    worker.start()
    worker.join()
    assert threads == ["placer", "placer"]


def test_subscribe_needs_a_callable(oms: omskit.Oms) -> None:
    with pytest.raises(TypeError):
        oms.subscribe("print")  # type: ignore[arg-type]


def test_verify_audit_chain(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("MUG", 8, "12.50")))
    oms.hold_order(order.id, "check")
    report = oms.verify_audit_chain()
    assert report.is_intact()
    assert report.first_broken is None
    assert report.events_checked == len(oms.events_since())
    assert report.streams == 2 + 4 + 1  # two locations, four stock levels, one order
    assert report.to_dict() == {
        "events_checked": report.events_checked,
        "streams": 7,
        "first_broken": None,
    }


def test_a_tampered_log_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with omskit.Oms.open(path) as oms:
        stock(oms)
        order = oms.place_order(draft(("MUG", 2, "12.50")))
        placed = next(e for e in oms.events_since() if e.kind == "OrderPlaced")
    db = sqlite3.connect(path)
    db.execute(
        "UPDATE events SET payload = replace(payload, '\"12.50\"', '\"1.25\"') WHERE seq = ?",
        (placed.seq,),
    )
    db.commit()
    db.close()
    with omskit.Oms.open(path) as oms:
        report = oms.verify_audit_chain()
        assert not report.is_intact()
        broken = report.first_broken
        assert broken is not None
        assert (broken.seq, broken.stream) == (placed.seq, f"order:{order.id}")
        assert broken.reason
        assert report.to_dict()["first_broken"] == broken.to_dict()
        assert repr(broken).startswith(f"BrokenLink(seq={placed.seq}, stream='order:")
