"""The admin pages of the service desk load and templates can be edited there."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from claimdesk.service.models import ReplyTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", ["replytemplate", "ticket", "rootcausereport", "correctiveaction"]
)
def test_admin_lists_load(admin_client, model, open_ticket):
    open_ticket("inquiry")
    assert admin_client.get(f"/admin/service/{model}/").status_code == 200


def test_an_admin_edits_a_template(admin_client):
    template = ReplyTemplate.objects.get(scenario="progress")
    page = admin_client.get(f"/admin/service/replytemplate/{template.pk}/change/")
    assert page.status_code == 200
    r = admin_client.post(
        f"/admin/service/replytemplate/{template.pk}/change/",
        {
            "scenario": "progress",
            "title": template.title,
            "body_zh": "{customer}您好，案件{claim_no}处于“{status}”阶段。",
            "body_en": template.body_en,
            "active": "on",
        },
    )
    assert r.status_code == 302
    template.refresh_from_db()
    assert template.body_zh.endswith("阶段。")


def test_a_ticket_change_page_loads(admin_client, open_ticket):
    ticket = open_ticket("inquiry")
    assert admin_client.get(f"/admin/service/ticket/{ticket.pk}/change/").status_code == 200
