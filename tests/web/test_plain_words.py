"""Plain words only: every page of every role, in Chinese and in English, over the demo's
quarter of cases built through the real services, shows no raw code (``item_received``,
``(approve)``), no English label on a Chinese page and no Chinese label on an English page.

Pages are found by walking the URL configuration (a new page is checked without touching
this test); pages of one object are opened for a case of each kind and each state, the
user's own cases first. Names, addresses and other data people typed may be in either
language (``plain_words.DataWords``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import NoReverseMatch, reverse

from claimdesk.analytics.metrics import METRICS
from claimdesk.cases.models import Case, Task
from claimdesk.compliance.models import QaReview
from claimdesk.demo.build import demo_create
from claimdesk.feedback.models import Survey as FeedbackSurvey
from claimdesk.investigation.models import Survey as FieldSurvey
from tests.web.plain_words import DataWords, Finding, Route, findings, routes

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
USERS = (
    None,  # nobody logged in: the login page, the survey a customer opens from a message
    "customer1",
    "agent1",
    "surveyor1",
    "adjuster1",
    "finance1",
    "underwriter1",
    "manager1",
    "admin",
)
LANGUAGES = ("zh-hans", "en")
# What only staff may read: the payment forecast's diagnostics, the assistant's confidence.
STAFF_ONLY = {
    "zh-hans": ("历史数据不足", "置信度", "相似理赔（同一产品"),
    "en": ("Not enough history", "confidence"),
}
NOT_HTML = (".csv", ".xlsx", "/pdf")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's quarter of history, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_create(now=NOW, seed=7)
        yield DataWords()
        transaction.set_rollback(True)


def _case_numbers(user) -> list[str]:
    """One case of every kind in every state, and the same among the user's own cases."""
    picked: dict[tuple, str] = {}
    own = Q(customer=user) | Q(owner=user) | Q(tasks__assignee=user) if user else Q(pk=None)
    for scope, cases in (("own", Case.objects.filter(own)), ("any", Case.objects.all())):
        for kind, status, category, number in cases.order_by("number").values_list(
            "kind", "status", "category", "number"
        ):
            picked.setdefault((scope, kind, status, category if kind != "claim" else ""), number)
    return list(dict.fromkeys(picked.values()))


def _sample_arguments(route: Route, user) -> list[dict[str, str]] | None:
    """Arguments that open the page on real objects, or None when the test knows none."""
    args = set(route.arguments)
    if args == {"number"}:
        return [{"number": n} for n in _case_numbers(user)]
    if route.name == "analytics:metric":
        return [{"code": code} for code in METRICS]
    if route.name == "compliance:qa_detail":
        return [{"pk": str(pk)} for pk in QaReview.objects.values_list("pk", flat=True)[:3]]
    if route.name in ("investigation:survey_detail", "investigation:survey_report"):
        surveys = FieldSurvey.objects.order_by("pk").values_list("pk", flat=True)[:5]
        return [{"survey_id": str(pk)} for pk in surveys]
    if route.name == "feedback:callback":
        callbacks = Task.objects.filter(kind="survey_callback").values_list("pk", flat=True)[:3]
        return [{"pk": str(pk)} for pk in callbacks]
    if route.name == "analytics:whitepaper":
        return [{"quarter": "2026Q3"}]
    if route.name == "feedback:survey":
        return [{"token": t} for t in FeedbackSurvey.objects.values_list("token", flat=True)[:2]]
    return None


def _dummy(route: Route) -> str | None:
    try:
        return reverse(route.name, kwargs={a: "0" for a in route.arguments})
    except NoReverseMatch:
        return None


def _client(username: str | None, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def _pages(route: Route, user, client: Client) -> list[str] | str:
    """The URLs to read for a route, or why the test cannot tell."""
    if not route.arguments:
        return [reverse(route.name)]
    dummy = _dummy(route)
    if dummy is None or dummy.endswith(NOT_HTML):
        return []  # a file (CSV, PDF)
    answer = client.get(dummy)
    if answer.status_code == 405 or (user is None and answer.status_code == 302):
        return []  # an action (POST only), or a page for those logged in
    samples = _sample_arguments(route, user)
    if samples is not None:
        return [reverse(route.name, kwargs=s) for s in samples]
    return f"{route.name} ({route.pattern}) has no sample arguments: add them to this test"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", USERS)
def test_every_page_speaks_one_language_in_plain_words(demo, username, language):
    user = get_user_model().objects.get(username=username) if username else None
    client = _client(username, language)
    problems: list[Finding | str] = []
    read = 0
    for route in routes():
        pages = _pages(route, user, client)
        if isinstance(pages, str):
            problems.append(pages)
            continue
        for url in pages:
            if url.endswith(NOT_HTML):
                continue
            r = client.get(url)
            if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
                continue
            read += 1
            html = r.content.decode()
            problems.extend(findings(url, language, html, demo))
            if username == "customer1":
                problems.extend(
                    f"{url} [{language}] staff-only text for the customer: {phrase!r}"
                    for phrase in STAFF_ONLY[language]
                    if phrase in html
                )
    assert read >= 3, f"{username} could open only {read} pages"
    unique = list(dict.fromkeys(str(p) for p in problems))
    assert not unique, f"{len(unique)} problems:\n" + "\n".join(unique[:80])
