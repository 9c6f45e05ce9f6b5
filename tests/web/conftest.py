"""Fixtures for the page tests: cheap password hashing, and a few cases built through services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from claimdesk.cases import services


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Django's PBKDF2 costs ~0.35 s per user created or logged in; these tests are about pages.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def claim(agent1, customer1, now):
    """customer1's claim, reported by agent1 an hour ago (contact clock running)."""
    return services.case_open(
        kind="claim",
        title="车险 追尾事故 沪A12345",
        actor=agent1,
        customer=customer1,
        now=now - timedelta(hours=1),
    )
