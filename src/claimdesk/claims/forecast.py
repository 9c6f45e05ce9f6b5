"""When will an open claim be paid? The claim's side of the answer.

The estimate itself comes from history (``analytics.prediction``), which the claims domain
must not read: analytics registers its estimator here at start-up, and the claim's pages and
API ask through ``payment_forecast``. Without an estimator the answer says there is none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class PaymentForecast:
    """The expected payment: median and 80 % dates (None when not estimable) and why."""

    median: datetime | None
    p80: datetime | None
    basis: str
    sample: int

    def as_dict(self) -> dict[str, Any]:
        """For the API's progress answer (``expected_payment``) and templates."""
        return {"median": self.median, "p80": self.p80, "basis": self.basis, "sample": self.sample}


Estimator = Callable[..., PaymentForecast]
_estimator: Estimator | None = None


def register_payment_estimator(estimator: Estimator) -> None:
    """``estimator(claim, now=)`` answers every forecast from now on (the last one wins)."""
    global _estimator
    _estimator = estimator


def payment_forecast(claim: Any, *, now: datetime) -> PaymentForecast:
    if _estimator is None:
        return PaymentForecast(None, None, _("No estimate is available."), 0)
    return _estimator(claim, now=now)
