"""Ending API tokens: revoke this one, log out everywhere, and what ends them on its own
(a new password, a deactivation). A revoked token is refused with 401."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claimdesk.staff.models import ApiToken, TokenRevoked
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.api.conftest import Api
from tests.cases.conftest import T0
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin1(db):
    return user_create(username="admin1", password=PASSWORD, role=Role.ADMIN)


def _login(username: str) -> Api:
    r = Api().post("/auth/token", {"username": username, "password": PASSWORD})
    assert r.status_code == 200
    return Api(r.json()["token"])


def test_revoke_ends_this_token_only(agent1):
    phone, laptop = _login("agent1"), _login("agent1")
    r = phone.post("/auth/revoke")
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert phone.get("/me").status_code == 401
    assert phone.get("/me").json() == {"detail": "Unauthorized"}
    assert laptop.get("/me").status_code == 200
    assert phone.post("/auth/revoke").status_code == 401  # a revoked token cannot act
    row = ApiToken.objects.get(revoked_at__isnull=False)
    assert row.revoked_at == T0 and row.revoked_reason == TokenRevoked.BY_HOLDER


def test_logout_ends_every_token_of_mine_and_no_one_elses(agent1, agent2):
    mine = [_login("agent1"), _login("agent1")]
    theirs = _login("agent2")
    r = mine[0].post("/auth/logout")
    assert r.status_code == 200 and r.json() == {"revoked": 2}
    assert [c.get("/me").status_code for c in mine] == [401, 401]
    assert theirs.get("/me").status_code == 200


def test_a_browser_session_logs_out_through_the_api_too(agent1):
    token = _login("agent1")
    browser = Api()
    browser.client.force_login(agent1)
    assert browser.post("/auth/revoke").status_code == 400  # no bearer token to revoke
    assert browser.post("/auth/logout").json() == {"revoked": 1}
    assert token.get("/me").status_code == 401
    assert browser.get("/me").status_code == 401  # the session ended with it


def test_a_password_change_ends_the_old_tokens(agent1):
    client = _login("agent1")
    agent1.set_password("a-new-long-passphrase")
    agent1.save()
    assert client.get("/me").status_code == 401
    assert ApiToken.objects.get().revoked_reason == TokenRevoked.PASSWORD
    assert (
        Api().post("/auth/token", {"username": "agent1", "password": PASSWORD}).status_code == 401
    )
    fresh = Api().post("/auth/token", {"username": "agent1", "password": "a-new-long-passphrase"})
    assert Api(fresh.json()["token"]).get("/me").status_code == 200


def test_saving_a_user_without_new_credentials_keeps_the_tokens(agent1):
    client = _login("agent1")
    agent1.first_name = "阿杰"
    agent1.save()
    agent1.save(update_fields=["last_login"])
    assert client.get("/me").status_code == 200


def test_deactivation_ends_the_tokens_for_good(agent1):
    client = _login("agent1")
    agent1.is_active = False
    agent1.save()
    agent1.is_active = True  # reactivated later: the old token does not come back
    agent1.save()
    assert client.get("/me").status_code == 401
    assert ApiToken.objects.get().revoked_reason == TokenRevoked.DEACTIVATED


def test_changepassword_command_ends_the_tokens(agent1, monkeypatch):
    client = _login("agent1")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-long-passphrase")
    call_command("changepassword", "agent1")
    assert client.get("/me").status_code == 401


def test_the_admin_lists_tokens_by_prefix_never_the_secret_and_revokes_them(client, agent1, admin1):
    api = _login("agent1")
    token = api.headers["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    row = ApiToken.objects.get()
    client.force_login(admin1)
    html = client.get("/admin/staff/apitoken/").content.decode()
    assert f"{token[:8]}…" in html
    assert token not in html and row.digest not in html
    detail = client.get(f"/admin/staff/apitoken/{row.pk}/change/").content.decode()
    assert token not in detail and row.digest not in detail
    r = client.post(
        "/admin/staff/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert api.get("/me").status_code == 401
    row.refresh_from_db()
    assert row.revoked_reason == TokenRevoked.ADMIN


def test_the_user_admin_revokes_all_of_a_users_tokens(client, agent1, admin1):
    api = _login("agent1")
    client.force_login(admin1)
    r = client.post(
        "/admin/auth/user/",
        {"action": "revoke_api_tokens", "_selected_action": [agent1.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert api.get("/me").status_code == 401


def test_the_revoke_and_logout_endpoints_are_in_the_schema():
    from tests.api.conftest import openapi

    paths = openapi()["paths"]
    assert {"200", "400", "401"} <= set(paths["/api/v1/auth/revoke"]["post"]["responses"])
    assert {"200", "401"} <= set(paths["/api/v1/auth/logout"]["post"]["responses"])
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    assert get_user_model()  # the schema is built without a database
