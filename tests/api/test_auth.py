"""Getting a bearer token, using it, and every way of not being let in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from claimdesk.staff.models import ApiToken
from claimdesk.staff.services import token_lifetime, token_user
from tests.api.conftest import Api
from tests.cases.conftest import T0
from tests.conftest import PASSWORD


def test_good_credentials_give_a_token_that_works(api, agent1):
    r = api().post("/auth/token", {"username": "agent1", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["token"]
    assert len(token) >= 32
    row = ApiToken.objects.get(user=agent1)
    assert token not in row.digest  # only a digest is kept
    assert row.prefix == token[:8]  # and its first characters, to tell tokens apart
    assert row.expires_at == T0 + timedelta(days=30)
    me = Api(token).get("/me")
    assert me.status_code == 200
    assert me.json() == {"username": "agent1", "name": "agent1", "roles": ["agent"]}


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "agent1", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "", "password": ""},
    ],
)
def test_bad_credentials_are_401_with_a_detail(api, agent1, credentials):
    r = api().post("/auth/token", credentials)
    assert r.status_code == 401
    assert r.json() == {"detail": "invalid username or password"}
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(api, agent1):
    get_user_model().objects.filter(pk=agent1.pk).update(is_active=False)
    assert (
        api().post("/auth/token", {"username": "agent1", "password": PASSWORD}).status_code == 401
    )


def test_a_token_request_must_be_json_of_the_right_shape(api, agent1):
    r = api().post("/auth/token", raw="{not json")
    assert r.status_code == 400
    assert r.json() == {"detail": "Cannot parse request body"}
    r = api().post("/auth/token", {"username": "agent1"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "password"
    assert api().post("/auth/token", ["agent1", PASSWORD]).status_code == 422


def test_without_credentials_the_api_says_401(api, agent1):
    r = api().get("/me")
    assert r.status_code == 401
    assert r.json() == {"detail": "Unauthorized"}
    for header in ("Bearer nope", "Basic YWdlbnQxOmRlbW8xMjM0NQ==", "Bearer", "token abc"):
        client = Api()
        client.headers = {"HTTP_AUTHORIZATION": header}
        assert client.get("/me").status_code == 401, header
        assert client.get("/cases").status_code == 401, header


def test_a_token_expires(api, agent1, _frozen):
    client = api(agent1)
    assert client.get("/me").status_code == 200
    _frozen.move_to(T0 + token_lifetime() - timedelta(seconds=1))
    assert client.get("/me").status_code == 200
    _frozen.move_to(T0 + token_lifetime())
    assert client.get("/me").status_code == 401


def test_the_token_lifetime_is_the_operators_to_set(api, agent1, settings):
    settings.CLAIMDESK_TOKEN_LIFETIME_HOURS = 8
    token = api().post("/auth/token", {"username": "agent1", "password": PASSWORD}).json()
    row = ApiToken.objects.get(prefix=token["token"][:8])
    assert row.expires_at == T0 + timedelta(hours=8)


def test_a_deactivated_users_token_stops_working(api, agent1):
    client = api(agent1)
    get_user_model().objects.filter(pk=agent1.pk).update(is_active=False)
    assert client.get("/me").status_code == 401


def test_last_use_is_recorded_without_a_write_per_request(api, agent1, _frozen):
    client = api(agent1)
    client.get("/me")
    row = ApiToken.objects.get()
    assert row.last_used_at == T0
    _frozen.move_to(T0 + timedelta(minutes=2))
    client.get("/me")
    row.refresh_from_db()
    assert row.last_used_at == T0  # at most one write per five minutes
    _frozen.move_to(T0 + timedelta(minutes=6))
    client.get("/me")
    row.refresh_from_db()
    assert row.last_used_at == T0 + timedelta(minutes=6)


def test_token_user_directly(agent1):
    assert token_user(token="not-a-token", now=T0) is None


def test_a_browser_session_works_too(agent1):
    client = Api()
    client.client.force_login(agent1)
    assert client.get("/me").json()["username"] == "agent1"


def test_bearer_calls_need_no_csrf_token_but_session_posts_do(api, agent1, customer1):
    from tests.cases.conftest import open_claim

    case = open_claim(agent1, customer1)
    bearer = api(agent1, enforce_csrf_checks=True)
    r = bearer.post(f"/cases/{case.number}/transitions", {"action": "contact"})
    assert r.status_code == 200
    session = Api(enforce_csrf_checks=True)
    session.client.force_login(agent1)
    r = session.post(f"/cases/{case.number}/transitions", {"action": "withdraw"})
    assert r.status_code == 403  # a cross-site form cannot act for the user
    assert "CSRF" in r.json()["detail"]
    case.refresh_from_db()
    assert case.status == "reviewing"


def test_the_old_me_address_still_answers(api, customer1):
    client = api(customer1)
    r = client.client.get("/api/v1/auth/me", **client.headers)
    assert r.status_code == 200
    assert r.json()["roles"] == ["customer"]
