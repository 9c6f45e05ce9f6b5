"""The search page and box, the hotline's caller look-up, and the product's refusal pages."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error


def test_the_search_box_is_in_the_staff_navigation_only(client, agent1, customer1):
    client.force_login(agent1)
    assert 'data-testid="nav-search"' in client.get(reverse("web:my_work")).content.decode()
    client.force_login(customer1)
    assert 'data-testid="nav-search"' not in client.get(reverse("web:my_cases")).content.decode()


def test_search_page_lists_typed_results(client, agent1, zhang_claim):
    client.force_login(agent1)
    r = client.get(reverse("search:results"), {"q": "8000"})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'href="/claims/{zhang_claim.number}/"' in html
    assert "PAUTO0001" in html and "理赔" in html and "保单" in html
    assert "共 2 条结果" in html


def test_search_page_explains_a_bad_query(client, agent1):
    client.force_login(agent1)
    r = client.get(reverse("search:results"), {"q": "12"})
    assert r.status_code == 400
    assert "请输入电话或证件号码的后 4 位" in r.content.decode()


def test_a_customer_may_not_search(client, customer1):
    client.force_login(customer1)
    r = client.get(reverse("search:results"), {"q": "张伟"})
    assert r.status_code == 403
    assert "搜索仅供工作人员使用。" in r.content.decode()


def test_hotline_finds_the_caller_and_prefills_the_report(client, agent1, zhang_claim, li_claim):
    client.force_login(agent1)
    url = reverse("web:claim_hotline")
    html = client.get(url, {"caller": "138 0013 8000"}).content.decode()
    assert 'data-testid="caller-policies"' in html and "PAUTO0001" in html
    assert f'<a href="/claims/{zhang_claim.number}/">{zhang_claim.number}</a>' in html
    assert "PMED0002" not in html

    # A colleague's open claim is named with its owner, not linked.
    html = client.get(url, {"caller": "13900139000"}).content.decode()
    assert li_claim.number in html and "由 agent2 负责" in html
    assert f'href="/claims/{li_claim.number}/"' not in html

    html = client.get(url, {"caller": "13800138000", "policy": "PAUTO0001"}).content.decode()
    assert 'name="policy_no" value="PAUTO0001"' in html
    assert 'name="insured_name" value="张伟"' in html
    assert 'name="contact_phone" value="13800138000"' in html
    assert '<option value="auto" selected>' in html


def test_hotline_says_when_nobody_has_the_phone_or_it_is_no_phone(client, agent1, zhang_claim):
    client.force_login(agent1)
    url = reverse("web:claim_hotline")
    r = client.get(url, {"caller": "13700137000"})
    assert r.status_code == 200 and 'data-testid="caller-unknown"' in r.content.decode()
    r = client.get(url, {"caller": "abc"})
    assert r.status_code == 400
    assert "请输入来电人的完整电话号码" in r.content.decode()


@pytest.mark.parametrize("page", ["web:claim_detail", "web:case_detail"])
def test_a_colleagues_case_says_who_owns_it(client, agent1, li_claim, page):
    client.force_login(agent1)
    r = client.get(reverse(page, args=[li_claim.number]))
    assert r.status_code == 403
    html = r.content.decode()
    assert "您无权打开此案件" in html
    assert f"{li_claim.number} 由 agent2 负责" in html
    assert "李娜" not in html and "13900139000" not in html  # nothing of the customer


def test_a_customer_learns_nothing_of_someone_elses_claim(client, customer1, li_claim):
    client.force_login(customer1)
    r = client.get(reverse("web:claim_detail", args=[li_claim.number]))
    assert r.status_code == 404
    html = r.content.decode()
    assert "页面不存在" in html and "agent2" not in html


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "页面不存在"), ("en", "Page not found")]
)
def test_404_is_the_products_own_page_in_the_active_language(db, language, text):
    r = Client(headers={"accept-language": language}).get("/no-such-page/")
    assert r.status_code == 404
    html = r.content.decode()
    assert text in html and 'data-testid="error-404"' in html
    assert f'<html lang="{language}">' in html


def test_500_needs_no_database(rf: RequestFactory):
    """No ``db`` fixture: any query would fail the test."""
    request = rf.get("/")
    with translation.override("zh-hans"):
        r = server_error(request)
    assert r.status_code == 500
    assert "系统出错了" in r.content.decode()
