"""Type stubs of ``omskit._enums``: the states and kinds omskit reports."""

import enum

from typing_extensions import Self

__all__ = ["MovementKind", "OrderStatus", "PaymentKind", "PaymentStatus", "ReservationStatus"]

class _StrEnum(str, enum.Enum):  # type: ignore[misc]  # a base with no members of its own
    def __new__(cls, value: object) -> Self: ...
    def __format__(self, spec: str) -> str: ...

class OrderStatus(_StrEnum):
    PLACED = "placed"
    ON_HOLD = "on_hold"
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

class MovementKind(_StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"
