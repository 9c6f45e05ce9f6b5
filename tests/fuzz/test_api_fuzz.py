"""Schema-driven fuzzing of the whole API as a customer and as staff: 0 server errors,
0 answers that break the published schema.

Bounded and deterministic (``FUZZ_EXAMPLES`` examples per operation, a fixed seed through
Hypothesis' ``derandomize``): every operation of the OpenAPI schema, the state-changing ones
included, is called with generated input (valid and invalid) through the WSGI application,
once with a customer's token and once with a claims manager's. Each answer is checked for

- no 5xx (``not_a_server_error``),
- a status the operation declares (``status_code_conformance``),
- the declared content type and body schema (``content_type_conformance``,
  ``response_schema_conformance``) and headers (``response_headers_conformance``).

Slow (a few minutes): it runs when ``CLAIMDESK_FUZZ=1`` is set, as ``.ci/run`` does in its own
step on PostgreSQL. Locally::

    CLAIMDESK_FUZZ=1 PYTHONPATH=src .venv/bin/python -m pytest tests/fuzz -p no:xdist -q
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claimdesk.policies.demo import demo_policy
from claimdesk.staff.services import token_issue
from tests.conftest import PASSWORD

FUZZ_EXAMPLES = int(os.environ.get("CLAIMDESK_FUZZ_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.skipif(
        os.environ.get("CLAIMDESK_FUZZ") != "1",
        reason="schema fuzzing takes minutes: set CLAIMDESK_FUZZ=1 (.ci/run does)",
    ),
]


def _schema():
    """The schema the API publishes at /api/openapi.json, called through the WSGI app."""
    from claimdesk.api import api
    from claimdesk.wsgi import application

    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
    loaded.app = application
    loaded.location = "/api/openapi.json"
    return loaded


schema = _schema()


@pytest.fixture(autouse=True, scope="module")
def _keep_the_test_connection():
    """Calls go straight to the WSGI application, whose request signals would close the
    test's database connection (and its transaction) after each answer on PostgreSQL;
    Django's test client unhooks them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """A customer with a policy of their own, and a claims manager: made once for the
    module (the generated calls run in each test's transaction, rolled back after it)."""
    from claimdesk.policies.demo import demo_products
    from claimdesk.staff.roles import Role
    from tests.conftest import _user

    with django_db_blocker.unblock():
        manager = _user("fuzz-manager", Role.MANAGER, approval_limit=Decimal("1000000"))
        customer = _user("fuzz-customer", Role.CUSTOMER)
        demo_policy(
            number="PFUZZ0001",
            holder=customer,
            line="auto",
            start=date(2026, 1, 1),
            insured_name="张三",
            plate="沪A54321",
            products=demo_products(),
        )
        now = timezone.now()
        return {
            user.username: token_issue(username=user.username, password=PASSWORD, now=now)
            for user in (customer, manager)
        }


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_input_within_its_schema(db, case, tokens):
    started = time.monotonic()
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    SPENT[case.operation.label] += time.monotonic() - started


SPENT: defaultdict[str, float] = defaultdict(float)


@pytest.fixture(autouse=True, scope="module")
def _report_the_slowest_operations():
    """The slowest operations of the run, printed at its end (to keep the step short)."""
    yield
    slowest = sorted(SPENT.items(), key=lambda kv: -kv[1])[:10]
    print("\nslowest operations:", *(f"{s:6.1f} s  {label}" for label, s in slowest), sep="\n")
