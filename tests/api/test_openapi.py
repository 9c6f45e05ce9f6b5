"""The published OpenAPI schema: valid, complete, honest about its refusals."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.api.conftest import jsonschema

EXPECTED = {
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/my-work"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{number}"),
    ("post", "/api/v1/cases/{number}/transitions"),
    ("post", "/api/v1/cases/{number}/tasks"),
    ("post", "/api/v1/tasks/{task_id}/complete"),
    ("get", "/api/v1/sla-rules"),
}


@pytest.fixture
def spec(db):
    r = Client().get("/api/openapi.json")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    return json.loads(r.content)


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def test_the_schema_lists_the_kernel_endpoints(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "ClaimDesk API"
    present = {(m, p) for m, p, _ in _operations(spec)}
    assert present >= EXPECTED
    assert ("get", "/api/v1/auth/me") not in present  # the old alias is not advertised


def test_operation_ids_are_unique(spec):
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves_and_every_schema_is_valid(spec):
    text = json.dumps(spec)
    for name in spec["components"]["schemas"]:
        jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"][name])
    import re

    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in spec["components"]["schemas"], ref


# Open by design: the token exchange, and the tokenised satisfaction survey (the link in the
# customer's message works without logging in; the token itself is the credential).
OPEN = {
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/feedback/surveys/{token}"),
    ("post", "/api/v1/feedback/surveys/{token}"),
}


def test_bearer_auth_is_declared_and_only_the_open_endpoints_are_open(spec):
    assert spec["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for method, path, op in _operations(spec):
        if (method, path) in OPEN:
            assert not op.get("security")
        else:
            assert {"BearerToken": []} in op["security"], (method, path)


def test_refusals_are_declared(spec):
    for method, path, op in _operations(spec):
        codes = set(op["responses"])
        if op.get("security"):
            assert "401" in codes, (method, path)
        if op.get("requestBody"):
            assert {"400", "422"} <= codes, (method, path)
        if op.get("parameters"):
            assert "422" in codes, (method, path)
    transitions = spec["paths"]["/api/v1/cases/{number}/transitions"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(transitions)
    conflict = transitions["409"]["content"]["application/json"]["schema"]
    name = conflict["$ref"].rsplit("/", 1)[-1]
    # the refusal of an action names what is allowed instead
    assert "allowed" in spec["components"]["schemas"][name]["properties"]


def test_the_docs_page_is_served(db):
    r = Client().get("/api/docs")
    assert r.status_code == 200
    assert b"openapi.json" in r.content
