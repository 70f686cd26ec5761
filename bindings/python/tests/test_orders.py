"""Orders: placement, idempotency, edits, holds, cancellation and payments, on every store."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, cast

import pytest
from conftest import OpenOms, d, draft, stock

import omskit
from omskit import (
    Address,
    Customer,
    Discount,
    LineCancel,
    LineDraft,
    OrderDiscount,
    OrderDraft,
    OrderEdit,
    OrderStatus,
    PaymentKind,
    PaymentStatus,
    ReservationStatus,
)


def test_place_order_prices_and_splits(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(
        draft(
            ("MUG", 8, "12.50"),
            shipping=Decimal("4.95"),
            external_id="web-1001",
            notes="gift wrap, please",
        )
        | {"lines": [{"sku": "MUG", "quantity": 8, "unit_price": "12.50", "tax_rate": "0.0825"}]}
    )
    assert order.status is OrderStatus.PLACED
    assert order.payment_status is PaymentStatus.UNPAID
    assert order.totals.grand_total == d("113.20")
    assert str(order.totals.grand_total) == "113.20"  # the currency's decimals
    assert (order.totals.subtotal, order.totals.tax, order.totals.shipping) == (
        d("100.00"),
        d("8.25"),
        d("4.95"),
    )
    line = order.lines[0]
    assert (line.id, line.sku, line.quantity, line.unit_price, line.tax_rate) == (
        1,
        "MUG",
        8,
        d("12.50"),
        d("0.0825"),
    )
    assert (line.gross, line.tax, line.total) == (d("100.00"), d("8.25"), d("108.25"))
    assert (order.channel, order.currency, order.external_id, order.notes) == (
        "web",
        "USD",
        "web-1001",
        "gift wrap, please",
    )
    assert order.customer == Customer("c-42", "Ada Lovelace", email="ada@example.com")
    assert order.placed_at.tzinfo is not None and order.placed_at == order.updated_at
    assert order.version == 1 and order.last_line_id == 1
    uuid.UUID(order.id)  # a UUID as text

    reservations = oms.reservations(order.id)
    assert [(r.location, r.quantity, r.status) for r in reservations] == [
        ("WH-EAST", 5, ReservationStatus.ACTIVE),
        ("WH-WEST", 3, ReservationStatus.ACTIVE),
    ]
    assert all(r.order_id == order.id and r.line_id == 1 and r.sku == "MUG" for r in reservations)
    assert oms.stock_level("MUG", "WH-WEST").available == 17
    assert oms.order(order.id) == order
    assert oms.order(uuid.UUID(order.id)) == order


def test_a_typed_draft_and_a_dict_draft_place_the_same_order(open_oms: OpenOms) -> None:
    address = {
        "name": "Ada Lovelace",
        "line1": "12 Analytical Row",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    as_dict: dict[str, Any] = {
        "channel": "mobile",
        "currency": "EUR",
        "external_id": "app-7",
        "customer": {"id": "c-1", "name": "Ada", "email": "ada@example.com", "phone": "+1 555 0100"},
        "ship_to": address,
        "bill_to": address,
        "lines": [
            {"sku": "MUG", "quantity": 2, "unit_price": "12.50", "discount": {"percent": "10"}},
            {"sku": "TEE", "quantity": 1, "unit_price": 20, "tax_rate": Decimal("0.2")},
        ],
        "discounts": [{"code": "WELCOME", "value": {"amount": "5.00"}}],
        "shipping": "3.90",
        "notes": "leave at the door",
    }
    typed = OrderDraft(
        "mobile",
        "EUR",
        Customer("c-1", "Ada", email="ada@example.com", phone="+1 555 0100"),
        [
            LineDraft("MUG", 2, Decimal("12.50"), discount=Discount.percent("10")),
            LineDraft("TEE", 1, 20, tax_rate="0.2"),
        ],
        external_id="app-7",
        ship_to=Address(
            "Ada Lovelace", "12 Analytical Row", "Springfield", "US", region="IL", postal_code="62701"
        ),
        bill_to=address,
        discounts=[OrderDiscount(Discount.amount("5.00"), code="WELCOME")],
        shipping=Decimal("3.90"),
        notes="leave at the door",
    )
    assert OrderDraft.from_dict(as_dict) == typed
    assert OrderDraft.from_dict(typed.to_dict()) == typed

    a = stock(open_oms()).place_order(as_dict).to_dict()
    b = omskit.Oms.in_memory()
    stock(b)
    c = b.place_order(typed).to_dict()
    for key in ("id", "placed_at", "updated_at"):
        a.pop(key), c.pop(key)
    assert a == c
    assert a["totals"] == {
        "subtotal": d("45.00"),
        "discounts": d("7.50"),
        "tax": d("3.53"),  # 20 % of the TEE line after its 2.35 share of the 5.00 off
        "shipping": d("3.90"),
        "grand_total": d("44.93"),
    }
    assert a["ship_to"] == a["bill_to"] == dict(address, line2=None)


def test_insufficient_stock_reserves_nothing(stocked: omskit.Oms) -> None:
    oms = stocked
    with pytest.raises(omskit.InsufficientStock) as raised:
        oms.place_order(draft(("TEE", 1, "19.99"), ("CHAIR", 100, "89.00"), ("MUG", 30, "12.50")))
    e = raised.value
    assert (e.sku, e.requested, e.available) == ("CHAIR", 100, 12)
    assert [(s.sku, s.requested, s.available) for s in e.shortages] == [
        ("CHAIR", 100, 12),
        ("MUG", 30, 25),
    ]
    assert isinstance(e, omskit.OmsError)
    assert "CHAIR" in str(e)
    assert oms.available("TEE") == 50
    assert oms.orders() == []


def test_idempotent_retries_and_conflicts(stocked: omskit.Oms) -> None:
    oms = stocked
    cart = draft(("TEE", 2, "19.99"), idempotency_key="cart-5f2c")
    first = oms.place_order(cart)
    again = oms.place_order(cart | {"lines": [{"sku": "TEE", "quantity": 2, "unit_price": "19.990"}]})
    assert again.id == first.id
    assert oms.available("TEE") == 48

    changed = cart | {"lines": cart["lines"] + [{"sku": "CHAIR", "quantity": 1, "unit_price": "89"}]}
    with pytest.raises(omskit.Conflict) as raised:
        oms.place_order(changed)
    assert raised.value.field == "lines[1]"

    oms.place_order(draft(("TEE", 1, "19.99"), external_id="web-1"))
    with pytest.raises(omskit.Conflict) as taken:
        oms.place_order(draft(("TEE", 1, "19.99"), external_id="web-1"))
    assert taken.value.field == "external_id"
    # The same external id in another channel is another order.
    oms.place_order(draft(("TEE", 1, "19.99"), external_id="web-1", channel="ebay-de"))
    assert oms.available("TEE") == 46


def test_place_orders_reports_each_draft(stocked: omskit.Oms) -> None:
    oms = stocked
    results = oms.place_orders(
        [
            draft(("TEE", 1, "19.99")),
            draft(("CHAIR", 100, "89.00")),
            draft(("TEE", 0, "19.99")),
            OrderDraft("web", "USD", {"id": "c-1", "name": "Ada"}, [LineDraft("MUG", 1, "12.50")]),
            draft(("TEE", 2**70, "19.99")),
        ]
    )
    assert [type(r).__name__ for r in results] == [
        "Order",
        "InsufficientStock",
        "ValidationError",
        "Order",
        "ValidationError",
    ]
    assert isinstance(results[2], omskit.ValidationError) and results[2].field == "lines[0].quantity"
    assert isinstance(results[4], omskit.ValidationError) and results[4].field == "lines[0].quantity"
    assert isinstance(results[1], omskit.InsufficientStock) and results[1].sku == "CHAIR"
    assert oms.available("TEE") == 49 and oms.available("MUG") == 24
    assert len(oms.orders()) == 2
    assert oms.place_orders([]) == []
    with pytest.raises(TypeError, match=r"drafts\[1\]"):
        oms.place_orders([draft(("TEE", 1, "19.99")), "not a draft"])  # type: ignore[list-item]
    assert len(oms.orders()) == 2


def test_orders_page_in_placement_order(stocked: omskit.Oms) -> None:
    oms = stocked
    placed = [oms.place_order(draft(("TEE", 1, "19.99"))).id for _ in range(5)]
    assert [o.id for o in oms.orders()] == placed
    assert [o.id for o in oms.orders(limit=2)] == placed[:2]
    assert [o.id for o in oms.orders(after=placed[1], limit=2)] == placed[2:4]
    assert [o.id for o in oms.orders(after=uuid.UUID(placed[3]))] == placed[4:]
    assert oms.orders(limit=0) == []


def test_unknown_orders_are_not_found(stocked: omskit.Oms) -> None:
    oms = stocked
    unknown = str(uuid.uuid4())
    for call in (
        lambda: oms.order(unknown),
        lambda: oms.reservations(unknown),
        lambda: oms.hold_order(unknown, "why"),
        lambda: oms.release_hold(unknown),
        lambda: oms.cancel_order(unknown, "why"),
        lambda: oms.cancel_lines(unknown, [LineCancel(1)], "why"),
        lambda: oms.edit_order(unknown, [OrderEdit.remove_line(1)]),
        lambda: oms.record_payment(unknown, "capture", "1.00", "psp-1"),
    ):
        with pytest.raises(omskit.NotFound) as raised:
            call()
        assert (raised.value.entity, raised.value.id) == ("order", unknown)


def test_edit_order(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("TEE", 2, "19.99"), ("MUG", 1, "12.50")))
    order = oms.edit_order(
        order.id,
        [
            OrderEdit.set_quantity(1, 5),
            {"op": "add_line", "line": {"sku": "CHAIR", "quantity": 2, "unit_price": "89.00"}},
            OrderEdit.remove_line(line_id=2),
        ],
    )
    assert [(line.id, line.sku, line.quantity) for line in order.lines] == [
        (1, "TEE", 5),
        (3, "CHAIR", 2),
    ]
    assert order.last_line_id == 3 and order.version == 2
    assert order.totals.grand_total == d("277.95")
    assert (oms.available("TEE"), oms.available("MUG"), oms.available("CHAIR")) == (45, 25, 10)
    with pytest.raises(omskit.InsufficientStock):
        oms.edit_order(order.id, [OrderEdit.set_quantity(3, 13)])
    with pytest.raises(omskit.NotFound) as line:
        oms.edit_order(order.id, [{"op": "remove_line", "line_id": 2}])
    assert line.value.entity == "order line"
    with pytest.raises(omskit.ValidationError) as empty:
        oms.edit_order(order.id, [])
    assert empty.value.field == "edits"
    with pytest.raises(omskit.ValidationError) as zero:
        oms.edit_order(order.id, [OrderEdit.set_quantity(1, 0)])
    assert zero.value.field == "edits[0].quantity"
    assert oms.order(order.id) == order


def test_hold_and_release(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("TEE", 1, "19.99")))
    with pytest.raises(omskit.InvalidTransition) as raised:
        oms.release_hold(order.id)
    e = raised.value
    assert (e.entity, e.from_state, e.action) == ("order", "placed", "release_hold")
    held = oms.hold_order(order.id, reason="fraud check")
    assert held.status is OrderStatus.ON_HOLD
    assert [(h.rule, h.reason, h.released_at) for h in held.holds] == [("manual", "fraud check", None)]
    released = oms.release_hold(order.id)
    assert released.status is OrderStatus.PLACED
    assert released.holds[0].released_at is not None
    assert released.holds[0].released_at >= released.holds[0].placed_at


def test_cancel_order_and_lines(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("MUG", 8, "12.50"), ("TEE", 3, "19.99")))
    order = oms.cancel_lines(order.id, [LineCancel(1, 4)], "customer wants 4")
    assert [(line.quantity, line.cancelled_quantity) for line in order.lines] == [(4, 4), (3, 0)]
    # Released from the least preferred location first.
    assert [(r.location, r.quantity) for r in oms.reservations(order.id) if r.line_id == 1] == [
        ("WH-EAST", 4),
        ("WH-WEST", 0),
    ]
    assert oms.available("MUG") == 21
    order = oms.cancel_lines(order.id, [{"line_id": 2}], reason="out of fashion")
    assert order.status is OrderStatus.PLACED and order.lines[1].quantity == 0
    order = oms.cancel_lines(order.id, [{"line_id": 1, "quantity": None}], "all gone")
    assert order.status is OrderStatus.CANCELLED
    assert order.cancel_reason == "all gone"
    assert (oms.available("MUG"), oms.available("TEE")) == (25, 50)
    with pytest.raises(omskit.InvalidTransition) as raised:
        oms.cancel_order(order.id, "again")
    assert raised.value.from_state == "cancelled"

    other = oms.place_order(draft(("CHAIR", 2, "89.00")))
    cancelled = oms.cancel_order(other.id, reason="changed their mind")
    assert cancelled.status is OrderStatus.CANCELLED
    assert all(r.status is ReservationStatus.RELEASED for r in oms.reservations(other.id))
    assert oms.available("CHAIR") == 12


def test_record_payment(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("CHAIR", 1, "89.00"), shipping="11.00"))
    order = oms.record_payment(order.id, PaymentKind.AUTHORIZATION, Decimal("100.00"), "psp-auth-1")
    assert order.payment_status is PaymentStatus.AUTHORIZED
    assert order.authorized == d("100.00")
    order = oms.record_payment(order.id, kind="capture", amount="60", reference="psp-cap-1")
    assert order.payment_status is PaymentStatus.AUTHORIZED
    order = oms.record_payment(order.id, "capture", 40, "psp-cap-2")
    assert order.payment_status is PaymentStatus.PAID
    assert (order.captured, order.authorized) == (d("100.00"), d("0"))
    assert [(p.kind, p.amount, p.reference) for p in order.payments] == [
        (PaymentKind.AUTHORIZATION, d("100.00"), "psp-auth-1"),
        (PaymentKind.CAPTURE, d("60"), "psp-cap-1"),
        (PaymentKind.CAPTURE, d("40"), "psp-cap-2"),
    ]
    # Recording the same payment again changes nothing; another amount is a conflict.
    assert oms.record_payment(order.id, "capture", "40.00", "psp-cap-2") == order
    with pytest.raises(omskit.Conflict) as raised:
        oms.record_payment(order.id, "capture", "39", "psp-cap-2")
    assert raised.value.field == "reference"
    with pytest.raises(omskit.ValidationError) as too_much:
        oms.record_payment(order.id, "capture", "0.01", "psp-cap-3")
    assert too_much.value.field == "amount"
    with pytest.raises(omskit.ValidationError) as kind:
        oms.record_payment(order.id, "refund", "1", "psp-x")
    assert kind.value.field == "kind"


def test_hold_rules(open_oms: OpenOms) -> None:
    seen: list[omskit.Order] = []

    def vip(order: omskit.Order) -> str | None:
        seen.append(order)
        return "check VIP" if order.customer.id == "c-vip" else None

    oms = stock(
        open_oms(
            hold_rules=[
                omskit.GrandTotalAbove("500", "USD"),
                omskit.LineQuantityAbove(10),
                omskit.CustomHoldRule("vip", vip),
                omskit.CustomHoldRule("never", lambda order: False),
            ]
        )
    )
    small = oms.place_order(draft(("TEE", 10, "19.99")))
    assert small.status is OrderStatus.PLACED
    assert isinstance(seen[0], omskit.Order) and seen[0].lines[0].sku == "TEE"
    big = oms.place_order(draft(("TEE", 11, "19.99"), ("CHAIR", 6, "89.00")))
    assert big.status is OrderStatus.ON_HOLD
    assert [h.rule for h in big.holds] == ["grand_total_above", "line_quantity_above"]
    assert "exceeds" in big.holds[0].reason
    vip_order = oms.place_order(draft(("TEE", 1, "19.99"), customer={"id": "c-vip", "name": "V"}))
    assert [(h.rule, h.reason) for h in vip_order.holds] == [("vip", "check VIP")]
    # Edits run the rules again.
    edited = oms.edit_order(small.id, [OrderEdit.set_quantity(1, 11)])
    assert [h.rule for h in edited.holds] == ["line_quantity_above"]
    # Other currencies pass the USD limit.
    euro = oms.place_order(draft(("CHAIR", 6, "89.00"), currency="EUR"))
    assert euro.status is OrderStatus.PLACED


def test_hold_rules_can_be_replaced(open_oms: OpenOms) -> None:
    oms = stock(open_oms(hold_rules=[omskit.LineQuantityAbove(1)]))
    assert oms.place_order(draft(("TEE", 2, "19.99"))).status is OrderStatus.ON_HOLD
    oms.set_hold_rules([])
    assert oms.place_order(draft(("TEE", 2, "19.99"))).status is OrderStatus.PLACED
    oms.set_hold_rules([omskit.CustomHoldRule("tees", lambda o: "tees" if o.lines[0].sku == "TEE" else None)])
    held = oms.place_order(draft(("TEE", 1, "19.99")))
    assert [(h.rule, h.reason) for h in held.holds] == [("tees", "tees")]
    assert oms.place_order(draft(("MUG", 1, "12.50"))).status is OrderStatus.PLACED
    with pytest.raises(TypeError):
        oms.set_hold_rules([omskit.LineQuantityAbove(1), "not a rule"])  # type: ignore[list-item]
    assert oms.place_order(draft(("TEE", 1, "19.99"))).status is OrderStatus.ON_HOLD  # unchanged


def test_a_failing_hold_check_holds_the_order_and_is_reported(
    open_oms: OpenOms, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[Any] = []
    monkeypatch.setattr("sys.unraisablehook", reported.append)
    oms_ref: list[omskit.Oms] = []

    def broken(order: omskit.Order) -> str:
        raise RuntimeError("the fraud service is down")

    def reentrant(order: omskit.Order) -> None:
        oms_ref[0].available("TEE")  # must not call the Oms from a check

    oms = stock(
        open_oms(
            hold_rules=[
                omskit.CustomHoldRule("fraud", broken),
                omskit.CustomHoldRule("reentrant", reentrant),
                omskit.CustomHoldRule("odd", lambda order: cast(Any, 42)),
            ]
        )
    )
    oms_ref.append(oms)
    order = oms.place_order(draft(("TEE", 1, "19.99")))
    assert order.status is OrderStatus.ON_HOLD
    assert [h.rule for h in order.holds] == ["fraud", "reentrant", "odd"]
    assert "the fraud service is down" in order.holds[0].reason
    assert [type(r.exc_value) for r in reported] == [RuntimeError, omskit.OmsError, TypeError]
    assert reported[0].object is not None
    assert "must not call the Oms" in str(reported[1].exc_value)
    assert oms.available("TEE") == 49  # the order is placed, and held


def test_hold_rule_arguments_are_checked() -> None:
    with pytest.raises(omskit.ValidationError) as currency:
        omskit.GrandTotalAbove("500", "XXX")
    assert currency.value.field == "currency"
    with pytest.raises(TypeError):
        omskit.GrandTotalAbove(500.0, "USD")  # type: ignore[arg-type]
    with pytest.raises(omskit.ValidationError):
        omskit.LineQuantityAbove(-1)
    with pytest.raises(TypeError):
        omskit.CustomHoldRule("x", "not callable")  # type: ignore[arg-type]
    with pytest.raises(omskit.ValidationError):
        omskit.CustomHoldRule(" ", lambda o: None)
    with pytest.raises(TypeError, match=r"hold_rules\[0\]"):
        omskit.Oms.in_memory(hold_rules=["grand_total_above"])  # type: ignore[list-item]
    rule = omskit.GrandTotalAbove(Decimal("500.00"), "USD")
    assert (rule.amount, rule.currency) == (d("500.00"), "USD")
    assert rule == omskit.GrandTotalAbove("500.00", "USD")
    assert repr(rule) == "GrandTotalAbove(Decimal('500.00'), 'USD')"
    assert omskit.LineQuantityAbove(3).quantity == 3
    custom = omskit.CustomHoldRule("vip", print)
    assert (custom.name, custom.check) == ("vip", print)
