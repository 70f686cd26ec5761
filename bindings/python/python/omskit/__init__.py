"""omskit: an embeddable order-management library.

Take orders from any channel, reserve their stock across locations in one
atomic step, hold, edit, cancel and record payments, with a tamper-evident
log of every change, in memory, in a SQLite file or in PostgreSQL::

    import omskit
    from decimal import Decimal

    with omskit.Oms.open("shop.db") as oms:
        oms.add_location("WH-EAST", "East DC", 1)
        oms.receive_stock("MUG", "WH-EAST", 100, "PO-77")
        order = oms.place_order({
            "channel": "web", "currency": "USD",
            "customer": {"id": "c-42", "name": "Ada Lovelace"},
            "lines": [{"sku": "MUG", "quantity": 2, "unit_price": Decimal("12.50")}],
        })

Money is ``decimal.Decimal`` (or ``str``; a ``float`` is refused), times are
timezone-aware ``datetime`` in UTC, states are str-valued enums. Errors are
subclasses of :class:`OmsError`; a value of the wrong Python type is a
``TypeError``.
"""

from typing import Union

from omskit._enums import MovementKind, OrderStatus, PaymentKind, PaymentStatus, ReservationStatus
from omskit._omskit import (
    Address,
    AuditReport,
    BrokenLink,
    Conflict,
    Customer,
    CustomHoldRule,
    Discount,
    EventRecord,
    GrandTotalAbove,
    Hold,
    InsufficientStock,
    InvalidTransition,
    LineCancel,
    LineDraft,
    LineQuantityAbove,
    Location,
    NotFound,
    Oms,
    OmsError,
    Order,
    OrderDiscount,
    OrderDraft,
    OrderEdit,
    OrderLine,
    Payment,
    Reservation,
    Shortage,
    StockLevel,
    StockMovement,
    StorageError,
    Totals,
    ValidationError,
    __version__,
)

HoldRule = Union[GrandTotalAbove, LineQuantityAbove, CustomHoldRule]
"""Any hold rule ``Oms.in_memory(hold_rules=[...])`` and its siblings accept."""

__all__ = [
    "Address",
    "AuditReport",
    "BrokenLink",
    "Conflict",
    "CustomHoldRule",
    "Customer",
    "Discount",
    "EventRecord",
    "GrandTotalAbove",
    "Hold",
    "HoldRule",
    "InsufficientStock",
    "InvalidTransition",
    "LineCancel",
    "LineDraft",
    "LineQuantityAbove",
    "Location",
    "MovementKind",
    "NotFound",
    "Oms",
    "OmsError",
    "Order",
    "OrderDiscount",
    "OrderDraft",
    "OrderEdit",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "Reservation",
    "ReservationStatus",
    "Shortage",
    "StockLevel",
    "StockMovement",
    "StorageError",
    "Totals",
    "ValidationError",
    "__version__",
]
