"""The Django admin never shows a bank account's full number; it can replace it."""

from __future__ import annotations

from django.test import Client

from claimdesk.policies.models import BankAccount
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create
from tests.conftest import PASSWORD

NUMBER = "6222020200112233445"


def _admin() -> Client:
    admin = user_create(username="admin1", password=PASSWORD, role=Role.ADMIN)
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(admin)
    return web


def test_the_form_shows_the_last_four_digits_and_replaces_the_number(customer1):
    account = BankAccount.objects.create(
        owner=customer1, bank_name="中国工商银行", account_name="张三", account_number=NUMBER
    )
    web = _admin()
    url = f"/admin/policies/bankaccount/{account.pk}/change/"
    page = web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert NUMBER not in html and "*" * 15 + "3445" in html
    assert NUMBER not in web.get("/admin/policies/bankaccount/").content.decode()

    base = {"owner": customer1.pk, "bank_name": "中国工商银行", "account_name": "张三"}
    # Saved without a new number: the number stays.
    assert web.post(url, base | {"new_account_number": ""}).status_code == 302
    account.refresh_from_db()
    assert account.account_number == NUMBER
    # A new number replaces it; letters are refused with a form error.
    r = web.post(url, base | {"new_account_number": "62220A"})
    assert r.status_code == 200 and "digits only" in r.content.decode()
    assert web.post(url, base | {"new_account_number": "6217 0000 1111 2222"}).status_code == 302
    account.refresh_from_db()
    assert account.account_number == "6217000011112222"


def test_a_new_account_needs_its_number(customer1):
    web = _admin()
    base = {"owner": customer1.pk, "bank_name": "中国银行", "account_name": "张三"}
    r = web.post("/admin/policies/bankaccount/add/", base)
    assert r.status_code == 200 and not BankAccount.objects.exists()
    r = web.post("/admin/policies/bankaccount/add/", base | {"new_account_number": NUMBER})
    assert r.status_code == 302
    assert BankAccount.objects.get().account_number == NUMBER
