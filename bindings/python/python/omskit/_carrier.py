"""The carrier protocol: what ``Oms.register_carrier`` accepts.

A carrier written in Python is any object with these members (no base class
needed)::

    class Courier:
        name = "courier"

        def services(self):
            return [{"name": "same-day", "transit_days": 0}]

        def quote(self, request):  # request: omskit.RateRequest
            return [{"service": "same-day", "cost": Decimal("9.00"), "currency": "USD",
                     "transit_days": 0, "promised_delivery": request.ship_at}]

        def create_label(self, request, service):
            return {"tracking_number": "CR-1", "label_reference": "label-CR-1",
                    "cost": Decimal("9.00"), "currency": "USD",
                    "promised_delivery": request.ship_at}

        def void_label(self, tracking_number):
            ...

    oms.register_carrier(Courier())

omskit calls the methods outside any storage transaction, with other Python
threads free to run, so they may block on a carrier's API. An exception they
raise fails the ``Oms`` call that needed them: an ``omskit.OmsError`` keeps
its class (raise ``omskit.ValidationError`` for a parcel the service cannot
carry), any other exception becomes ``omskit.StorageError`` (``retryable``
for ``ConnectionError`` and ``TimeoutError``); the original exception is the
raised error's ``__cause__``. A returned value of the wrong shape is a
``StorageError`` naming the bad field. A label the engine could not record is
voided with ``void_label``; an exception from that call is reported through
``sys.unraisablehook``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Union, runtime_checkable

if TYPE_CHECKING:
    from omskit._omskit import RateQuote, RateRequest

__all__ = ["Carrier", "LabelDict", "QuoteDict", "ServiceLevelDict"]


class ServiceLevelDict(TypedDict):
    """A service a carrier sells, as ``Carrier.services()`` returns it."""

    name: str
    """The service's name, unique within its carrier (``ground``, ``express``)."""
    transit_days: int
    """Business days from pick-up to delivery that the carrier promises."""


class _QuoteFields(TypedDict):
    service: str
    cost: Union[Decimal, str, int]
    currency: str
    transit_days: int
    promised_delivery: Union[datetime, str]


class QuoteDict(_QuoteFields, total=False):
    """One quote, as ``Carrier.quote()`` returns it: ``service``, ``cost``
    (Decimal or str, never a float), ``currency`` (ISO 4217),
    ``transit_days`` and ``promised_delivery`` (an aware datetime or RFC 3339
    str). ``carrier`` may be left out: the registered name is used."""

    carrier: str


class LabelDict(TypedDict):
    """A bought label, as ``Carrier.create_label()`` returns it."""

    tracking_number: str
    """The tracking number the carrier assigned (unique across shipments)."""
    label_reference: str
    """The carrier's reference of the label document (to print or void it)."""
    cost: Union[Decimal, str, int]
    """What the label cost."""
    currency: str
    """ISO 4217 code of ``cost``."""
    promised_delivery: Union[datetime, str]
    """When the carrier promises delivery."""


@runtime_checkable
class Carrier(Protocol):
    """A shipping carrier written in Python, for ``Oms.register_carrier``."""

    @property
    def name(self) -> str:
        """The carrier's name: shipments record it, ``Oms.ship`` takes it."""
        ...

    def services(self) -> Sequence[Mapping[str, Any]]:
        """The services it sells, as ``ServiceLevelDict``s. Called once, by
        ``register_carrier``."""
        ...

    def quote(self, request: RateRequest) -> Sequence[Union[Mapping[str, Any], RateQuote]]:
        """A quote (``QuoteDict`` or ``RateQuote``) for every service that can
        carry ``request``; a service that cannot is left out."""
        ...

    def create_label(self, request: RateRequest, service: str) -> Mapping[str, Any]:
        """Buys a label for ``service``: a ``LabelDict``. Raise
        ``omskit.NotFound`` for an unknown service, ``omskit.ValidationError``
        when it cannot carry the request."""
        ...

    def void_label(self, tracking_number: str) -> object:
        """Voids a label that will not be used (the return value is ignored)."""
        ...
