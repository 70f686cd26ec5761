"""Carriers from Python, on every store: a carrier written in Python (the
`omskit.Carrier` protocol) quoting, labelling and voiding; one that raises or
returns nonsense; rate shopping across carriers; table-rate carriers from a
configuration; late shipments."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from conftest import d, packed, ship_draft, snapshot

import omskit
from omskit import FulfillmentStatus, NotificationKind, OrderStatus


class Courier:
    """A carrier written in Python: same-day (14.00) and next-day (6.00)
    delivery, labels numbered CR-1, CR-2..."""

    def __init__(self, name: str = "courier", *, late: bool = False, number: str | None = None) -> None:
        self.name = name
        self.late = late  # promise delivery in the past, to test late shipments
        self.number = number  # the same tracking number for every label
        self.requests: list[omskit.RateRequest] = []
        self.labels: list[tuple[str, str]] = []
        self.serial = itertools.count(1)
        self.voided: list[str] = []
        self.threads: set[int] = set()

    def services(self) -> list[dict[str, Any]]:
        return [{"name": "same-day", "transit_days": 0}, {"name": "next-day", "transit_days": 1}]

    def offer(self, request: omskit.RateRequest, service: str) -> dict[str, Any]:
        days = 0 if service == "same-day" else 1
        promised = request.ship_at + timedelta(days=-2 if self.late else days)
        cost = Decimal("14.00") if days == 0 else Decimal("6.00")
        return {"service": service, "cost": cost, "currency": "USD", "transit_days": days, "promised_delivery": promised}

    def quote(self, request: omskit.RateRequest) -> list[dict[str, Any]]:
        self.requests.append(request)
        self.threads.add(threading.get_ident())
        return [self.offer(request, "same-day"), self.offer(request, "next-day")]

    def create_label(self, request: omskit.RateRequest, service: str) -> dict[str, Any]:
        if service not in ("same-day", "next-day"):
            missing = omskit.NotFound(f"no service {service}")
            missing.entity, missing.id = "carrier service", f"{self.name}/{service}"
            raise missing
        number = self.number or f"CR-{next(self.serial)}"
        self.labels.append((number, service))
        offer = self.offer(request, service)
        return {
            "tracking_number": number,
            "label_reference": f"pdf://{number}",
            "cost": offer["cost"],
            "currency": "USD",
            "promised_delivery": offer["promised_delivery"],
        }

    def void_label(self, tracking_number: str) -> None:
        self.voided.append(tracking_number)


class Failing(Courier):
    """A courier whose `method` raises `error`."""

    def __init__(self, method: str, error: BaseException) -> None:
        super().__init__()
        self.method, self.error = method, error

    def quote(self, request: omskit.RateRequest) -> list[dict[str, Any]]:
        if self.method == "quote":
            raise self.error
        return super().quote(request)

    def create_label(self, request: omskit.RateRequest, service: str) -> dict[str, Any]:
        if self.method == "create_label":
            raise self.error
        return super().create_label(request, service)

    def void_label(self, tracking_number: str) -> None:
        if self.method == "void_label":
            raise self.error
        super().void_label(tracking_number)


class Sloppy(Courier):
    """A courier whose `method` returns `value` instead of what it should."""

    def __init__(self, method: str, value: Any) -> None:
        super().__init__()
        self.method, self.value = method, value

    def quote(self, request: omskit.RateRequest) -> Any:
        return self.value if self.method == "quote" else super().quote(request)

    def create_label(self, request: omskit.RateRequest, service: str) -> Any:
        return self.value if self.method == "create_label" else super().create_label(request, service)


def ready_to_ship(oms: omskit.Oms, *lines: tuple[str, int, str]) -> omskit.FulfillmentOrder:
    """An order placed, fulfilled from one location, picked and packed."""
    order = oms.place_order(ship_draft(*(lines or (("TEE", 2, "19.99"),))))
    (f,) = oms.fulfil(order.id)
    return packed(oms, f)


def test_a_python_carrier_quotes_and_ships(stocked: omskit.Oms) -> None:
    oms = stocked
    courier = Courier()
    oms.register_carrier(courier)
    oms.register_table_rate_carrier(currency="USD")
    assert isinstance(courier, omskit.Carrier)
    assert oms.carriers() == ["courier", "table-rate"]
    f = ready_to_ship(oms, ("MUG", 2, "12.50"))

    quotes = oms.quote_shipment(f.id)
    assert [(q.carrier, q.service, q.cost) for q in quotes] == [
        ("courier", "next-day", d("6.00")),
        ("table-rate", "ground", d("8.50")),
        ("courier", "same-day", d("14.00")),
        ("table-rate", "express", d("17.00")),
    ]
    request = courier.requests[-1]
    assert (request.origin, request.destination.country, request.destination.postal_code) == ("WH-EAST", "US", "62701")
    assert [p.to_dict() for p in request.parcels] == [
        {"weight_kg": d("1.5"), "length_cm": d("30"), "width_cm": d("20"), "height_cm": d("10")}
    ]
    assert request.parcels[0].billable_weight_kg == d("1.5")
    assert request.ship_at.tzinfo is not None and request.to_dict()["origin"] == "WH-EAST"

    shipped = oms.ship(f.id, "courier", "same-day")
    assert shipped.shipment is not None
    assert (shipped.shipment.carrier, shipped.shipment.service, shipped.shipment.tracking_number) == (
        "courier", "same-day", "CR-1",
    )  # fmt: skip
    assert (shipped.shipment.label_reference, shipped.shipment.cost) == ("pdf://CR-1", d("14.00"))
    assert [q.service for q in shipped.shipment.rejected_quotes] == ["next-day"]
    assert courier.labels == [("CR-1", "same-day")] and courier.voided == []

    outcome = oms.record_tracking_event("CR-1", {"carrier_event_id": "1", "kind": "delivered", "occurred_at": "2030-01-01T10:00:00Z"})
    assert outcome.fulfillment.status is FulfillmentStatus.DELIVERED
    assert oms.order(f.order_id).status is OrderStatus.DELIVERED
    # The carrier was called on this thread, while the engine had released the GIL.
    assert courier.threads == {threading.get_ident()}


def test_rate_shopping_across_carriers(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_carrier(Courier())
    oms.register_table_rate_carrier(currency="USD")

    cheapest = oms.ship_with(ready_to_ship(oms).id, {"rule": "cheapest"})
    assert cheapest.shipment is not None
    assert (cheapest.shipment.carrier, cheapest.shipment.service) == ("courier", "next-day")
    assert [(q.carrier, q.service) for q in cheapest.shipment.rejected_quotes] == [
        ("table-rate", "ground"), ("courier", "same-day"), ("table-rate", "express"),
    ]  # fmt: skip

    soon = datetime.now(timezone.utc) + timedelta(hours=12)
    today = oms.ship_with(ready_to_ship(oms).id, {"rule": "cheapest", "deliver_by": soon})
    assert today.shipment is not None and today.shipment.service == "same-day"

    fastest = oms.ship_with(ready_to_ship(oms).id, {"rule": "fastest", "budget": "9"})
    assert fastest.shipment is not None
    assert (fastest.shipment.carrier, fastest.shipment.service, fastest.shipment.cost) == (
        "courier", "next-day", d("6.00"),
    )  # fmt: skip
    quickest = oms.ship_with(ready_to_ship(oms).id, {"rule": "fastest"})
    assert quickest.shipment is not None and quickest.shipment.service == "same-day"

    f = ready_to_ship(oms)
    before = snapshot(oms)
    with pytest.raises(omskit.ValidationError) as late:
        oms.ship_with(f.id, {"rule": "cheapest", "deliver_by": datetime(2020, 1, 1, tzinfo=timezone.utc)})
    assert late.value.field == "deliver_by"
    with pytest.raises(omskit.ValidationError) as poor:
        oms.ship_with(f.id, {"rule": "fastest", "budget": Decimal("1.00")})
    assert poor.value.field == "budget"
    assert snapshot(oms) == before


def test_no_carrier_can_carry_it(stocked: omskit.Oms) -> None:
    oms = stocked
    f = ready_to_ship(oms)
    assert oms.quote_shipment(f.id) == []  # no carrier registered
    with pytest.raises(omskit.ValidationError) as none:
        oms.ship_with(f.id, {"rule": "cheapest"})
    assert none.value.field == "carrier"
    with pytest.raises(omskit.NotFound) as unknown:
        oms.ship(f.id, "courier", "same-day")
    assert (unknown.value.entity, unknown.value.id) == ("carrier", "courier")
    oms.register_carrier(Courier())
    with pytest.raises(omskit.NotFound) as service:
        oms.ship(f.id, "courier", "by-pigeon")
    assert (service.value.entity, service.value.id) == ("carrier service", "courier/by-pigeon")
    assert oms.fulfillment(f.id).status is FulfillmentStatus.PACKED

    # Orders with no shipping address cannot be quoted.
    order = oms.place_order(ship_draft(("TEE", 1, "19.99"), ship_to=None))
    (g,) = oms.fulfil(order.id)
    with pytest.raises(omskit.ValidationError) as nowhere:
        oms.quote_shipment(packed(oms, g).id)
    assert nowhere.value.field == "ship_to"


@pytest.mark.parametrize(
    "method,error,raises,retryable",
    [
        ("quote", RuntimeError("carrier API is down"), omskit.StorageError, False),
        ("quote", ConnectionError("connection reset"), omskit.StorageError, True),
        ("quote", TimeoutError("no answer in 10 s"), omskit.StorageError, True),
        ("create_label", KeyError("label"), omskit.StorageError, False),
        ("create_label", ValueError("out of labels"), omskit.StorageError, False),
    ],
    ids=["quote-runtime", "quote-connection", "quote-timeout", "label-keyerror", "label-valueerror"],
)
def test_a_carrier_exception_fails_the_call_and_changes_nothing(
    stocked: omskit.Oms, method: str, error: Exception, raises: type[omskit.OmsError], retryable: bool
) -> None:
    oms = stocked
    oms.register_carrier(Failing(method, error))
    f = ready_to_ship(oms)
    before = snapshot(oms)
    calls: list[Callable[[], object]] = [
        lambda: oms.ship(f.id, "courier", "same-day"),
        lambda: oms.ship_with(f.id, {"rule": "cheapest"}),
    ]
    if method == "quote":
        calls.append(lambda: oms.quote_shipment(f.id))
    for call in calls:
        with pytest.raises(raises) as raised:
            call()
        assert type(raised.value) is raises
        assert isinstance(raised.value, omskit.StorageError) and raised.value.retryable is retryable
        assert raised.value.__cause__ is error
        message = str(raised.value)
        assert '"courier"' in message and f"{method}()" in message and type(error).__name__ in message
    assert snapshot(oms) == before
    assert oms.fulfillment(f.id).status is FulfillmentStatus.PACKED


def test_an_oms_error_raised_by_a_carrier_keeps_its_class(stocked: omskit.Oms) -> None:
    oms = stocked
    too_heavy = omskit.ValidationError("too heavy for a bicycle")
    too_heavy.field = "parcels[0].weight_kg"
    oms.register_carrier(Failing("create_label", too_heavy))
    f = ready_to_ship(oms)
    before = snapshot(oms)
    with pytest.raises(omskit.ValidationError) as raised:
        oms.ship(f.id, "courier", "same-day")
    assert raised.value.field == "parcels[0].weight_kg" and "too heavy" in str(raised.value)
    assert raised.value.__cause__ is too_heavy

    oms.register_carrier(Courier())  # replaces the failing one: same name
    with pytest.raises(omskit.NotFound) as missing:
        oms.ship(f.id, "courier", "same-day-by-drone")  # not quoted: the engine says so itself
    assert missing.value.entity == "carrier service" and missing.value.__cause__ is None
    blocked = omskit.StorageError("rate limited")
    blocked.retryable = True
    oms.register_carrier(Failing("quote", blocked))
    with pytest.raises(omskit.StorageError) as limited:
        oms.quote_shipment(f.id)
    assert limited.value.retryable is True and limited.value.__cause__ is blocked
    conflict = omskit.Conflict("label already bought")
    oms.register_carrier(Failing("create_label", conflict))
    with pytest.raises(omskit.Conflict) as twice:
        oms.ship(f.id, "courier", "next-day")
    assert twice.value.__cause__ is conflict
    assert snapshot(oms) == before


@pytest.mark.parametrize(
    "method,value,field",
    [
        ("quote", None, "quote()"),
        ("quote", "same-day", "quote()"),
        ("quote", [{"service": "same-day", "cost": 14.0, "currency": "USD", "transit_days": 0,
                    "promised_delivery": datetime(2030, 1, 1, tzinfo=timezone.utc)}], "quote()[0].cost"),
        ("quote", [{"service": "same-day", "cost": "14", "currency": "USD", "transit_days": 0,
                    "promised_delivery": datetime(2030, 1, 1)}], "quote()[0].promised_delivery"),
        ("quote", [{"service": "same-day", "cost": "14", "currency": "USD", "transit_days": 0,
                    "promised_delivery": "2030-01-01T00:00:00Z", "eta": "soon"}], "quote()[0].eta"),
        ("create_label", {"tracking_number": "CR-9", "label_reference": "x", "cost": 6.0,
                          "currency": "USD", "promised_delivery": "2030-01-01T00:00:00Z"}, "create_label().cost"),
        ("create_label", {"tracking_number": "", "label_reference": "x", "cost": "6",
                          "currency": "USD", "promised_delivery": "2030-01-01T00:00:00Z"}, "create_label().tracking_number"),
        ("create_label", {"tracking_number": "CR-9", "label_reference": "x", "cost": "6",
                          "currency": "EURO", "promised_delivery": "2030-01-01T00:00:00Z"}, "create_label().currency"),
        ("create_label", ["CR-9"], "create_label()"),
    ],
    ids=["quote-none", "quote-str", "quote-float-cost", "quote-naive-time", "quote-unknown-key",
         "label-float-cost", "label-empty-number", "label-bad-currency", "label-list"],
)  # fmt: skip
def test_a_carrier_returning_nonsense_fails_the_call(
    stocked: omskit.Oms, method: str, value: Any, field: str
) -> None:
    oms = stocked
    oms.register_carrier(Sloppy(method, value))
    f = ready_to_ship(oms)
    before = snapshot(oms)
    with pytest.raises(omskit.StorageError) as raised:
        oms.ship(f.id, "courier", "same-day")
    assert f"{method}() returned an unusable value" in str(raised.value) and field in str(raised.value)
    assert isinstance(raised.value.__cause__, (TypeError, omskit.ValidationError))
    assert field in str(raised.value.__cause__)
    assert snapshot(oms) == before


def test_a_label_that_cannot_be_recorded_is_voided(
    stocked: omskit.Oms, monkeypatch: pytest.MonkeyPatch
) -> None:
    oms = stocked
    courier = Courier(number="DUP-1")  # a broken carrier: the same tracking number twice
    oms.register_carrier(courier)
    first = oms.ship(ready_to_ship(oms).id, "courier", "next-day")
    assert first.shipment is not None and first.shipment.tracking_number == "DUP-1"
    second = ready_to_ship(oms)
    before = snapshot(oms)
    with pytest.raises(omskit.Conflict):
        oms.ship(second.id, "courier", "next-day")
    assert courier.voided == ["DUP-1"]  # the engine voided the label it could not record
    assert snapshot(oms) == before

    # A void that fails is reported, not raised: the caller gets the error that matters.
    reported: list[Any] = []
    monkeypatch.setattr("sys.unraisablehook", reported.append)
    refusing = Failing("void_label", RuntimeError("void window closed"))
    refusing.number = "DUP-1"
    oms.register_carrier(refusing)
    with pytest.raises(omskit.Conflict) as raised:
        oms.ship(second.id, "courier", "next-day")
    assert raised.value.__cause__ is None
    assert [type(r.exc_value) for r in reported] == [RuntimeError]
    assert reported[0].object is refusing
    assert snapshot(oms) == before


def test_a_carrier_may_call_the_oms(stocked: omskit.Oms) -> None:
    oms = stocked

    class Curious(Courier):
        def quote(self, request: omskit.RateRequest) -> list[dict[str, Any]]:
            # Carriers run outside any transaction: reading the store is fine,
            # and an error it catches does not leak into the outer call.
            assert [loc.code for loc in oms.locations()][0] == request.origin
            with pytest.raises(omskit.ValidationError):
                oms.order("not-an-id")
            with pytest.raises(omskit.NotFound):
                oms.fulfillment("00000000-0000-7000-8000-000000000000")
            return super().quote(request)

    curious = Curious()
    oms.register_carrier(curious)
    shipped = oms.ship(ready_to_ship(oms).id, "courier", "next-day")
    assert shipped.status is FulfillmentStatus.SHIPPED and len(curious.requests) == 1


def test_registering_a_carrier_checks_the_protocol(oms: omskit.Oms) -> None:
    class NoVoid:
        name = "half"

        def services(self) -> list[dict[str, Any]]:
            return []

        def quote(self, request: omskit.RateRequest) -> list[dict[str, Any]]:
            return []

        def create_label(self, request: omskit.RateRequest, service: str) -> dict[str, Any]:
            return {}

    with pytest.raises(TypeError) as incomplete:
        oms.register_carrier(NoVoid())  # type: ignore[arg-type]
    assert "void_label" in str(incomplete.value)
    with pytest.raises(TypeError):
        oms.register_carrier("courier")  # type: ignore[arg-type]
    nameless = Courier()
    nameless.name = ""
    with pytest.raises(omskit.ValidationError) as empty:
        oms.register_carrier(nameless)
    assert empty.value.field == "carrier.name"
    numbered: Any = Courier()
    numbered.name = 7
    with pytest.raises(TypeError) as not_text:
        oms.register_carrier(numbered)
    assert "carrier.name" in str(not_text.value)

    class BadServices(Courier):
        def services(self) -> list[dict[str, Any]]:
            return [{"name": "same-day", "transit_days": "0"}]

    with pytest.raises(TypeError) as services:
        oms.register_carrier(BadServices())
    assert "services()[0].transit_days" in str(services.value)

    class RaisingServices(Courier):
        def services(self) -> list[dict[str, Any]]:
            raise LookupError("catalogue unavailable")

    with pytest.raises(LookupError):  # the carrier's own exception, at registration
        oms.register_carrier(RaisingServices())
    assert oms.carriers() == []

    # A carrier whose name is a property, returning tuples, is fine.
    class Tupled(Courier):
        @property
        def name(self) -> str:
            return "tupled"

        @name.setter
        def name(self, value: str) -> None:
            pass

        def services(self) -> Sequence[dict[str, Any]]:  # type: ignore[override]
            return tuple(super().services())

    oms.register_carrier(Tupled())
    assert oms.carriers() == ["tupled"]


TABLE: dict[str, Any] = {
    "name": "local-courier",
    "currency": "EUR",
    "zones": [{"name": "home", "countries": ["US", "CA"]}, {"name": "world", "countries": ["*"]}],
    "services": [{"name": "next-day", "transit_days": 1}],
    "rates": [
        {"service": "next-day", "zone": "home", "up_to_kg": "10", "price": "6.90"},
        {"service": "next-day", "zone": "home", "up_to_kg": 30, "price": Decimal("12.00")},
    ],
    "transit_days": [{"service": "next-day", "zone": "home", "days": 2}],
}


def test_a_table_rate_carrier_from_its_configuration(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_table_rate_carrier(TABLE)
    assert oms.carriers() == ["local-courier"]
    f = ready_to_ship(oms)
    (quote,) = oms.quote_shipment(f.id)
    assert (quote.carrier, quote.service, quote.cost, quote.currency, quote.transit_days) == (
        "local-courier", "next-day", d("6.90"), "EUR", 2,
    )  # fmt: skip
    shipped = oms.ship_with(f.id, {"rule": "cheapest"})
    assert shipped.shipment is not None and shipped.shipment.currency == "EUR"

    # Quotes in two currencies cannot be compared.
    oms.register_table_rate_carrier(currency="USD")
    g = ready_to_ship(oms)
    with pytest.raises(omskit.ValidationError) as mixed:
        oms.ship_with(g.id, {"rule": "cheapest"})
    assert mixed.value.field == "currency"


@pytest.mark.parametrize(
    "change,raises,field",
    [
        ({"rates": [{"service": "next-day", "zone": "home", "up_to_kg": "10", "price": "6.905"}]}, omskit.ValidationError, "rates[0].price"),
        ({"rates": [{"service": "next-day", "zone": "moon", "up_to_kg": "10", "price": "6.90"}]}, omskit.ValidationError, "rates[0].zone"),
        ({"rates": [{"service": "next-day", "zone": "home", "up_to_kg": "0", "price": "6.90"}]}, omskit.ValidationError, "rates[0].up_to_kg"),
        ({"rates": [{"service": "next-day", "zone": "home", "up_to_kg": "10", "price": 6.9}]}, TypeError, None),
        ({"zones": [{"name": "home", "countries": ["usa"]}]}, omskit.ValidationError, "zones[0].countries[0]"),
        ({"zones": [{"name": "home", "countries": ["US"], "cities": []}]}, omskit.ValidationError, "zones[0].cities"),
        ({"zones": [{"name": "home", "countries": "US"}]}, TypeError, None),
        ({"services": [{"name": "next day", "transit_days": 1}]}, omskit.ValidationError, "services[0].name"),
        ({"services": [{"name": "next-day", "transit_days": -1}]}, omskit.ValidationError, "services[0].transit_days"),
        ({"transit_days": [{"service": "next-day", "zone": "home", "days": 400}]}, omskit.ValidationError, "transit_days[0].days"),
        ({"currency": "EURO"}, omskit.ValidationError, "currency"),
        ({"name": ""}, omskit.ValidationError, "name"),
        ({"name": None}, TypeError, None),
        ({"surcharge": "1.00"}, omskit.ValidationError, "surcharge"),
    ],
)  # fmt: skip
def test_a_bad_table_rate_configuration(
    oms: omskit.Oms, change: dict[str, Any], raises: type[Exception], field: str | None
) -> None:
    with pytest.raises(raises) as raised:
        oms.register_table_rate_carrier(TABLE | change)
    if field is not None:
        assert getattr(raised.value, "field", None) == field and field in str(raised.value)
    assert oms.carriers() == []


def test_the_standard_table_rate_carrier_needs_one_currency(oms: omskit.Oms) -> None:
    with pytest.raises(omskit.ValidationError) as neither:
        oms.register_table_rate_carrier()
    assert neither.value.field == "currency"
    with pytest.raises(omskit.ValidationError) as both:
        oms.register_table_rate_carrier(TABLE, currency="USD")
    assert both.value.field == "currency"
    with pytest.raises(omskit.ValidationError) as unknown:
        oms.register_table_rate_carrier(currency="ZZZ")
    assert unknown.value.field == "currency"
    with pytest.raises(TypeError):
        oms.register_table_rate_carrier("USD")  # type: ignore[arg-type]
    assert oms.carriers() == []
    oms.register_table_rate_carrier(currency="JPY")
    assert oms.carriers() == ["table-rate"]


def test_late_shipments_are_reported_once(stocked: omskit.Oms) -> None:
    oms = stocked
    oms.register_carrier(Courier(late=True))  # promises delivery two days before shipping
    oms.register_table_rate_carrier(currency="USD")
    assert oms.check_delivery_promises() == []
    late = oms.ship(ready_to_ship(oms).id, "courier", "next-day")
    on_time = oms.ship(ready_to_ship(oms).id, "table-rate", "ground")
    assert on_time.status is FulfillmentStatus.SHIPPED

    (marked,) = oms.check_delivery_promises()
    assert marked.id == late.id and marked.shipment is not None and marked.shipment.delay_notified
    assert oms.check_delivery_promises() == []  # once per shipment
    delayed = [n for n in oms.notifications_since().notifications if n.kind is NotificationKind.DELAYED]
    assert len(delayed) == 1 and delayed[0].tracking is not None
    assert delayed[0].tracking.tracking_number == "CR-1" and delayed[0].template_key == "delayed"


def test_threads_ship_through_a_python_carrier_at_once(stocked: omskit.Oms) -> None:
    oms = stocked
    both_inside = threading.Barrier(2, timeout=30)

    class Meeting(Courier):
        def create_label(self, request: omskit.RateRequest, service: str) -> dict[str, Any]:
            # Two threads are inside the carrier at once: the engine holds no
            # lock while a carrier works, and lets other threads run.
            both_inside.wait()
            return super().create_label(request, service)

    courier = Meeting()
    oms.register_carrier(courier)
    ready = [ready_to_ship(oms), ready_to_ship(oms)]
    shipped: list[omskit.FulfillmentOrder] = []
    errors: list[BaseException] = []

    def ship(f: omskit.FulfillmentOrder) -> None:
        try:
            shipped.append(oms.ship(f.id, "courier", "next-day"))
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    threads = [threading.Thread(target=ship, args=(f,)) for f in ready]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(f.status for f in shipped) == [FulfillmentStatus.SHIPPED] * 2
    assert len(courier.threads) == 2  # each call quoted on its own thread
    assert sorted(n for n, _ in courier.labels) == sorted(
        f.shipment.tracking_number for f in shipped if f.shipment is not None
    )


def test_a_closed_oms_refuses_carriers_and_shipping() -> None:
    oms = omskit.Oms.in_memory()
    oms.close()
    calls: list[Callable[[], object]] = [
        oms.carriers,
        lambda: oms.register_carrier(Courier()),
        lambda: oms.register_table_rate_carrier(currency="USD"),
        lambda: oms.quote_shipment("00000000-0000-7000-8000-000000000000"),
        lambda: oms.notifications_since(),
        lambda: oms.check_delivery_promises(),
    ]
    for call in calls:
        with pytest.raises(omskit.OmsError) as raised:
            call()
        assert type(raised.value) is omskit.OmsError and "closed" in str(raised.value)


def test_an_interrupt_in_a_carrier_is_not_swallowed(stocked: omskit.Oms) -> None:
    oms = stocked
    interrupt = KeyboardInterrupt()
    oms.register_carrier(Failing("quote", interrupt))
    f = ready_to_ship(oms)
    with pytest.raises(KeyboardInterrupt) as raised:
        oms.ship(f.id, "courier", "next-day")
    assert raised.value is interrupt
    assert oms.fulfillment(f.id).status is FulfillmentStatus.PACKED
