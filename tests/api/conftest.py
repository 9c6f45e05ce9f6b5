"""API test helpers: a client that speaks JSON with a bearer token, checked against OpenAPI.

Every answer must be below 500, and an answer whose status the schema declares must match
the declared schema (``jsonschema``, OpenAPI 3.1 = JSON Schema 2020-12).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
import time_machine
from django.test import Client

from claimdesk.staff.services import token_issue
from tests.cases.conftest import T0
from tests.conftest import PASSWORD


@cache
def openapi() -> dict[str, Any]:
    from claimdesk.api import api

    return json.loads(json.dumps(api.get_openapi_schema()))


def _operation(method: str, path: str) -> dict[str, Any] | None:
    path = path.split("?")[0]
    for template, ops in openapi()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            return ops[method.lower()]
    return None


def check_against_openapi(method: str, path: str, response) -> None:
    """The answer matches what the schema declares for its status (if it declares it)."""
    assert response.status_code < 500, (method, path, response.content[:500])
    op = _operation(method, path)
    assert op is not None, f"{method} {path} is not in the OpenAPI schema"
    declared = op["responses"].get(str(response.status_code))
    assert declared is not None, (
        f"{method} {path} answered {response.status_code}, which its schema does not declare"
    )
    content = declared.get("content", {}).get("application/json")
    if content is None:
        return
    schema = {**content["schema"], "components": openapi()["components"]}
    jsonschema.Draft202012Validator(schema).validate(response.json())


class Api:
    """JSON calls to /api/v1 as one user (or nobody), each checked against the schema."""

    def __init__(self, token: str | None = None, **client_kwargs):
        self.client = Client(**client_kwargs)
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        r = self.client.get(f"/api/v1{path}", params, **self.headers)
        check_against_openapi("get", f"/api/v1{path}", r)
        return r

    def post(self, path: str, body: Any = None, *, raw: str | None = None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        r = self.client.post(
            f"/api/v1{path}", data=data, content_type="application/json", **self.headers
        )
        check_against_openapi("post", f"/api/v1{path}", r)
        return r


@pytest.fixture(autouse=True)
def _frozen():
    """The API reads the real clock: hold it at Wed 30 Sept 2026 10:00 (Shanghai)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api(db):
    """``api(user)`` → an :class:`Api` with a fresh bearer token; ``api()`` → anonymous."""

    def make(user=None, **client_kwargs) -> Api:
        if user is None:
            return Api(**client_kwargs)
        token = token_issue(username=user.username, password=PASSWORD, now=T0)
        assert token
        return Api(token, **client_kwargs)

    return make
