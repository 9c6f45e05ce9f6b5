"""Shared fixtures: named personas in every role, a fixed clock, eager background tasks."""

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from claimdesk.staff.roles import Role
from claimdesk.staff.services import certification_grant, user_create

# Property tests check what holds, not how fast: on a loaded 2-core machine an example may take
# longer than Hypothesis's default 200 ms, which would fail a correct test.
hypothesis_settings.register_profile("claimdesk", deadline=None)
hypothesis_settings.load_profile("claimdesk")

SH = ZoneInfo("Asia/Shanghai")
PASSWORD = "demo12345"


def at(text: str) -> datetime:
    """An aware Asia/Shanghai datetime from ``2026-09-30 10:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(autouse=True)
def _own_ledger_checkpoints(settings, tmp_path):
    """Each test's database gets its own checkpoint file (one left by another database's
    checkpoints would name chains this one never had)."""
    settings.CLAIMDESK_LEDGER_CHECKPOINT_FILE = tmp_path / "ledger-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Persona passwords need no key stretching in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _login_with_a_request(monkeypatch):
    """``Client.login`` authenticates without a request, which the lockout backend refuses
    (it counts failures by address): give it an empty one, as django-axes advises. The
    lockout itself stays on; tests/web/test_login_lockout.py drives the real login pages."""
    from django.http import HttpRequest
    from django.test.client import ClientMixin

    original = ClientMixin.login

    def login(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return original(self, **credentials)

    monkeypatch.setattr(ClientMixin, "login", login)


@pytest.fixture
def django_db_serialized_rollback():
    """Transactional tests flush every table; restore the migration-seeded rows (SLA rules,
    roles) afterwards so later tests in the same worker still find them."""
    return True


@pytest.fixture(autouse=True)
def _restore_language():
    """A request with ``Accept-Language: en`` leaves English active in the thread
    (LocaleMiddleware activates, nothing deactivates): put back what was active, so the next
    test on the same worker sees the default language."""
    from django.utils import translation

    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """A transactional test empties the tables without ``post_migrate`` (serialised
    rollback), so a reference cache could still hold its rows (a webhook endpoint that no
    longer exists): every test starts from the database."""
    from claimdesk.cache import ReferenceCache

    ReferenceCache.clear_all()


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from claimdesk.celery import app

    app.conf.task_always_eager = True
    yield


def worker_ran() -> None:
    """What the worker does after each action's commit, which a test's transaction never
    reaches: hand the committed timeline lines to their readers (analytics, letters)."""
    from claimdesk.cases.committed import dispatch_committed

    while dispatch_committed():  # what a reader writes is handed over in the next run
        pass


# The licences the fixtures' staff hold (valid through the years the tests travel to): a
# surveyor's certificate, and an adjuster grade matching each decider's approval limit.
LICENCE_YEARS = (date(2020, 1, 1), date(2035, 12, 31))
ADJUSTER_GRADES = {"adjuster1": 1, "adjuster2": 2, "manager1": 3}


def _user(username: str, role: Role, **extra):
    user = user_create(
        username=username, password=PASSWORD, role=role, first_name=username, **extra
    )
    issued, expires = LICENCE_YEARS
    if role == Role.SURVEYOR:
        certification_grant(
            user=user, code="surveyor", name="查勘定损资格", issued_on=issued, expires_on=expires
        )
    if username in ADJUSTER_GRADES:
        certification_grant(
            user=user,
            code="adjuster",
            name="理赔师",
            grade=ADJUSTER_GRADES[username],
            issued_on=issued,
            expires_on=expires,
        )
    return user


@pytest.fixture
def manager1(db):
    return _user("manager1", Role.MANAGER, approval_limit=Decimal("1000000"))


@pytest.fixture
def agent1(db, manager1):
    return _user("agent1", Role.AGENT, manager=manager1, team="客服一组")


@pytest.fixture
def agent2(db, manager1):
    return _user("agent2", Role.AGENT, manager=manager1, team="客服一组")


@pytest.fixture
def surveyor1(db, manager1):
    return _user("surveyor1", Role.SURVEYOR, manager=manager1)


@pytest.fixture
def adjuster1(db, manager1):
    return _user("adjuster1", Role.ADJUSTER, manager=manager1, approval_limit=Decimal("50000"))


@pytest.fixture
def adjuster2(db, manager1):
    return _user("adjuster2", Role.ADJUSTER, manager=manager1, approval_limit=Decimal("200000"))


@pytest.fixture
def finance1(db, manager1):
    return _user("finance1", Role.FINANCE, manager=manager1)


@pytest.fixture
def customer1(db):
    return _user("customer1", Role.CUSTOMER, email="customer1@example.com")


@pytest.fixture
def customer2(db):
    return _user("customer2", Role.CUSTOMER)


@pytest.fixture
def products(db):
    """The five demo products (auto, medical, critical illness, accident, property)."""
    from claimdesk.policies.demo import demo_products

    return demo_products()


def race(n: int, work, *, timeout: float = 120) -> list[object]:
    """Run ``work(i)`` in ``n`` threads released together; results or exceptions, in order.

    For the PostgreSQL concurrency tests: each thread closes its own connection.
    """
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads)
    return results


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip themselves on SQLite with the reason said."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
