"""The states and kinds omskit reports, as str-valued enums.

Each member *is* its value (``OrderStatus.PLACED == "placed"``), so results
compare equal to plain strings, serialize to JSON as strings, and any method
that takes one also accepts the plain string.
"""

import enum

__all__ = [
    "ConditionKind",
    "FulfillmentStatus",
    "MovementKind",
    "NotificationKind",
    "OrderStatus",
    "PaymentKind",
    "PaymentStatus",
    "ReservationStatus",
    "TrackingEventKind",
]


class _StrEnum(str, enum.Enum):
    """A str-valued enum whose ``str()`` and ``format()`` are its value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class OrderStatus(_StrEnum):
    """Where an order is in its life. From ``processing`` on, the status rolls
    up from the order's fulfilment orders."""

    PLACED = "placed"
    """Accepted and fully reserved."""
    ON_HOLD = "on_hold"
    """Stopped by a hold rule or by hand until released."""
    PROCESSING = "processing"
    """Fulfilment orders exist; nothing has shipped yet."""
    PARTIALLY_SHIPPED = "partially_shipped"
    """Some units shipped, some still to ship."""
    SHIPPED = "shipped"
    """Every unit shipped; not all delivered yet."""
    DELIVERED = "delivered"
    """Every package delivered."""
    CANCELLED = "cancelled"
    """Cancelled: nothing of it will ship."""


class PaymentStatus(_StrEnum):
    """How far an order is paid (recorded, never collected)."""

    UNPAID = "unpaid"
    """Less than the grand total is authorized or captured."""
    AUTHORIZED = "authorized"
    """Authorized and captured amounts together cover the grand total."""
    PAID = "paid"
    """Captured amounts cover the grand total."""


class PaymentKind(_StrEnum):
    """The kind of a recorded payment."""

    AUTHORIZATION = "authorization"
    """Funds reserved on the customer's instrument."""
    CAPTURE = "capture"
    """Funds taken; consumes authorized funds first."""


class ReservationStatus(_StrEnum):
    """Where a reservation stands."""

    ACTIVE = "active"
    """Holding units."""
    RELEASED = "released"
    """Given back (cancellation, edit); holds nothing."""
    COMMITTED = "committed"
    """Consumed: every unit it held has shipped."""


class MovementKind(_StrEnum):
    """Why stock moved, in the stock ledger."""

    RECEIPT = "receipt"
    """Units arrived (on hand up)."""
    ADJUSTMENT = "adjustment"
    """On hand corrected (count, damage, loss)."""
    RESERVATION = "reservation"
    """Units promised to an order (reserved up)."""
    RELEASE = "release"
    """A promise given back (reserved down)."""
    SHIPMENT = "shipment"
    """Units left in a package (on hand and reserved down)."""


class FulfillmentStatus(_StrEnum):
    """Where a fulfilment order is in its life (``omskit.diagram("fulfillment")``
    draws the transitions)."""

    PENDING = "pending"
    """Awaiting stock: a short pick left units no location had. It holds no
    reservation; ``Oms.allocate_fulfillment`` reserves its units once stock
    is back and makes it ``ready``."""
    READY = "ready"
    """Its units are reserved at its location; waiting to be picked."""
    PICKING = "picking"
    """On a pick list: someone is walking the bins."""
    PICKED = "picked"
    """Pick confirmed (short picks already moved elsewhere)."""
    PACKED = "packed"
    """Every picked unit is in a package."""
    SHIPPED = "shipped"
    """Handed to the carrier with a label; stock has left the location."""
    IN_TRANSIT = "in_transit"
    """Moving through the carrier's network."""
    OUT_FOR_DELIVERY = "out_for_delivery"
    """On the vehicle for the last mile."""
    DELIVERED = "delivered"
    """Delivered, with proof when the carrier gave one."""
    DELIVERY_FAILED = "delivery_failed"
    """A delivery attempt failed; the carrier will retry or return it."""
    RETURNED_TO_SENDER = "returned_to_sender"
    """The carrier brought it back."""
    ON_HOLD = "on_hold"
    """Stopped by hand until released."""
    CANCELLED = "cancelled"
    """Cancelled before shipment; its units went back to the order."""


class TrackingEventKind(_StrEnum):
    """What a carrier reports about a shipment, normalized."""

    LABEL_CREATED = "label_created"
    """The label exists; the carrier has not seen the parcels yet."""
    PICKED_UP = "picked_up"
    """The carrier took the parcels."""
    IN_TRANSIT = "in_transit"
    """Moving through the carrier's network."""
    OUT_FOR_DELIVERY = "out_for_delivery"
    """On the vehicle for the last mile."""
    DELIVERED = "delivered"
    """Delivered."""
    DELIVERY_FAILED = "delivery_failed"
    """A delivery attempt failed."""
    EXCEPTION = "exception"
    """Something went wrong (damage, customs); the state does not change."""
    RETURNED_TO_SENDER = "returned_to_sender"
    """On its way back to the shipper."""


class ConditionKind(_StrEnum):
    """What a shipment's sensor measures."""

    TEMPERATURE = "temperature"
    """Degrees Celsius."""
    SHOCK = "shock"
    """Peak acceleration in g."""


class NotificationKind(_StrEnum):
    """A customer-facing moment; the value is the template key."""

    ORDER_CONFIRMED = "order_confirmed"
    """The order was accepted."""
    SHIPPED = "shipped"
    """A package left the warehouse."""
    OUT_FOR_DELIVERY = "out_for_delivery"
    """A package is on the vehicle for the last mile."""
    DELIVERED = "delivered"
    """A package was delivered."""
    DELAYED = "delayed"
    """A package missed its promised delivery date."""
    DELIVERY_FAILED = "delivery_failed"
    """A delivery attempt failed."""
