"""The admin shows the ledger and refuses to change it."""

from __future__ import annotations

from django.test import Client

from claimdesk.ledger.models import LedgerEntry
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.conftest import PASSWORD
from tests.ledger.conftest import worked_case


def test_admin_lists_entries_read_only(agent1, customer1):
    case = worked_case(agent1, customer1)
    admin = user_create(username="admin1", password=PASSWORD, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    r = client.get("/admin/ledger/ledgerentry/", {"q": case.number})
    assert r.status_code == 200
    assert case.number in r.content.decode()
    entry = LedgerEntry.objects.filter(case=case).first()
    page = client.get(f"/admin/ledger/ledgerentry/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get("/admin/ledger/ledgerentry/add/").status_code == 403
    assert client.get(f"/admin/ledger/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/ledger/ledgerhead/").status_code == 200
