"""Money columns: every amount is a ``Decimal`` of 14 digits, 2 of them after the point.

``money_field`` is the one definition of that column, typed so that reading it gives a
``Decimal`` (``Decimal | None`` with ``null=True``). Its deconstruction is exactly that of
``DecimalField(max_digits=14, decimal_places=2, ...)``, so migrations don't see a change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, TypeAlias, overload

from django.db import models
from django.db.models.expressions import Combinable
from django.utils.functional import Promise

MAX_DIGITS = 14
DECIMAL_PLACES = 2
# For code that still spreads the options into a DecimalField (prefer money_field).
MONEY: dict[str, Any] = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}

_Assignable: TypeAlias = str | float | Decimal | Combinable
MoneyField: TypeAlias = "models.DecimalField[_Assignable, Decimal]"
NullableMoneyField: TypeAlias = "models.DecimalField[_Assignable | None, Decimal | None]"


@overload
def money_field(
    verbose_name: str | Promise | None = None, *, null: Literal[False] = False, **options: Any
) -> MoneyField: ...
@overload
def money_field(
    verbose_name: str | Promise | None = None, *, null: Literal[True], **options: Any
) -> NullableMoneyField: ...
def money_field(
    verbose_name: str | Promise | None = None, *, null: bool = False, **options: Any
) -> MoneyField | NullableMoneyField:
    """A money column; ``options`` are DecimalField's (``blank``, ``default``, ``validators``…)."""
    return models.DecimalField(
        verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, null=null, **options
    )
