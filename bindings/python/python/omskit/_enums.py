"""The states and kinds omskit reports, as str-valued enums.

Each member *is* its value (``OrderStatus.PLACED == "placed"``), so results
compare equal to plain strings, serialize to JSON as strings, and any method
that takes one also accepts the plain string.
"""

import enum

__all__ = ["MovementKind", "OrderStatus", "PaymentKind", "PaymentStatus", "ReservationStatus"]


class _StrEnum(str, enum.Enum):
    """A str-valued enum whose ``str()`` and ``format()`` are its value."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class OrderStatus(_StrEnum):
    """Where an order is in its life."""

    PLACED = "placed"
    """Accepted and fully reserved."""
    ON_HOLD = "on_hold"
    """Stopped by a hold rule or by hand until released."""
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
