"""/compliance/ is the landing page the README sends the manager to: held messages, QA samples
to score and overrides with their counts and links, each part only for those who may act."""

import random

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from claimdesk.compliance.services import qa_sample, transcript_upload
from claimdesk.notify.services import notification_queue
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.conftest import PASSWORD, at

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def waiting(customer1, agent1, manager1, now):
    """One held message (a forbidden promise) and one QA sample to score."""
    notification_queue(recipient=customer1, subject="进度", body="保证今天到账", now=now, kind="x")
    transcript_upload(
        agent=agent1, text="您好，请提供材料", uploaded_by=manager1, now=at("2026-09-29 10:00")
    )
    assert qa_sample(
        week_start=at("2026-09-28 00:00").date(), now=at("2026-10-05 09:00"), rng=random.Random(1)
    )


def test_the_manager_sees_counts_and_links_to_each_part(waiting, manager1):
    page = _client("manager1").get("/compliance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="tile-held"' in html and 'href="/compliance/held/"' in html
    assert 'href="/compliance/qa/"' in html
    assert "保证今天到账" not in html  # the subject is listed, the body stays on its page
    # One held message, one sample to score, no override yet.
    held = html.split('data-testid="tile-held"')[1].split("</a>")[0]
    assert "<strong>1</strong>" in held
    qa = html.split('data-testid="tile-qa"')[1].split("</a>")[0]
    assert "<strong>1</strong>" in qa
    overrides = html.split('data-testid="tile-overrides"')[1].split("</a>")[0]
    assert "<strong>0</strong>" in overrides


def test_agents_and_customers_may_not_open_it_and_anonymous_users_log_in(
    waiting, agent1, customer1
):
    assert _client("agent1").get("/compliance/").status_code == 403
    assert _client("customer1").get("/compliance/").status_code == 403
    anonymous = Client().get("/compliance/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_a_scoring_permission_given_outside_a_role_opens_nothing(waiting):
    """Segregation of duties: work permissions come from roles only (docs/access-matrix.md);
    one added to a user by hand in the admin gives no sight of compliance work."""
    scorer = user_create(username="qa_only", password=PASSWORD, role=Role.AGENT)
    scorer.user_permissions.add(Permission.objects.get(codename="score_quality"))
    assert _client("qa_only").get("/compliance/").status_code == 403
