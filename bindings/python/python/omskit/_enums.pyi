"""Type stubs of ``omskit._enums``: the states and kinds omskit reports."""

import enum

from typing_extensions import Self

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

class _StrEnum(str, enum.Enum):  # type: ignore[misc]  # a base with no members of its own
    def __new__(cls, value: object) -> Self: ...
    def __format__(self, spec: str) -> str: ...

class OrderStatus(_StrEnum):
    PLACED = "placed"
    ON_HOLD = "on_hold"
    PROCESSING = "processing"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

class PaymentStatus(_StrEnum):
    UNPAID = "unpaid"
    AUTHORIZED = "authorized"
    PAID = "paid"

class PaymentKind(_StrEnum):
    AUTHORIZATION = "authorization"
    CAPTURE = "capture"

class ReservationStatus(_StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    COMMITTED = "committed"

class MovementKind(_StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"
    SHIPMENT = "shipment"

class FulfillmentStatus(_StrEnum):
    PENDING = "pending"
    READY = "ready"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    RETURNED_TO_SENDER = "returned_to_sender"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"

class TrackingEventKind(_StrEnum):
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"

class ConditionKind(_StrEnum):
    TEMPERATURE = "temperature"
    SHOCK = "shock"

class NotificationKind(_StrEnum):
    ORDER_CONFIRMED = "order_confirmed"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    DELIVERY_FAILED = "delivery_failed"
