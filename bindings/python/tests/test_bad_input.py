# mypy: disable-error-code="arg-type, list-item"
# (the table passes wrong types on purpose; the stubs flag every one of them)
"""The bad-input table: every row raises its documented exception, on every
store, and leaves the store exactly as it was (a full snapshot compares equal)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from conftest import d, draft, snapshot

import omskit
from omskit import LineCancel, OrderEdit

UNKNOWN = str(uuid.uuid4())


def line(**fields: Any) -> dict[str, Any]:
    """A draft whose single line has `fields` over a valid TEE line."""
    return draft(("TEE", 1, "19.99")) | {
        "lines": [{"sku": "TEE", "quantity": 1, "unit_price": "19.99"} | fields]
    }


def with_(**fields: Any) -> dict[str, Any]:
    """A valid draft with `fields` replaced."""
    return draft(("TEE", 1, "19.99")) | fields


def customer(**fields: Any) -> dict[str, Any]:
    return with_(customer={"id": "c-1", "name": "Ada"} | fields)


ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "country": "US"}


class Case(NamedTuple):
    name: str
    call: Callable[[omskit.Oms, str], Any]
    raises: type[BaseException]
    field: str | None = None


def place(data: Any) -> Callable[[omskit.Oms, str], Any]:
    return lambda oms, order: oms.place_order(data)


CASES = [
    # -------------------------------------------------------- wrong types
    Case("code not str", lambda o, _: o.add_location(123, "X", 1), TypeError),
    Case("name None", lambda o, _: o.add_location("WH-X", None, 1), TypeError),
    Case("priority str", lambda o, _: o.add_location("WH-X", "X", "1"), TypeError),
    Case("priority float", lambda o, _: o.add_location("WH-X", "X", 1.0), TypeError),
    Case("priority bool", lambda o, _: o.add_location("WH-X", "X", True), TypeError),
    Case("active int", lambda o, _: o.set_location_active("WH-EAST", 0), TypeError),
    Case("quantity str", lambda o, _: o.receive_stock("TEE", "WH-EAST", "5", "PO"), TypeError),
    Case("quantity None", lambda o, _: o.receive_stock("TEE", "WH-EAST", None, "PO"), TypeError),
    Case("quantity float", lambda o, _: o.receive_stock("TEE", "WH-EAST", 5.0, "PO"), TypeError),
    Case("sku bytes", lambda o, _: o.receive_stock(b"TEE", "WH-EAST", 5, "PO"), TypeError),
    Case("sku None", lambda o, _: o.stock_level(None, "WH-EAST"), TypeError),
    Case("location list", lambda o, _: o.stock_movements("TEE", ["WH-EAST"]), TypeError),
    Case("draft str", place("an order"), TypeError),
    Case("draft None", place(None), TypeError),
    Case("draft list", place([("TEE", 1)]), TypeError),
    Case("lines str", place(with_(lines="TEE")), TypeError),
    Case("lines None", place(with_(lines=None)), TypeError),
    Case("line str", place(with_(lines=["TEE"])), TypeError),
    Case("customer None", place(with_(customer=None)), TypeError),
    Case("customer str", place(with_(customer="c-1")), TypeError),
    Case("channel None", place(with_(channel=None)), TypeError),
    Case("currency int", place(with_(currency=840)), TypeError),
    Case("line quantity str", place(line(quantity="2")), TypeError),
    Case("line quantity float", place(line(quantity=2.0)), TypeError),
    Case("line sku int", place(line(sku=1)), TypeError),
    Case("notes int", place(with_(notes=7)), TypeError),
    Case("ship_to str", place(with_(ship_to="1 Main St")), TypeError),
    Case("discount str", place(line(discount="10%")), TypeError),
    Case("order id int", lambda o, _: o.order(123), TypeError),
    Case("order id None", lambda o, _: o.order(None), TypeError),
    Case("edits dict", lambda o, i: o.edit_order(i, {"op": "remove_line", "line_id": 1}), TypeError),
    Case("edit str", lambda o, i: o.edit_order(i, ["remove_line"]), TypeError),
    Case("cancels str", lambda o, i: o.cancel_lines(i, "1", "r"), TypeError),
    Case("cancel line_id str", lambda o, i: o.cancel_lines(i, [{"line_id": "1"}], "r"), TypeError),
    Case("reason None", lambda o, i: o.cancel_order(i, None), TypeError),
    Case("kind None", lambda o, i: o.record_payment(i, None, "1", "psp"), TypeError),
    Case("after str", lambda o, _: o.events_since("0"), TypeError),
    Case("limit float", lambda o, _: o.orders(limit=10.0), TypeError),
    Case("subscription str", lambda o, _: o.unsubscribe("1"), TypeError),
    # --------------------------------------------------- floats for money
    Case("unit_price float", place(line(unit_price=19.99)), TypeError),
    Case("unit_price float int-valued", place(line(unit_price=20.0)), TypeError),
    Case("tax_rate float", place(line(tax_rate=0.2)), TypeError),
    Case("shipping float", place(with_(shipping=4.95)), TypeError),
    Case("discount float", place(line(discount={"amount": 1.0})), TypeError),
    Case("unit_price None", place(line(unit_price=None)), TypeError),
    Case("unit_price bool", place(line(unit_price=True)), TypeError),
    Case("payment float", lambda o, i: o.record_payment(i, "capture", 19.99, "psp"), TypeError),
    # ------------------------------------------- zero and negative numbers
    Case("receive 0", lambda o, _: o.receive_stock("TEE", "WH-EAST", 0, "PO"), omskit.ValidationError, "quantity"),
    Case("receive -5", lambda o, _: o.receive_stock("TEE", "WH-EAST", -5, "PO"), omskit.ValidationError, "quantity"),
    Case("adjust 0", lambda o, _: o.adjust_stock("TEE", "WH-EAST", 0, "why"), omskit.ValidationError, "delta"),
    Case("line quantity 0", place(line(quantity=0)), omskit.ValidationError, "lines[0].quantity"),
    Case("line quantity -1", place(line(quantity=-1)), omskit.ValidationError, "lines[0].quantity"),
    Case("unit_price negative", place(line(unit_price="-1.00")), omskit.ValidationError, "lines[0].unit_price"),
    Case("tax_rate above 1", place(line(tax_rate="1.5")), omskit.ValidationError, "lines[0].tax_rate"),
    Case("percent above 100", place(line(discount={"percent": "101"})), omskit.ValidationError, "lines[0].discount.percent"),
    Case("shipping negative", place(with_(shipping=d("-4.95"))), omskit.ValidationError, "shipping"),
    Case("shipping sub-cent", place(with_(shipping="4.955")), omskit.ValidationError, "shipping"),
    Case("cancel 0 units", lambda o, i: o.cancel_lines(i, [LineCancel(1, 0)], "r"), omskit.ValidationError, "lines[0].quantity"),
    Case("cancel -2 units", lambda o, i: o.cancel_lines(i, [{"line_id": 1, "quantity": -2}], "r"), omskit.ValidationError, "lines[0].quantity"),
    Case("cancel too many", lambda o, i: o.cancel_lines(i, [LineCancel(1, 99)], "r"), omskit.ValidationError, "lines[0].quantity"),
    Case("edit quantity -3", lambda o, i: o.edit_order(i, [OrderEdit.set_quantity(1, -3)]), omskit.ValidationError, "edits[0].quantity"),
    Case("payment 0", lambda o, i: o.record_payment(i, "capture", "0", "psp"), omskit.ValidationError, "amount"),
    Case("payment negative", lambda o, i: o.record_payment(i, "capture", -5, "psp"), omskit.ValidationError, "amount"),
    Case("limit negative", lambda o, _: o.orders(limit=-1), omskit.ValidationError, "limit"),
    Case("after negative", lambda o, _: o.events_since(after=-1), omskit.ValidationError, "after"),
    # ------------------------------------------------ ints beyond the range
    Case("receive 2**64", lambda o, _: o.receive_stock("TEE", "WH-EAST", 2**64, "PO"), omskit.ValidationError, "quantity"),
    Case("receive -2**64", lambda o, _: o.receive_stock("TEE", "WH-EAST", -(2**64), "PO"), omskit.ValidationError, "quantity"),
    Case("receive 2**62", lambda o, _: o.receive_stock("TEE", "WH-EAST", 2**62, "PO"), omskit.ValidationError, "quantity"),
    Case("adjust 2**100", lambda o, _: o.adjust_stock("TEE", "WH-EAST", 2**100, "why"), omskit.ValidationError, "delta"),
    Case("priority 2**31", lambda o, _: o.add_location("WH-X", "X", 2**31), omskit.ValidationError, "priority"),
    Case("line quantity 2**63", place(line(quantity=2**63)), omskit.ValidationError, "lines[0].quantity"),
    Case("line quantity 2**200", place(line(quantity=2**200)), omskit.ValidationError, "lines[0].quantity"),
    Case("cancel line 2**32", lambda o, i: o.cancel_lines(i, [{"line_id": 2**32}], "r"), omskit.ValidationError, "lines[0].line_id"),
    Case("edit line 2**40", lambda o, i: o.edit_order(i, [{"op": "remove_line", "line_id": 2**40}]), omskit.ValidationError, "edits[0].line_id"),
    Case("after 2**64", lambda o, _: o.events_since(after=2**64), omskit.ValidationError, "after"),
    Case("limit 2**64", lambda o, _: o.orders(limit=2**64), omskit.ValidationError, "limit"),
    Case("payment 2**100", lambda o, i: o.record_payment(i, "capture", 2**100, "psp"), omskit.ValidationError, "amount"),
    Case("unit_price 1e40", place(line(unit_price="1e40")), omskit.ValidationError, "lines[0].unit_price"),
    # ------------------------------------------ NaN and infinite Decimals
    Case("unit_price NaN", place(line(unit_price=Decimal("NaN"))), omskit.ValidationError, "lines[0].unit_price"),
    Case("unit_price sNaN", place(line(unit_price=Decimal("sNaN"))), omskit.ValidationError, "lines[0].unit_price"),
    Case("unit_price Infinity", place(line(unit_price=Decimal("Infinity"))), omskit.ValidationError, "lines[0].unit_price"),
    Case("unit_price -Infinity", place(line(unit_price=Decimal("-Infinity"))), omskit.ValidationError, "lines[0].unit_price"),
    Case("tax_rate 'inf'", place(line(tax_rate="inf")), omskit.ValidationError, "lines[0].tax_rate"),
    Case("shipping NaN", place(with_(shipping=Decimal("NaN"))), omskit.ValidationError, "shipping"),
    Case("percent Infinity", place(line(discount={"percent": Decimal("Infinity")})), omskit.ValidationError, "lines[0].discount.percent"),
    Case("payment NaN", lambda o, i: o.record_payment(i, "capture", Decimal("NaN"), "psp"), omskit.ValidationError, "amount"),
    Case("30 decimal places", place(line(unit_price=Decimal("0." + "0" * 29 + "1"))), omskit.ValidationError, "lines[0].unit_price"),
    Case("unit_price not a number", place(line(unit_price="12,50")), omskit.ValidationError, "lines[0].unit_price"),
    # --------------------------------------------- empty and long strings
    Case("code empty", lambda o, _: o.add_location("", "X", 1), omskit.ValidationError, "code"),
    Case("name empty", lambda o, _: o.add_location("WH-X", "", 1), omskit.ValidationError, "name"),
    Case("name blank", lambda o, _: o.add_location("WH-X", "   ", 1), omskit.ValidationError, "name"),
    Case("code 129 chars", lambda o, _: o.add_location("W" * 129, "X", 1), omskit.ValidationError, "code"),
    Case("name 1001 chars", lambda o, _: o.add_location("WH-X", "n" * 1001, 1), omskit.ValidationError, "name"),
    Case("sku empty", lambda o, _: o.receive_stock("", "WH-EAST", 1, "PO"), omskit.ValidationError, "sku"),
    Case("sku with a space", lambda o, _: o.receive_stock("T EE", "WH-EAST", 1, "PO"), omskit.ValidationError, "sku"),
    Case("reference empty", lambda o, _: o.receive_stock("TEE", "WH-EAST", 1, ""), omskit.ValidationError, "reference"),
    Case("line sku empty", place(line(sku="")), omskit.ValidationError, "lines[0].sku"),
    Case("line sku 1 MB", place(line(sku="S" * 1_000_000)), omskit.ValidationError, "lines[0].sku"),
    Case("customer name empty", place(customer(name="")), omskit.ValidationError, "customer.name"),
    Case("customer email", place(customer(email="ada-at-example")), omskit.ValidationError, "customer.email"),
    Case("notes 1001 chars", place(with_(notes="x" * 1001)), omskit.ValidationError, "notes"),
    Case("channel empty", place(with_(channel="")), omskit.ValidationError, "channel"),
    Case("channel capitals", place(with_(channel="Web")), omskit.ValidationError, "channel"),
    Case("currency empty", place(with_(currency="")), omskit.ValidationError, "currency"),
    Case("currency lowercase", place(with_(currency="usd")), omskit.ValidationError, "currency"),
    Case("currency unknown", place(with_(currency="XYZ")), omskit.ValidationError, "currency"),
    Case("country USA", place(with_(ship_to=ADDRESS | {"country": "USA"})), omskit.ValidationError, "ship_to.country"),
    Case("no lines", place(with_(lines=[])), omskit.ValidationError, "lines"),
    Case("1001 lines", place(with_(lines=[{"sku": "TEE", "quantity": 1, "unit_price": "1"}] * 1001)), omskit.ValidationError, "lines"),
    Case("hold reason empty", lambda o, i: o.hold_order(i, ""), omskit.ValidationError, "reason"),
    Case("cancel reason blank", lambda o, i: o.cancel_order(i, " "), omskit.ValidationError, "reason"),
    Case("payment reference empty", lambda o, i: o.record_payment(i, "capture", "1", ""), omskit.ValidationError, "reference"),
    Case("order id empty", lambda o, _: o.order(""), omskit.ValidationError, "order_id"),
    Case("order id malformed", lambda o, _: o.order("order-1"), omskit.ValidationError, "order_id"),
    Case("edit op unknown", lambda o, i: o.edit_order(i, [{"op": "delete"}]), omskit.ValidationError, "edits[0].op"),
    Case("no edits", lambda o, i: o.edit_order(i, []), omskit.ValidationError, "edits"),
    Case("no cancels", lambda o, i: o.cancel_lines(i, [], "r"), omskit.ValidationError, "lines"),
    Case("misspelt key", place(line(unit_prise="1")), omskit.ValidationError, "lines[0].unit_prise"),
    Case("missing lines", place({k: v for k, v in with_().items() if k != "lines"}), omskit.ValidationError, "lines"),
    Case("missing customer id", place(with_(customer={"name": "Ada"})), omskit.ValidationError, "customer.id"),
    Case("discount both kinds", place(line(discount={"amount": "1", "percent": "1"})), omskit.ValidationError, "lines[0].discount"),
    # ------------------------------------------------------- odd text
    Case("lone surrogate", place(line(sku="\ud800")), omskit.ValidationError, "lines[0].sku"),
    Case("NUL in a name", lambda o, _: o.add_location("WH-X", "East\x00DC", 1), omskit.ValidationError, "name"),
    Case("newline in a sku", lambda o, _: o.receive_stock("TE\nE", "WH-EAST", 1, "PO"), omskit.ValidationError, "sku"),
    # ------------------------------------------------------ unknown ids
    Case("unknown order", lambda o, _: o.order(UNKNOWN), omskit.NotFound),
    Case("unknown order to hold", lambda o, _: o.hold_order(UNKNOWN, "why"), omskit.NotFound),
    Case("unknown location", lambda o, _: o.receive_stock("TEE", "NOWHERE", 1, "PO"), omskit.NotFound),
    Case("unknown location level", lambda o, _: o.stock_level("TEE", "NOWHERE"), omskit.NotFound),
    Case("unknown location switch", lambda o, _: o.set_location_active("NOWHERE", False), omskit.NotFound),
    Case("unknown line cancel", lambda o, i: o.cancel_lines(i, [LineCancel(99)], "r"), omskit.NotFound),
    Case("unknown line edit", lambda o, i: o.edit_order(i, [OrderEdit.set_quantity(99, 1)]), omskit.NotFound),
    # ---------------------------------------- state, uniqueness and stock
    Case("release a placed order", lambda o, i: o.release_hold(i), omskit.InvalidTransition),
    Case("duplicate location", lambda o, _: o.add_location("WH-EAST", "Again", 3), omskit.Conflict, "code"),
    Case("too many units", place(line(quantity=51)), omskit.InsufficientStock),
    Case("edit beyond stock", lambda o, i: o.edit_order(i, [OrderEdit.set_quantity(1, 60)]), omskit.InsufficientStock),
    Case("loss below reserved", lambda o, _: o.adjust_stock("TEE", "WH-EAST", -50, "lost"), omskit.InsufficientStock),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_changes_nothing(stocked: omskit.Oms, case: Case) -> None:
    oms = stocked
    order = oms.place_order(draft(("TEE", 2, "19.99"), ("MUG", 1, "12.50")))
    before = snapshot(oms)
    with pytest.raises(case.raises) as raised:
        case.call(oms, order.id)
    assert type(raised.value) is case.raises
    if case.field is not None:
        assert getattr(raised.value, "field", None) == case.field, str(raised.value)
        if case.raises is omskit.ValidationError:
            assert case.field in str(raised.value)  # the message names the field too
    assert snapshot(oms) == before


def test_a_float_for_money_says_what_to_pass_instead(stocked: omskit.Oms) -> None:
    with pytest.raises(TypeError) as raised:
        stocked.place_order(line(unit_price=19.99))
    message = str(raised.value)
    assert "lines[0].unit_price" in message and "Decimal" in message and "str" in message


def test_case_names_are_unique() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
