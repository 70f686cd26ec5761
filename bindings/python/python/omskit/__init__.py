"""omskit: an embeddable order-management library.

Take orders from any channel, reserve their stock across locations in one
atomic step, hold, edit, cancel and record payments, then fulfil them: pick
lists, packing, shipping through carriers (built-in table rates or your own,
with rate shopping), tracking, proof of delivery and customer notifications,
with a tamper-evident log of every change, in memory, in a SQLite file or in
PostgreSQL::

    import omskit
    from decimal import Decimal

    with omskit.Oms.open("shop.db") as oms:
        oms.add_location("WH-EAST", "East DC", 1)
        oms.receive_stock("MUG", "WH-EAST", 100, "PO-77")
        order = oms.place_order({
            "channel": "web", "currency": "USD",
            "customer": {"id": "c-42", "name": "Ada Lovelace"},
            "lines": [{"sku": "MUG", "quantity": 2, "unit_price": Decimal("12.50")}],
            "ship_to": {"name": "Ada", "line1": "1 Main St", "city": "Springfield",
                        "country": "US"},
        })
        (work,) = oms.fulfil(order.id)                 # one per location
        oms.create_pick_list("WH-EAST", [work.id])
        oms.confirm_pick(work.id, [{"line_id": 1, "quantity": 2}])
        oms.pack(work.id, [{"id": "BOX-1", "weight_kg": "0.8", "length_cm": "20",
                            "width_cm": "20", "height_cm": "15",
                            "lines": [{"line_id": 1, "quantity": 2}]}])
        oms.register_table_rate_carrier(currency="USD")
        shipped = oms.ship_with(work.id, {"rule": "cheapest"})

Money and measures are ``decimal.Decimal`` (or ``str``; a ``float`` is
refused), times are timezone-aware ``datetime`` in UTC, states are str-valued
enums. Errors are subclasses of :class:`OmsError`; a value of the wrong Python
type is a ``TypeError``. ``diagram("order")`` and ``diagram("fulfillment")``
draw the state machines the engine enforces.
"""

from typing import Union

from omskit._carrier import Carrier, LabelDict, QuoteDict, ServiceLevelDict
from omskit._enums import (
    ConditionKind,
    FulfillmentStatus,
    MovementKind,
    NotificationKind,
    OrderStatus,
    PaymentKind,
    PaymentStatus,
    ReservationStatus,
    TrackingEventKind,
)
from omskit._omskit import (
    Address,
    AuditReport,
    BrokenLink,
    ConditionReading,
    ConditionThresholds,
    Conflict,
    Customer,
    CustomHoldRule,
    DeliveryProof,
    Discount,
    EventRecord,
    FulfillmentLine,
    FulfillmentOrder,
    GrandTotalAbove,
    Hold,
    InsufficientStock,
    InvalidTransition,
    LineCancel,
    LineDraft,
    LineQuantityAbove,
    Location,
    NotFound,
    Notification,
    NotificationPage,
    Oms,
    OmsError,
    Order,
    OrderDiscount,
    OrderDraft,
    OrderEdit,
    OrderLine,
    Package,
    PackageLine,
    Parcel,
    Payment,
    PickList,
    PickListEntry,
    PickSource,
    PickTotal,
    RateQuote,
    RateRequest,
    Recipient,
    Reservation,
    Shipment,
    Shortage,
    StockLevel,
    StockMovement,
    StorageError,
    Totals,
    TrackingEvent,
    TrackingInfo,
    TrackingOutcome,
    ValidationError,
    __version__,
    diagram,
)

HoldRule = Union[GrandTotalAbove, LineQuantityAbove, CustomHoldRule]
"""Any hold rule ``Oms.in_memory(hold_rules=[...])`` and its siblings accept."""

__all__ = [
    "Address",
    "AuditReport",
    "BrokenLink",
    "Carrier",
    "ConditionKind",
    "ConditionReading",
    "ConditionThresholds",
    "Conflict",
    "CustomHoldRule",
    "Customer",
    "DeliveryProof",
    "Discount",
    "EventRecord",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentStatus",
    "GrandTotalAbove",
    "Hold",
    "HoldRule",
    "InsufficientStock",
    "InvalidTransition",
    "LabelDict",
    "LineCancel",
    "LineDraft",
    "LineQuantityAbove",
    "Location",
    "MovementKind",
    "NotFound",
    "Notification",
    "NotificationKind",
    "NotificationPage",
    "Oms",
    "OmsError",
    "Order",
    "OrderDiscount",
    "OrderDraft",
    "OrderEdit",
    "OrderLine",
    "OrderStatus",
    "Package",
    "PackageLine",
    "Parcel",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "PickList",
    "PickListEntry",
    "PickSource",
    "PickTotal",
    "QuoteDict",
    "RateQuote",
    "RateRequest",
    "Recipient",
    "Reservation",
    "ReservationStatus",
    "ServiceLevelDict",
    "Shipment",
    "Shortage",
    "StockLevel",
    "StockMovement",
    "StorageError",
    "Totals",
    "TrackingEvent",
    "TrackingEventKind",
    "TrackingInfo",
    "TrackingOutcome",
    "ValidationError",
    "__version__",
    "diagram",
]
