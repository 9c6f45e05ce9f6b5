"""Reserves and recoveries tests: the claims and payments fixtures (policies, an auto claim
in payment, the holder's account), offered here too."""

from __future__ import annotations

from tests.claims import conftest as claims_conftest
from tests.payments import conftest as payments_conftest

auto_policy = claims_conftest.auto_policy
accident_policy = claims_conftest.accident_policy
account = payments_conftest.account
paying = payments_conftest.paying
