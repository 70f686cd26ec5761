"""The Python face of the binding: typed results, enums, drafts, text,
opening and closing stores, and the documentation of every public name."""

from __future__ import annotations

import enum
import inspect
import json
import pickle
import sqlite3
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_URL, d, draft, stock

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
)


def test_results_are_typed_values(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("MUG", 8, "12.50"), ("TEE", 1, "19.99")))
    again = oms.order(order.id)
    assert again == order and not (again != order)
    assert order != oms.place_order(draft(("TEE", 1, "19.99")))
    assert order != order.to_dict()  # type: ignore[comparison-overlap]
    assert order != "an order"  # type: ignore[comparison-overlap]
    with pytest.raises(AttributeError):
        order.status = OrderStatus.CANCELLED  # type: ignore[misc]
    with pytest.raises(TypeError):
        omskit.Order()

    assert repr(order).startswith(f"Order(id='{order.id}', channel='web', status=<OrderStatus.PLACED")
    assert "grand_total=Decimal('119.99')" in repr(order)
    line = order.lines[0]
    assert repr(line).startswith("OrderLine(id=1, sku='MUG', quantity=8,")
    assert line == order.lines[0] and line != order.lines[1]
    assert repr(order.totals) == (
        "Totals(subtotal=Decimal('119.99'), discounts=Decimal('0.00'), tax=Decimal('0.00'), "
        "shipping=Decimal('0.00'), grand_total=Decimal('119.99'))"
    )
    level = oms.stock_level("MUG", "WH-EAST")
    assert repr(level) == "StockLevel(sku='MUG', location='WH-EAST', on_hand=5, reserved=5, available=0)"
    assert level.to_dict() == {"sku": "MUG", "location": "WH-EAST", "on_hand": 5, "reserved": 5, "available": 0}

    data = order.to_dict()
    assert list(data) == [
        "id", "channel", "external_id", "idempotency_key", "customer", "ship_to", "bill_to",
        "currency", "lines", "last_line_id", "discounts", "notes", "totals", "status",
        "payment_status", "authorized", "captured", "payments", "holds", "cancel_reason",
        "placed_at", "updated_at", "version",
    ]  # fmt: skip
    assert data["lines"][0] == line.to_dict()
    assert data["totals"] == order.totals.to_dict()
    assert isinstance(data["totals"]["grand_total"], Decimal)
    assert data["status"] is OrderStatus.PLACED
    assert data["status"] == "placed"  # type: ignore[comparison-overlap]
    assert isinstance(data["placed_at"], datetime) and data["placed_at"].tzinfo is timezone.utc
    # Plain data serializes with a default for Decimal and datetime only.
    text = json.dumps(data, default=str)
    assert '"status": "placed"' in text and '"grand_total": "119.99"' in text
    unhashable: Any = order  # values compare by content, so they are not hashable
    with pytest.raises(TypeError):
        hash(unhashable)


def test_enums_are_strings() -> None:
    assert issubclass(OrderStatus, str)
    assert OrderStatus("on_hold") is OrderStatus.ON_HOLD
    assert OrderStatus.ON_HOLD == "on_hold"  # type: ignore[comparison-overlap]
    assert str(OrderStatus.ON_HOLD) == "on_hold" and f"{OrderStatus.ON_HOLD}" == "on_hold"
    assert json.dumps([PaymentKind.CAPTURE]) == '["capture"]'
    assert [m.value for m in omskit.PaymentStatus] == ["unpaid", "authorized", "paid"]
    assert [m.value for m in omskit.ReservationStatus] == ["active", "released", "committed"]
    assert [m.value for m in omskit.MovementKind] == [
        "receipt", "adjustment", "reservation", "release", "shipment",
    ]  # fmt: skip
    assert [m.value for m in OrderStatus] == [
        "placed", "on_hold", "processing", "partially_shipped", "shipped", "delivered", "cancelled",
    ]  # fmt: skip


def test_draft_objects(oms: omskit.Oms) -> None:
    line = LineDraft("MUG", 2, "12.50", discount={"percent": 10}, tax_rate=Decimal("0.2"))
    assert (line.sku, line.quantity, line.unit_price, line.tax_rate) == ("MUG", 2, d("12.50"), d("0.2"))
    assert line.discount == Discount.percent(10)
    assert (line.discount.kind, line.discount.value) == ("percent", d("10"))
    assert repr(line.discount) == "Discount.percent(Decimal('10'))"
    assert Discount.amount("1.50").to_dict() == {"amount": d("1.50")}
    assert line.to_dict() == {
        "sku": "MUG", "quantity": 2, "unit_price": d("12.50"),
        "discount": {"percent": d("10")}, "tax_rate": d("0.2"),
    }  # fmt: skip
    assert LineDraft("MUG", 2, "12.50").tax_rate == 0 and LineDraft("MUG", 2, "12.50").discount is None

    address = Address("Ada", "1 Main St", "Springfield", "US", postal_code="62701")
    assert (address.line2, address.region, address.postal_code) == (None, None, "62701")
    assert repr(address) == (
        "Address(name='Ada', line1='1 Main St', line2=None, city='Springfield', region=None, "
        "postal_code='62701', country='US')"
    )
    customer = Customer("c-1", "Ada")
    assert (customer.email, customer.phone) == (None, None)
    assert customer.to_dict() == {"id": "c-1", "name": "Ada", "email": None, "phone": None}

    discount = OrderDiscount({"amount": "5"}, code="WELCOME")
    assert (discount.code, discount.value) == ("WELCOME", Discount.amount(5))
    draft_ = OrderDraft(
        "pos", "JPY", customer, [line], ship_to=address, discounts=[discount], idempotency_key="k-1"
    )
    assert (draft_.channel, draft_.currency, draft_.idempotency_key) == ("pos", "JPY", "k-1")
    assert (draft_.external_id, draft_.bill_to, draft_.notes) == (None, None, None)
    assert draft_.customer == customer and draft_.ship_to == address
    assert draft_.lines == [line] and draft_.discounts == [discount]
    assert draft_.shipping == 0
    assert repr(draft_) == "OrderDraft(channel='pos', currency='JPY', customer='c-1', lines=1)"
    assert OrderDraft.from_dict(draft_.to_dict()) == draft_
    with pytest.raises(TypeError):
        OrderDraft.from_dict(draft_)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        OrderDraft("web", "USD", customer, [line], "positional-external-id")  # type: ignore[call-arg]

    edits = [OrderEdit.add_line(line), OrderEdit.remove_line(2), OrderEdit.set_quantity(1, 3)]
    assert [e.op for e in edits] == ["add_line", "remove_line", "set_quantity"]
    assert (edits[0].line, edits[0].line_id, edits[0].quantity) == (line, None, None)
    assert (edits[2].line, edits[2].line_id, edits[2].quantity) == (None, 1, 3)
    assert edits[1].to_dict() == {"op": "remove_line", "line_id": 2}
    assert repr(edits[2]) == "OrderEdit(op='set_quantity', line_id=1, quantity=3)"
    cancel = LineCancel(1)
    assert (cancel.line_id, cancel.quantity) == (1, None)
    assert LineCancel(1, 2).to_dict() == {"line_id": 1, "quantity": 2}
    assert LineCancel(1, 2) == LineCancel(line_id=1, quantity=2) != LineCancel(1)


def test_non_ascii_text_round_trips(oms: omskit.Oms) -> None:
    oms.add_location("LAGER-MÜNCHEN", "Lager München — Süd", 1)
    oms.receive_stock("Zoë-東京", "LAGER-MÜNCHEN", 3, "Bestellung №7")
    order = oms.place_order(
        draft(
            ("Zoë-東京", 2, "1200"),
            currency="JPY",
            customer={"id": "顧客-1", "name": "山田 太郎", "email": "taro@例え.jp"},
            notes="Grüße 👋\nzweite Zeile",
        )
    )
    again = oms.order(order.id)
    assert again.customer.name == "山田 太郎" and again.notes == "Grüße 👋\nzweite Zeile"
    assert again.lines[0].sku == "Zoë-東京"
    assert again.totals.grand_total == d("2400")
    assert oms.locations()[0].name == "Lager München — Süd"
    assert oms.stock_movements("Zoë-東京")[0].reference == "Bestellung №7"
    assert oms.available("Zoë-東京") == 1


def test_money_keeps_its_digits(stocked: omskit.Oms) -> None:
    oms = stocked
    order = oms.place_order(draft(("TEE", 3, "19.990"), shipping=Decimal("5E+0")))
    assert str(order.lines[0].unit_price) == "19.990"  # kept as given
    assert str(order.totals.grand_total) == "64.97"  # rounded to the currency's decimals
    for text, value in [("1E+2", "100"), ("0.5E-1", "0.05"), ("-0", "0"), ("+3.10", "3.10")]:
        assert LineDraft("X", 1, Decimal(text)).unit_price == Decimal(value)
    assert LineDraft("X", 1, "79228162514264337593543950335").unit_price == Decimal(
        "79228162514264337593543950335"
    )
    with pytest.raises(omskit.ValidationError):
        LineDraft("X", 1, "79228162514264337593543950336")
    assert LineDraft("X", 1, "0." + "0" * 27 + "1").unit_price == Decimal("1E-28")
    assert LineDraft("X", 1, "1.50000000000000000000000000000000").unit_price == Decimal("1.5")


def test_closing(tmp_path: Path) -> None:
    with omskit.Oms.open(tmp_path / "shop.db") as oms:
        assert not oms.closed
        assert repr(oms) == f"<omskit.Oms sqlite '{tmp_path / 'shop.db'}'>"
        stock(oms)
    assert oms.closed
    assert repr(oms).endswith(", closed>")
    for call in (lambda: oms.available("MUG"), lambda: oms.locations(), lambda: oms.subscribe(print)):
        with pytest.raises(omskit.OmsError) as raised:
            call()
        assert type(raised.value) is omskit.OmsError and "closed" in str(raised.value)
    with pytest.raises(omskit.OmsError):
        with oms:
            pass
    oms.close()  # again: nothing happens

    memory = omskit.Oms.in_memory()
    assert repr(memory) == "<omskit.Oms in memory>"
    with memory:
        memory.add_location("WH-EAST", "East DC", 1)
    assert memory.closed


def test_an_exception_in_the_with_block_still_closes() -> None:
    with pytest.raises(KeyError):
        with omskit.Oms.in_memory() as oms:
            raise KeyError("boom")
    assert oms.closed


def test_opening_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with omskit.Oms.open(str(path), synchronous="normal") as oms:
        stock(oms)
    with omskit.Oms.open(path, synchronous="full") as oms:
        assert oms.available("MUG") == 25
    with pytest.raises(omskit.ValidationError) as raised:
        omskit.Oms.open(path, synchronous="fast")  # type: ignore[arg-type]
    assert raised.value.field == "synchronous"
    with pytest.raises(TypeError):
        omskit.Oms.open(42)  # type: ignore[arg-type]
    with pytest.raises(omskit.StorageError) as missing:
        omskit.Oms.open(tmp_path / "no" / "such" / "dir" / "shop.db")
    assert missing.value.retryable is False


def test_a_newer_schema_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    omskit.Oms.open(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 9999")
    db.commit()
    db.close()
    with pytest.raises(omskit.StorageError) as raised:
        omskit.Oms.open(path)
    assert "9999" in str(raised.value)


def test_connecting_to_postgres_fails_cleanly() -> None:
    with pytest.raises(omskit.ValidationError) as raised:
        omskit.Oms.connect("not a url at all ::")
    assert raised.value.field == "url"
    with pytest.raises(omskit.StorageError):
        # A port nothing listens on: refused at once.
        omskit.Oms.connect("postgresql://omskit@127.0.0.1:1/postgres")
    with pytest.raises(omskit.ValidationError) as pool:
        omskit.Oms.connect("postgresql://omskit@127.0.0.1:1/postgres", pool_size=0)
    assert pool.value.field == "pool_size"


@pytest.mark.skipif(not PG_URL, reason="OMSKIT_TEST_PG_URL is not set")
def test_postgres_schemas_keep_stores_apart() -> None:
    assert PG_URL is not None
    a_schema = "omskit_py_" + uuid.uuid4().hex[:20]
    with omskit.Oms.connect(PG_URL, schema=a_schema, pool_size=2) as a:
        stock(a)
        assert repr(a) == f"<omskit.Oms postgresql schema '{a_schema}'>"
    with omskit.Oms.connect(PG_URL, schema=a_schema) as again:
        assert again.available("MUG") == 25
    with omskit.Oms.connect(PG_URL, schema="omskit_py_" + uuid.uuid4().hex[:20]) as b:
        assert b.available("MUG") == 0


def test_errors_form_one_hierarchy() -> None:
    for cls in (
        omskit.NotFound,
        omskit.ValidationError,
        omskit.InsufficientStock,
        omskit.InvalidTransition,
        omskit.Conflict,
        omskit.StorageError,
    ):
        assert issubclass(cls, omskit.OmsError) and cls.__module__ == "omskit"
    assert issubclass(omskit.OmsError, Exception)
    assert omskit.ValidationError("x").field is None  # class-level defaults
    assert omskit.InsufficientStock("x").shortages == ()
    error = pickle.loads(pickle.dumps(omskit.ValidationError("bad")))
    assert type(error) is omskit.ValidationError and str(error) == "bad"


def public_names() -> list[tuple[str, Any]]:
    """Every public class of `omskit`, and every public method and property of each."""
    found: list[tuple[str, Any]] = []
    for name in omskit.__all__:
        cls = getattr(omskit, name)
        if not inspect.isclass(cls):
            continue  # __version__, the HoldRule alias
        found.append((name, cls))
        if issubclass(cls, enum.Enum):
            continue  # members are documented in the class
        for attr, member in vars(cls).items():
            if attr.startswith("_"):
                continue
            if callable(member) or inspect.isdatadescriptor(member) or isinstance(member, staticmethod):
                found.append((f"{name}.{attr}", member))
    return found


@pytest.mark.parametrize("name,obj", public_names(), ids=[n for n, _ in public_names()])
def test_every_public_name_is_documented(name: str, obj: Any) -> None:
    doc = getattr(obj, "__doc__", None)
    assert doc and doc.strip(), f"{name} has no docstring"
