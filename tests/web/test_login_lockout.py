"""Too many wrong passwords lock a login: the login page and the API's token login, counted
together per username and address, refused with 429 and Retry-After even for the right
password, until the cool-off passes or an administrator unlocks it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from claimdesk.staff.models import ApiToken
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.cases.conftest import T0
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 20
COOLOFF = 30 * 60


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def page_login(password: str, *, address: str = "203.0.113.7", client: Client | None = None):
    client = client or Client(REMOTE_ADDR=address)
    return client.post("/login/", {"username": "agent1", "password": password})


def api_login(password: str, *, address: str = "203.0.113.7", language: str = "zh-hans"):
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language).post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "agent1", "password": password}),
        content_type="application/json",
    )


def test_twenty_wrong_passwords_lock_the_login_page(agent1):
    for _ in range(LIMIT - 1):
        r = page_login("wrong")
        assert r.status_code == 200 and "Retry-After" not in r
    r = page_login("wrong")
    assert r.status_code == 429
    assert r["Retry-After"] == str(COOLOFF)
    html = r.content.decode()
    assert "登录失败次数过多" in html and "30 分钟" in html
    assert 'role="alert"' in html and "<h1>登录</h1>" in html

    browser = Client(REMOTE_ADDR="203.0.113.7")
    r = page_login(PASSWORD, client=browser)  # the right password is refused while locked
    assert r.status_code == 429 and r["Retry-After"] == str(COOLOFF)
    assert browser.get("/work/").status_code == 302  # not logged in


def test_twenty_wrong_passwords_lock_the_token_login(agent1):
    answers = [api_login("wrong") for _ in range(LIMIT)]
    assert [r.status_code for r in answers[:-1]] == [401] * (LIMIT - 1)
    locked = answers[-1]
    assert locked.status_code == 429 and locked["Retry-After"] == str(COOLOFF)
    assert "登录失败次数过多" in locked.json()["detail"]

    r = api_login(PASSWORD, language="en")
    assert r.status_code == 429 and r["Retry-After"] == str(COOLOFF)
    assert r.json()["detail"].startswith("Too many failed logins")
    assert "30 minutes" in r.json()["detail"]
    assert not ApiToken.objects.exists()


def test_both_logins_count_together_and_the_lock_covers_both(agent1):
    for _ in range(LIMIT // 2):
        assert page_login("wrong").status_code == 200
    for _ in range(LIMIT // 2 - 1):
        assert api_login("wrong").status_code == 401
    assert api_login("wrong").status_code == 429
    assert page_login(PASSWORD).status_code == 429


def test_the_lock_is_per_address_so_an_attacker_cannot_lock_the_person_out(agent1):
    for _ in range(LIMIT):
        api_login("wrong", address="198.51.100.66")
    assert api_login(PASSWORD, address="198.51.100.66").status_code == 429
    assert api_login(PASSWORD, address="203.0.113.7").status_code == 200


def test_the_lock_lifts_after_the_cool_off_and_trying_meanwhile_restarts_it(agent1, _clock):
    for _ in range(LIMIT):
        api_login("wrong")
    _clock.move_to(T0 + timedelta(minutes=20))
    assert api_login(PASSWORD).status_code == 429  # tried while locked: the wait restarts
    _clock.move_to(T0 + timedelta(minutes=20 + 29))
    assert api_login(PASSWORD).status_code == 429
    _clock.move_to(T0 + timedelta(minutes=20 + 29 + 31))
    assert api_login(PASSWORD).status_code == 200


def test_a_successful_login_forgets_earlier_typos(agent1):
    for _ in range(LIMIT - 1):
        api_login("wrong")
    assert api_login(PASSWORD).status_code == 200
    for _ in range(LIMIT - 1):
        assert api_login("wrong").status_code == 401


def test_limits_come_from_the_settings(agent1, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=5)
    assert [api_login("wrong").status_code for _ in range(3)] == [401, 401, 429]
    r = api_login(PASSWORD)
    assert r.status_code == 429 and r["Retry-After"] == "300"


def test_the_unlock_command_lifts_the_lock(agent1, capsys):
    for _ in range(LIMIT):
        page_login("wrong")
    assert page_login(PASSWORD).status_code == 429
    call_command("unlock-login", "agent1")
    assert "unlocked 'agent1'" in capsys.readouterr().out
    r = page_login(PASSWORD)
    assert r.status_code == 302


def test_an_administrator_unlocks_from_the_user_admin(agent1):
    admin1 = user_create(username="admin1", password=PASSWORD, role=Role.ADMIN)
    for _ in range(LIMIT):
        api_login("wrong")
    assert api_login(PASSWORD).status_code == 429
    staff = Client()
    staff.force_login(admin1)
    r = staff.post(
        "/admin/auth/user/",
        {"action": "unlock_login", "_selected_action": [agent1.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert "已解锁" in r.content.decode()
    assert api_login(PASSWORD).status_code == 200
    # The failed attempts are listed for the administrator too (django-axes' admin).
    assert staff.get("/admin/axes/accessattempt/").status_code == 200


def test_a_spoofed_forwarded_for_header_does_not_change_the_address(agent1):
    for n in range(LIMIT):
        Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").post(
            "/api/v1/auth/token",
            data=json.dumps({"username": "agent1", "password": "wrong"}),
            content_type="application/json",
        )
    assert api_login(PASSWORD).status_code == 429
