"""Compliance test helpers: the schema-checked JSON client and the frozen clock of the
claims tests, and T0."""

import pytest

from tests.claims.conftest import T0, claims_api, frozen  # noqa: F401  (fixtures)


@pytest.fixture
def now():
    return T0
