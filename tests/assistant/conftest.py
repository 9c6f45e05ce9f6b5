"""Assistant test helpers: the claims JSON client (answers checked against OpenAPI) and the
frozen clock, reused from the claims tests."""

from tests.claims.conftest import claims_api, frozen  # noqa: F401
