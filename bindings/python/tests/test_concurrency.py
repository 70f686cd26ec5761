"""Threads: one `Oms` shared by many Python threads never oversells, and the
GIL is released while the engine works."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import PG_URL, draft, pg_schema

import omskit

THREADS = 8
STOCK = 60
ATTEMPTS_PER_THREAD = 15  # 120 one-unit orders for 60 units


def race(oms: omskit.Oms) -> tuple[list[str], int, list[BaseException]]:
    """8 threads place one-unit orders until each made its attempts; returns
    the placed order ids, the count of InsufficientStock, and other errors."""
    oms.add_location("WH-EAST", "East DC", 1)
    oms.add_location("WH-WEST", "West DC", 2)
    oms.receive_stock("SCARCE", "WH-EAST", STOCK // 2, "PO-1")
    oms.receive_stock("SCARCE", "WH-WEST", STOCK - STOCK // 2, "PO-1")
    placed: list[str] = []
    short = 0
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def buyer(n: int) -> None:
        nonlocal short
        start.wait()
        for i in range(ATTEMPTS_PER_THREAD):
            try:
                order = oms.place_order(
                    draft(("SCARCE", 1, "9.99"), customer={"id": f"c-{n}-{i}", "name": "Buyer"})
                )
            except omskit.InsufficientStock:
                with lock:
                    short += 1
            except BaseException as e:  # noqa: BLE001 - reported by the test
                with lock:
                    errors.append(e)
            else:
                with lock:
                    placed.append(order.id)

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return placed, short, errors


def check_exactly_the_stock_is_sold(oms: omskit.Oms) -> None:
    placed, short, errors = race(oms)
    assert errors == []
    assert len(placed) == STOCK
    assert len(set(placed)) == STOCK
    assert short == THREADS * ATTEMPTS_PER_THREAD - STOCK
    assert oms.available("SCARCE") == 0
    levels = oms.stock_levels("SCARCE")
    assert sum(lv.reserved for lv in levels) == STOCK
    assert all(lv.reserved == lv.on_hand for lv in levels)
    assert len(oms.orders(limit=1000)) == STOCK
    reserved = sum(r.quantity for o in placed for r in oms.reservations(o))
    assert reserved == STOCK
    assert oms.verify_audit_chain().is_intact()


def test_threads_sell_exactly_the_stock_on_sqlite(tmp_path: Path) -> None:
    with omskit.Oms.open(tmp_path / "shop.db") as oms:
        check_exactly_the_stock_is_sold(oms)


def test_threads_sell_exactly_the_stock_in_memory() -> None:
    check_exactly_the_stock_is_sold(omskit.Oms.in_memory())


@pytest.mark.skipif(not PG_URL, reason="OMSKIT_TEST_PG_URL is not set")
def test_threads_sell_exactly_the_stock_on_postgres() -> None:
    assert PG_URL is not None
    with omskit.Oms.connect(PG_URL, schema=pg_schema()) as oms:
        check_exactly_the_stock_is_sold(oms)


def test_other_threads_run_while_the_engine_works(tmp_path: Path) -> None:
    """With a switch interval far longer than the call, another Python thread
    can only run during `place_orders` if the call released the GIL."""
    oms = omskit.Oms.open(tmp_path / "shop.db", synchronous="full")
    oms.add_location("WH-EAST", "East DC", 1)
    oms.receive_stock("TEE", "WH-EAST", 1_000_000, "PO-1")
    drafts = [draft(("TEE", 1, "19.99")) for _ in range(2000)]
    ticks = 0
    stop = threading.Event()
    running = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        running.set()
        while not stop.is_set():
            ticks += 1
            time.sleep(0)  # a blocking call: gives the GIL back to the main thread at once

    interval = sys.getswitchinterval()
    thread = threading.Thread(target=ticker)
    thread.start()
    running.wait()
    try:
        sys.setswitchinterval(30.0)
        before = ticks
        results = oms.place_orders(drafts)
        during = ticks - before
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        thread.join()
        oms.close()
    assert all(isinstance(r, omskit.Order) for r in results)
    assert during > 0, "no other thread ran while the engine worked"


def test_closing_while_other_threads_use_it(tmp_path: Path) -> None:
    oms = omskit.Oms.open(tmp_path / "shop.db", synchronous="normal")
    oms.add_location("WH-EAST", "East DC", 1)
    oms.receive_stock("TEE", "WH-EAST", 1_000_000, "PO-1")
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(200):
            try:
                oms.place_order(draft(("TEE", 1, "19.99")))
                outcome = "placed"
            except omskit.OmsError as e:
                assert type(e) is omskit.OmsError and "closed" in str(e)
                outcome = "closed"
            with lock:
                outcomes.append(outcome)
            if outcome == "closed":
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    oms.close()
    for t in threads:
        t.join()
    assert oms.closed
    with omskit.Oms.open(tmp_path / "shop.db") as again:
        assert len(again.orders(limit=10_000)) == outcomes.count("placed")
    assert os.path.exists(tmp_path / "shop.db")


def test_replacing_python_hold_rules_while_threads_place_orders(tmp_path: Path) -> None:
    """Python checks run inside the engine's transactions and need the
    interpreter; replacing the rules meanwhile must not deadlock."""
    oms = omskit.Oms.open(tmp_path / "shop.db", synchronous="normal")
    oms.add_location("WH-EAST", "East DC", 1)
    oms.receive_stock("TEE", "WH-EAST", 1_000_000, "PO-1")
    rules = [
        [omskit.CustomHoldRule("odd", lambda o: "odd" if o.lines[0].quantity % 2 else None)],
        [omskit.CustomHoldRule("big", lambda o: o.lines[0].quantity > 2)],
        [],
    ]
    errors: list[BaseException] = []

    def placer() -> None:
        try:
            for i in range(150):
                oms.place_order(draft(("TEE", 1 + i % 4, "19.99")))
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    threads = [threading.Thread(target=placer) for _ in range(4)]
    for t in threads:
        t.start()
    swaps = 0
    while any(t.is_alive() for t in threads):
        oms.set_hold_rules(rules[swaps % len(rules)])
        swaps += 1
    for t in threads:
        t.join()
    assert errors == []
    assert swaps > 0
    assert len(oms.orders(limit=10_000)) == 600
    oms.close()
