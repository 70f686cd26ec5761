# mypy: disable-error-code="arg-type, list-item, dict-item"
# (the table passes wrong types on purpose; the stubs flag every one of them)
"""The bad-input table of fulfilment, shipping, tracking and notifications:
every row raises its documented exception (a wrong Python type is a
`TypeError`, a wrong value a `ValidationError` naming the field as the Rust
core does), on every store, and leaves the store exactly as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from conftest import at, box, packed, picked, ship_draft, snapshot

import omskit

UNKNOWN = str(uuid.uuid4())


class World(NamedTuple):
    """Fulfilment orders in each state a use case needs."""

    picking: omskit.FulfillmentOrder  # on a pick list: line 1 TEE x2, line 2 MUG x1
    picked: omskit.FulfillmentOrder  # picked: line 1 TEE x3
    packed: omskit.FulfillmentOrder  # packed: line 1 TEE x1
    shipped: omskit.FulfillmentOrder  # shipped and in transit
    number: str  # its tracking number
    event: omskit.EventRecord  # an event of the log


@pytest.fixture
def world(stocked: omskit.Oms) -> World:
    oms = stocked
    oms.register_table_rate_carrier(currency="USD")
    oms.set_bin("TEE", "WH-EAST", "T-01")
    order = oms.place_order(ship_draft(("TEE", 2, "19.99"), ("MUG", 1, "12.50")))
    (picking,) = oms.fulfil(order.id)
    oms.create_pick_list("WH-EAST", [picking.id])
    (ready,) = oms.fulfil(oms.place_order(ship_draft(("TEE", 3, "19.99"))).id)
    (to_pack,) = oms.fulfil(oms.place_order(ship_draft(("TEE", 1, "19.99"))).id)
    (to_ship,) = oms.fulfil(oms.place_order(ship_draft(("TEE", 1, "19.99"))).id)
    shipped = oms.ship(packed(oms, to_ship).id, "table-rate", "ground")
    assert shipped.shipment is not None
    number = shipped.shipment.tracking_number
    oms.record_tracking_event(number, {"carrier_event_id": "ev-1", "kind": "in_transit", "occurred_at": at(0)})
    return World(
        picking=oms.fulfillment(picking.id),
        picked=picked(oms, ready),
        packed=packed(oms, to_pack),
        shipped=oms.fulfillment(shipped.id),
        number=number,
        event=oms.events_since()[0],
    )


class Case(NamedTuple):
    name: str
    call: Callable[[omskit.Oms, World], Any]
    raises: type[BaseException]
    field: str | None = None


def pick(*lines: Any) -> Callable[[omskit.Oms, World], Any]:
    """Confirms the pick of `world.picking` with `lines`."""
    return lambda oms, w: oms.confirm_pick(w.picking.id, list(lines))


PICK_2 = {"line_id": 2, "quantity": 1}
"""The second line of `world.picking`, picked in full."""


def pack(*packages: Any) -> Callable[[omskit.Oms, World], Any]:
    """Packs `world.picked` (3 units of line 1) into `packages`."""
    return lambda oms, w: oms.pack(w.picked.id, list(packages))


def box3(**fields: Any) -> dict[str, Any]:
    """The one box that holds `world.picked`, with `fields` replaced."""
    return box("BOX-1", (1, 3)) | fields


def rule(**fields: Any) -> Callable[[omskit.Oms, World], Any]:
    """Ships `world.packed` by a rate-shopping rule of `fields`."""
    return lambda oms, w: oms.ship_with(w.packed.id, fields)


UPDATE: dict[str, Any] = {"carrier_event_id": "ev-9", "kind": "out_for_delivery", "occurred_at": at(5)}


def track(**fields: Any) -> Callable[[omskit.Oms, World], Any]:
    """Records a tracking event of `world.shipped`: `UPDATE` with `fields` replaced."""
    return lambda oms, w: oms.record_tracking_event(w.number, UPDATE | fields)


def read(**fields: Any) -> Callable[[omskit.Oms, World], Any]:
    """Records a reading of `world.shipped`: a valid temperature with `fields` replaced."""
    reading = {"kind": "temperature", "value": "4", "at": at(1)} | fields
    return lambda oms, w: oms.record_condition_reading(w.number, reading)


def limits(**fields: Any) -> Callable[[omskit.Oms, World], Any]:
    """Sets the thresholds of `world.shipped` to `fields`."""
    return lambda oms, w: oms.set_condition_thresholds(w.number, fields)


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


NAIVE = datetime(2030, 1, 1, 12, 0)
PAST = datetime(2020, 1, 1, tzinfo=timezone.utc)

CASES = [
    # -------------------------------------------------------- wrong types
    Case("fulfil order id int", lambda o, w: o.fulfil(123), TypeError),
    Case("fulfil order id None", lambda o, w: o.fulfil(None), TypeError),
    Case("fulfillment id None", lambda o, w: o.fulfillment(None), TypeError),
    Case("fulfillment id int", lambda o, w: o.fulfillment(42), TypeError),
    Case("fulfillments order None", lambda o, w: o.fulfillments(None), TypeError),
    Case("allocate id int", lambda o, w: o.allocate_fulfillment(7), TypeError),
    Case("allocate id None", lambda o, w: o.allocate_fulfillment(None), TypeError),
    Case("allocate id bytes", lambda o, w: o.allocate_fulfillment(w.packed.id.encode()), TypeError),
    Case("pending after int", lambda o, w: o.pending_fulfillments(after=1), TypeError),
    Case("pending limit float", lambda o, w: o.pending_fulfillments(limit=10.0), TypeError),
    Case("pending limit str", lambda o, w: o.pending_fulfillments(limit="10"), TypeError),
    Case("pending limit bool", lambda o, w: o.pending_fulfillments(limit=True), TypeError),
    Case("pick list ids str", lambda o, w: o.create_pick_list("WH-EAST", w.packed.id), TypeError),
    Case("pick list location None", lambda o, w: o.create_pick_list(None, [w.packed.id]), TypeError),
    Case("pick list id int", lambda o, w: o.create_pick_list("WH-EAST", [1]), TypeError),
    Case("picked dict", lambda o, w: o.confirm_pick(w.picking.id, {"line_id": 1, "quantity": 2}), TypeError),
    Case("picked item str", pick("1", PICK_2), TypeError),
    Case("picked quantity str", pick({"line_id": 1, "quantity": "2"}, PICK_2), TypeError),
    Case("picked quantity float", pick({"line_id": 1, "quantity": 2.0}, PICK_2), TypeError),
    Case("picked quantity bool", pick({"line_id": 1, "quantity": True}, PICK_2), TypeError),
    Case("picked line_id None", pick({"line_id": None, "quantity": 2}, PICK_2), TypeError),
    Case("packages dict", lambda o, w: o.pack(w.picked.id, box3()), TypeError),
    Case("package str", pack("BOX-1"), TypeError),
    Case("package weight float", pack(box3(weight_kg=1.5)), TypeError),
    Case("package length float", pack(box3(length_cm=30.0)), TypeError),
    Case("package id None", pack(box3(id=None)), TypeError),
    Case("package id int", pack(box3(id=1)), TypeError),
    Case("package lines None", pack(box3(lines=None)), TypeError),
    Case("package lines str", pack(box3(lines="1x3")), TypeError),
    Case("package line quantity str", pack(box3(lines=[{"line_id": 1, "quantity": "3"}])), TypeError),
    Case("carrier None", lambda o, w: o.ship(w.packed.id, None, "ground"), TypeError),
    Case("service int", lambda o, w: o.ship(w.packed.id, "table-rate", 1), TypeError),
    Case("rule str", lambda o, w: o.ship_with(w.packed.id, "cheapest"), TypeError),
    Case("rule None", lambda o, w: o.ship_with(w.packed.id, None), TypeError),
    Case("rule name None", rule(rule=None), TypeError),
    Case("budget float", rule(rule="fastest", budget=12.5), TypeError),
    Case("deliver_by date", rule(rule="cheapest", deliver_by=date(2030, 1, 1)), TypeError),
    Case("deliver_by int", rule(rule="cheapest", deliver_by=1893456000), TypeError),
    Case("tracking number None", lambda o, w: o.record_tracking_event(None, UPDATE), TypeError),
    Case("tracking number bytes", lambda o, w: o.record_tracking_event(w.number.encode(), UPDATE), TypeError),
    Case("update list", lambda o, w: o.record_tracking_event(w.number, [UPDATE]), TypeError),
    Case("update None", lambda o, w: o.record_tracking_event(w.number, None), TypeError),
    Case("occurred_at int", track(occurred_at=1893456000), TypeError),
    Case("occurred_at float", track(occurred_at=1893456000.0), TypeError),
    Case("occurred_at None", track(occurred_at=None), TypeError),
    Case("kind None", track(kind=None), TypeError),
    Case("kind int", track(kind=3), TypeError),
    Case("carrier_event_id None", track(carrier_event_id=None), TypeError),
    Case("location int", track(location=12), TypeError),
    Case("proof str", track(kind="delivered", proof="signed"), TypeError),
    Case("confirm proof None", lambda o, w: o.confirm_delivery(w.number, None, at(5)), TypeError),
    Case("confirm proof str", lambda o, w: o.confirm_delivery(w.number, "Ada", at(5)), TypeError),
    Case("signed_by int", lambda o, w: o.confirm_delivery(w.number, {"signed_by": 1}, at(5)), TypeError),
    Case("delivered_at None", lambda o, w: o.confirm_delivery(w.number, {}, None), TypeError),
    Case("delivered_at date", lambda o, w: o.confirm_delivery(w.number, {}, date(2030, 1, 1)), TypeError),
    Case("thresholds float", limits(max_temperature_c=8.0), TypeError),
    Case("thresholds list", lambda o, w: o.set_condition_thresholds(w.number, [8]), TypeError),
    Case("reading value None", read(value=None), TypeError),
    Case("reading value float", read(value=4.5), TypeError),
    Case("reading at None", read(at=None), TypeError),
    Case("reading kind None", read(kind=None), TypeError),
    Case("reading None", lambda o, w: o.record_condition_reading(w.number, None), TypeError),
    Case("notification_for dict", lambda o, w: o.notification_for(w.event.to_dict()), TypeError),
    Case("notification_for None", lambda o, w: o.notification_for(None), TypeError),
    Case("notifications after str", lambda o, w: o.notifications_since("0"), TypeError),
    Case("notifications limit float", lambda o, w: o.notifications_since(0, 10.0), TypeError),
    Case("bin None", lambda o, w: o.set_bin("TEE", "WH-EAST", None), TypeError),
    Case("bin sku int", lambda o, w: o.set_bin(1, "WH-EAST", "A-1"), TypeError),
    Case("bin location None", lambda o, w: o.bin("TEE", None), TypeError),
    Case("hold reason None", lambda o, w: o.hold_fulfillment(w.packed.id, None), TypeError),
    Case("cancel reason int", lambda o, w: o.cancel_fulfillment(w.packed.id, 7), TypeError),
    Case("tracking_events None", lambda o, w: o.tracking_events(None), TypeError),
    Case("condition_readings int", lambda o, w: o.condition_readings(1), TypeError),
    Case("thresholds number None", lambda o, w: o.set_condition_thresholds(None, {}), TypeError),
    # ------------------------------------ unknown and missing keys, odd values
    Case("picked unknown key", pick({"line_id": 1, "quantity": 2, "qty": 2}, PICK_2), omskit.ValidationError, "picked[0].qty"),
    Case("picked missing quantity", pick({"line_id": 1}, PICK_2), omskit.ValidationError, "picked[0].quantity"),
    Case("picked quantity negative", pick({"line_id": 1, "quantity": -1}, PICK_2), omskit.ValidationError, "picked[0].quantity"),
    Case("picked line 2**32", pick({"line_id": 2**32, "quantity": 1}, PICK_2), omskit.ValidationError, "picked[0].line_id"),
    Case("package unknown key", pack(box3(weight="1")), omskit.ValidationError, "packages[0].weight"),
    Case("package line unknown key", pack(box3(lines=[{"line_id": 1, "quantity": 3, "units": 3}])), omskit.ValidationError, "packages[0].lines[0].units"),
    Case("package missing lines", pack(without(box3(), "lines")), omskit.ValidationError, "packages[0].lines"),
    Case("package missing height", pack(without(box3(), "height_cm")), omskit.ValidationError, "packages[0].height_cm"),
    Case("package weight NaN", pack(box3(weight_kg=Decimal("NaN"))), omskit.ValidationError, "packages[0].weight_kg"),
    Case("package weight not a number", pack(box3(weight_kg="heavy")), omskit.ValidationError, "packages[0].weight_kg"),
    Case("package line 2**40", pack(box3(lines=[{"line_id": 2**40, "quantity": 3}])), omskit.ValidationError, "packages[0].lines[0].line_id"),
    Case("pick list id malformed", lambda o, w: o.create_pick_list("WH-EAST", ["fo-1"]), omskit.ValidationError, "fulfillment_ids[0]"),
    Case("fulfillment id malformed", lambda o, w: o.fulfillment("fo-1"), omskit.ValidationError, "fulfillment_id"),
    Case("fulfillment id empty", lambda o, w: o.pack("", [box3()]), omskit.ValidationError, "fulfillment_id"),
    Case("allocate id malformed", lambda o, w: o.allocate_fulfillment("fo-1"), omskit.ValidationError, "fulfillment_id"),
    Case("allocate id empty", lambda o, w: o.allocate_fulfillment(""), omskit.ValidationError, "fulfillment_id"),
    Case("pending after malformed", lambda o, w: o.pending_fulfillments(after="fo-1"), omskit.ValidationError, "after"),
    Case("pending limit negative", lambda o, w: o.pending_fulfillments(limit=-1), omskit.ValidationError, "limit"),
    Case("pending limit 2**64", lambda o, w: o.pending_fulfillments(limit=2**64), omskit.ValidationError, "limit"),
    Case("rule unknown", rule(rule="slowest"), omskit.ValidationError, "rule"),
    Case("rule missing", rule(), omskit.ValidationError, "rule"),
    Case("rule key of the other rule", rule(rule="cheapest", budget="5"), omskit.ValidationError, "budget"),
    Case("rule unknown key", rule(rule="fastest", max="5"), omskit.ValidationError, "max"),
    Case("deliver_by naive", rule(rule="cheapest", deliver_by=NAIVE), omskit.ValidationError, "deliver_by"),
    Case("deliver_by not a time", rule(rule="cheapest", deliver_by="tomorrow"), omskit.ValidationError, "deliver_by"),
    Case("update unknown key", track(locaton="Springfield"), omskit.ValidationError, "locaton"),
    Case("update missing kind", lambda o, w: o.record_tracking_event(w.number, without(UPDATE, "kind")), omskit.ValidationError, "kind"),
    Case("update kind unknown", track(kind="lost"), omskit.ValidationError, "kind"),
    Case("occurred_at naive", track(occurred_at=NAIVE), omskit.ValidationError, "occurred_at"),
    Case("occurred_at bad text", track(occurred_at="yesterday"), omskit.ValidationError, "occurred_at"),
    Case("occurred_at date text", track(occurred_at="2030-01-01"), omskit.ValidationError, "occurred_at"),
    Case("proof unknown key", lambda o, w: o.confirm_delivery(w.number, {"signature": "Ada"}, at(5)), omskit.ValidationError, "proof.signature"),
    Case("update proof unknown key", track(kind="delivered", proof={"sig": "Ada"}), omskit.ValidationError, "proof.sig"),
    Case("delivered_at naive", lambda o, w: o.confirm_delivery(w.number, {}, NAIVE), omskit.ValidationError, "delivered_at"),
    Case("thresholds unknown key", limits(max_temp="8"), omskit.ValidationError, "max_temp"),
    Case("thresholds NaN", limits(max_temperature_c=Decimal("NaN")), omskit.ValidationError, "max_temperature_c"),
    Case("reading unknown key", read(sensr="probe"), omskit.ValidationError, "sensr"),
    Case("reading kind unknown", read(kind="humidity"), omskit.ValidationError, "kind"),
    Case("reading missing at", lambda o, w: o.record_condition_reading(w.number, {"kind": "shock", "value": "1"}), omskit.ValidationError, "at"),
    Case("notifications limit negative", lambda o, w: o.notifications_since(0, -1), omskit.ValidationError, "limit"),
    Case("notifications after 2**64", lambda o, w: o.notifications_since(2**64), omskit.ValidationError, "after"),
    # ------------------------------------------- values the core refuses
    Case("pick list empty", lambda o, w: o.create_pick_list("WH-EAST", []), omskit.ValidationError, "fulfillment_ids"),
    Case("pick list twice", lambda o, w: o.create_pick_list("WH-EAST", [w.packed.id, w.packed.id]), omskit.ValidationError, "fulfillment_ids[1]"),
    Case("pick list other location", lambda o, w: o.create_pick_list("WH-WEST", [w.picking.id]), omskit.ValidationError, "fulfillment_ids[0]"),
    Case("picked above expected", pick({"line_id": 1, "quantity": 3}, PICK_2), omskit.ValidationError, "picked[0].quantity"),
    Case("picked line twice", pick({"line_id": 1, "quantity": 1}, {"line_id": 1, "quantity": 1}), omskit.ValidationError, "picked[1].line_id"),
    Case("picked line unknown", pick({"line_id": 9, "quantity": 1}, PICK_2), omskit.ValidationError, "picked[0].line_id"),
    Case("picked line missing", pick({"line_id": 1, "quantity": 2}), omskit.ValidationError, "picked"),
    Case("picked nothing listed", pick(), omskit.ValidationError, "picked"),
    Case("package weight negative", pack(box3(weight_kg="-1.5")), omskit.ValidationError, "packages[0].weight_kg"),
    Case("package weight zero", pack(box3(weight_kg=0)), omskit.ValidationError, "packages[0].weight_kg"),
    Case("package length zero", pack(box3(length_cm="0")), omskit.ValidationError, "packages[0].length_cm"),
    Case("package too heavy", pack(box3(weight_kg="1000.5")), omskit.ValidationError, "packages[0].weight_kg"),
    Case("duplicate package ids", pack(box("BOX-1", (1, 1)), box("BOX-1", (1, 2))), omskit.ValidationError, "packages[1].id"),
    Case("package id empty", pack(box3(id="")), omskit.ValidationError, "packages[0].id"),
    Case("package id blank", pack(box3(id="   ")), omskit.ValidationError, "packages[0].id"),
    Case("package empty", pack(box3(lines=[])), omskit.ValidationError, "packages[0].lines"),
    Case("package line not in it", pack(box3(lines=[{"line_id": 9, "quantity": 3}])), omskit.ValidationError, "packages[0].lines[0].line_id"),
    Case("package line zero units", pack(box3(lines=[{"line_id": 1, "quantity": 0}])), omskit.ValidationError, "packages[0].lines[0].quantity"),
    Case("packages hold too few", pack(box("BOX-1", (1, 2))), omskit.ValidationError, "packages"),
    Case("packages hold too many", pack(box("BOX-1", (1, 2)), box("BOX-2", (1, 2))), omskit.ValidationError, "packages"),
    Case("no packages", pack(), omskit.ValidationError, "packages"),
    Case("tracking number empty", lambda o, w: o.record_tracking_event("", UPDATE), omskit.ValidationError, "tracking_number"),
    Case("tracking number blank", lambda o, w: o.tracking_events("  "), omskit.ValidationError, "tracking_number"),
    Case("carrier event id empty", track(carrier_event_id=""), omskit.ValidationError, "carrier_event_id"),
    Case("proof on a moving parcel", track(kind="in_transit", proof={"signed_by": "Ada"}), omskit.ValidationError, "proof"),
    Case("description with NUL", track(description="gate\x00locked"), omskit.ValidationError, "description"),
    Case("signed_by too long", lambda o, w: o.confirm_delivery(w.number, {"signed_by": "A" * 201}, at(5)), omskit.ValidationError, "proof.signed_by"),
    Case("thresholds inverted", limits(min_temperature_c="8", max_temperature_c="2"), omskit.ValidationError, "max_temperature_c"),
    Case("thresholds negative shock", limits(max_shock_g="-1"), omskit.ValidationError, "max_shock_g"),
    Case("reading negative shock", read(kind="shock", value="-0.5"), omskit.ValidationError, "value"),
    Case("budget negative", rule(rule="fastest", budget="-1"), omskit.ValidationError, "budget"),
    Case("deliver_by in the past", rule(rule="cheapest", deliver_by=PAST), omskit.ValidationError, "deliver_by"),
    Case("budget too small", rule(rule="fastest", budget="0.01"), omskit.ValidationError, "budget"),
    Case("bin empty", lambda o, w: o.set_bin("TEE", "WH-EAST", ""), omskit.ValidationError, "bin"),
    Case("bin too long", lambda o, w: o.set_bin("TEE", "WH-EAST", "B" * 65), omskit.ValidationError, "bin"),
    Case("bin sku with a space", lambda o, w: o.set_bin("T EE", "WH-EAST", "A-1"), omskit.ValidationError, "sku"),
    Case("hold reason empty", lambda o, w: o.hold_fulfillment(w.packed.id, ""), omskit.ValidationError, "reason"),
    Case("cancel reason blank", lambda o, w: o.cancel_fulfillment(w.packed.id, "  "), omskit.ValidationError, "reason"),
    # ------------------------------------------------------ unknown ids
    Case("unknown fulfillment", lambda o, w: o.fulfillment(UNKNOWN), omskit.NotFound),
    Case("unknown fulfillment to pack", lambda o, w: o.pack(UNKNOWN, [box3()]), omskit.NotFound),
    Case("unknown fulfillment to pick", lambda o, w: o.create_pick_list("WH-EAST", [UNKNOWN]), omskit.NotFound),
    Case("unknown fulfillment to ship", lambda o, w: o.ship(UNKNOWN, "table-rate", "ground"), omskit.NotFound),
    Case("unknown order to fulfil", lambda o, w: o.fulfil(UNKNOWN), omskit.NotFound),
    Case("unknown fulfillment to allocate", lambda o, w: o.allocate_fulfillment(UNKNOWN), omskit.NotFound),
    Case("unknown order's fulfillments", lambda o, w: o.fulfillments(UNKNOWN), omskit.NotFound),
    Case("unknown tracking number", lambda o, w: o.record_tracking_event("TR-NOPE", UPDATE), omskit.NotFound),
    Case("unknown tracking number delivered", lambda o, w: o.confirm_delivery("TR-NOPE", {}, at(5)), omskit.NotFound),
    Case("unknown tracking number events", lambda o, w: o.tracking_events("TR-NOPE"), omskit.NotFound),
    Case("unknown tracking number limits", lambda o, w: o.set_condition_thresholds("TR-NOPE", {}), omskit.NotFound),
    Case("unknown tracking number reading", lambda o, w: o.record_condition_reading("TR-NOPE", {"kind": "shock", "value": 1, "at": at(1)}), omskit.NotFound),
    Case("unknown tracking number readings", lambda o, w: o.condition_readings("TR-NOPE"), omskit.NotFound),
    Case("unknown carrier", lambda o, w: o.ship(w.packed.id, "ups", "ground"), omskit.NotFound),
    Case("unknown service", lambda o, w: o.ship(w.packed.id, "table-rate", "overnight"), omskit.NotFound),
    Case("unknown location for a bin", lambda o, w: o.set_bin("TEE", "NOWHERE", "A-1"), omskit.NotFound),
    Case("unknown location's bin", lambda o, w: o.bin("TEE", "NOWHERE"), omskit.NotFound),
    Case("unknown location to pick", lambda o, w: o.create_pick_list("NOWHERE", [w.packed.id]), omskit.NotFound),
    # ------------------------------------------------------------ states
    Case("pack while picking", lambda o, w: o.pack(w.picking.id, [box("B", (1, 2), (2, 1))]), omskit.InvalidTransition),
    Case("confirm a picked one", lambda o, w: o.confirm_pick(w.picked.id, [{"line_id": 1, "quantity": 3}]), omskit.InvalidTransition),
    Case("ship a picked one", lambda o, w: o.ship(w.picked.id, "table-rate", "ground"), omskit.InvalidTransition),
    Case("quote a picked one", lambda o, w: o.quote_shipment(w.picked.id), omskit.InvalidTransition),
    Case("pick a packed one", lambda o, w: o.create_pick_list("WH-EAST", [w.packed.id]), omskit.InvalidTransition),
    Case("release a packed one", lambda o, w: o.release_fulfillment(w.packed.id), omskit.InvalidTransition),
    Case("cancel a shipped one", lambda o, w: o.cancel_fulfillment(w.shipped.id, "late"), omskit.InvalidTransition),
    Case("hold a shipped one", lambda o, w: o.hold_fulfillment(w.shipped.id, "wait"), omskit.InvalidTransition),
    Case("ship a shipped one", lambda o, w: o.ship(w.shipped.id, "table-rate", "ground"), omskit.InvalidTransition),
    Case("allocate a picking one", lambda o, w: o.allocate_fulfillment(w.picking.id), omskit.InvalidTransition),
    Case("allocate a packed one", lambda o, w: o.allocate_fulfillment(w.packed.id), omskit.InvalidTransition),
    Case("allocate a shipped one", lambda o, w: o.allocate_fulfillment(w.shipped.id), omskit.InvalidTransition),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_changes_nothing(stocked: omskit.Oms, world: World, case: Case) -> None:
    oms = stocked
    before = snapshot(oms)
    with pytest.raises(case.raises) as raised:
        case.call(oms, world)
    assert type(raised.value) is case.raises
    if case.field is not None:
        assert getattr(raised.value, "field", None) == case.field, str(raised.value)
        assert case.field in str(raised.value)  # the message names the field too
    elif case.raises is TypeError:
        assert ":" in str(raised.value)  # `field: expected ..., got ...`
    assert snapshot(oms) == before


def test_errors_carry_what_to_act_on(stocked: omskit.Oms, world: World) -> None:
    oms = stocked
    with pytest.raises(omskit.NotFound) as shipment:
        oms.tracking_events("TR-NOPE")
    assert (shipment.value.entity, shipment.value.id) == ("shipment", "TR-NOPE")
    with pytest.raises(omskit.NotFound) as fulfillment:
        oms.fulfillment(UNKNOWN)
    assert (fulfillment.value.entity, fulfillment.value.id) == ("fulfillment order", UNKNOWN)
    with pytest.raises(omskit.InvalidTransition) as state:
        oms.pack(world.picking.id, [box("B", (1, 2), (2, 1))])
    assert (state.value.entity, state.value.from_state, state.value.action) == (
        "fulfillment order", "picking", "pack",
    )  # fmt: skip
    with pytest.raises(TypeError) as wrong:
        oms.pack(world.picked.id, [box3(weight_kg=1.5)])
    assert "packages[0].weight_kg" in str(wrong.value) and "float" in str(wrong.value)
    with pytest.raises(TypeError) as none:
        oms.pack(world.picked.id, [box3(id=None)])
    assert str(none.value) == "packages[0].id: expected str, got NoneType"


def test_case_names_are_unique() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
