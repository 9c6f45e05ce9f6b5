"""The pages through Django's test client: language, login, my work, case detail, actions."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from claimdesk.cases import services
from claimdesk.web.views import countdown_text
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def work_rows(html: str) -> list[tuple[str, str]]:
    """(case number, due) of each "my work" row, in page order."""
    return re.findall(
        r'data-testid="work-row" data-case="([A-Z0-9]+)" data-kind="[\w]*" data-due="([^"]*)"', html
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- language and login -------------------------------------------------------------------


def test_login_page_is_in_chinese_by_default(client):
    html = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html
    assert "用户名" in html and "密码" in html


def test_the_language_switch_turns_the_site_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html and "Username" in html
    assert "登录" not in html


def test_staff_log_in_through_the_form_and_land_on_my_work(client, agent1):
    response = client.post("/login/", {"username": "agent1", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:my_work")
    assert "我的工作" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, agent1):
    response = client.post("/login/", {"username": "agent1", "password": "nope"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_pages_need_a_login(client):
    response = client.get("/work/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- my work ------------------------------------------------------------------------------


def test_my_work_lists_only_my_items_nearest_due_first(
    client, agent1, agent2, surveyor1, customer1, now
):
    def open_claim(title, actor, hours_ago):
        return services.case_open(
            kind="claim",
            title=title,
            actor=actor,
            customer=customer1,
            now=now - timedelta(hours=hours_ago),
        )

    # Contact is due at the end of the next working day: the older the report, the sooner.
    overdue = open_claim("车险 逾期未联系", agent1, 24 * 8)
    older = open_claim("医疗险 较早报案", agent1, 20)
    fresh = open_claim("重疾险 刚刚报案", agent1, 0.1)
    not_mine = open_claim("别人的案件", agent2, 24 * 9)
    # A task on someone else's case is my work too: survey, 48 hours.
    task = services.task_assign(
        case=not_mine,
        kind="survey",
        title="现场查勘",
        assignee=agent1,
        actor=agent2,
        now=now - timedelta(hours=40),
        rule_code="survey_onsite",
    )
    services.task_assign(
        case=overdue,
        kind="survey",
        title="给查勘员的任务",
        assignee=surveyor1,
        actor=agent1,
        now=now,
        rule_code="survey_onsite",
    )

    client.force_login(agent1)
    response = client.get("/work/")
    html = response.content.decode()
    rows = work_rows(html)
    dues = [due for _, due in rows]
    assert dues == sorted(dues, key=lambda d: d)  # ISO 8601, one offset: sorts as text
    numbers = [n for n, _ in rows]
    assert numbers[0] == overdue.number
    assert set(numbers) == {overdue.number, older.number, fresh.number, not_mine.number}
    assert numbers.count(not_mine.number) == 1  # only through my task
    assert numbers.index(older.number) <= numbers.index(fresh.number)
    assert "现场查勘" in html and "给查勘员的任务" not in html
    first = response.context["rows"][0]
    assert first["urgency"] == "overdue" and first["countdown"].startswith("已超时 ")
    assert task.due_at is not None


def test_the_refresh_partial_renders_the_same_rows(client, agent1, claim):
    client.force_login(agent1)
    page = work_rows(client.get("/work/").content.decode())
    partial = client.get("/work/rows/")
    assert partial.status_code == 200
    assert work_rows(partial.content.decode()) == page == [(claim.number, page[0][1])]


def test_an_empty_work_queue_says_so(client, agent1):
    client.force_login(agent1)
    assert "暂无待办" in client.get("/work/").content.decode()


def test_a_customer_is_sent_from_my_work_to_their_cases(client, customer1, claim):
    client.force_login(customer1)
    response = client.get("/work/")
    assert response.status_code == 302 and response["Location"] == reverse("web:my_cases")
    assert client.get("/work/rows/").status_code == 404
    assert claim.number in client.get("/cases/").content.decode()


# --- who sees which case ------------------------------------------------------------------


def test_a_customer_cannot_see_another_customers_case(client, customer2, claim):
    client.force_login(customer2)
    assert client.get(f"/cases/{claim.number}/").status_code == 404
    assert claim.number not in client.get("/cases/").content.decode()
    response = client.post(f"/cases/{claim.number}/act/", {"action": "withdraw", "reason": "x"})
    assert response.status_code == 404


def test_the_customer_sees_their_case_without_staff_actions(client, customer1, claim):
    client.force_login(customer1)
    html = client.get(f"/cases/{claim.number}/").content.decode()
    assert claim.title in html
    assert 'data-testid="actions"' not in html
    assert 'data-rule="contact"' in html  # the commitments made to them are visible


def test_an_unknown_case_is_404(client, agent1):
    client.force_login(agent1)
    assert client.get("/cases/CL20990101000001/").status_code == 404


# --- case detail and actions --------------------------------------------------------------


def test_case_detail_shows_clocks_and_timeline(client, agent1, claim):
    client.force_login(agent1)
    response = client.get(f"/cases/{claim.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-rule="contact" data-state="running"' in html
    assert 'data-rule="decision_statutory" data-state="running"' in html
    assert "<td>联系客户</td>" in html  # the clock by its name, in the page's language
    timeline = html[html.index('data-testid="timeline"') :]
    assert timeline.count('data-kind="deadline_started"') == 2
    assert 'data-kind="opened"' in timeline
    # Actions offered are the ones the table allows agent1 here, with their required fields.
    assert 'data-action="contact"' in html
    assert 'data-action="withdraw"' in html and 'name="reason"' in html
    assert 'data-action="approve"' not in html


def test_posting_an_action_moves_the_case(client, agent1, claim):
    client.force_login(agent1)
    response = client.post(f"/cases/{claim.number}/act/", {"action": "contact"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/cases/{claim.number}/"
    assert response.context["case"].status == "reviewing"
    assert any("资料审核" in m for m in messages_of(response))
    assert 'data-rule="contact" data-state="met"' in response.content.decode()


def test_an_action_with_its_required_field_goes_through(client, agent1, claim):
    client.force_login(agent1)
    client.post(f"/cases/{claim.number}/act/", {"action": "contact"})
    response = client.post(
        f"/cases/{claim.number}/act/",
        {"action": "request_materials", "items": "维修发票"},
        follow=True,
    )
    assert response.context["case"].status == "awaiting_materials"
    html = response.content.decode()
    assert 'data-rule="decision_statutory" data-state="paused"' in html
    assert "维修发票" in html  # the request is on the timeline


def test_an_illegal_action_shows_the_reason_not_a_500(client, agent1, claim):
    client.force_login(agent1)
    response = client.post(f"/cases/{claim.number}/act/", {"action": "approve"}, follow=True)
    assert response.status_code == 200
    assert response.context["case"].status == "reported"
    [message] = messages_of(response)
    assert "核准" in message and "已报案" in message
    assert 'role="alert"' in response.content.decode()


def test_a_failed_guard_shows_what_is_missing(client, agent1, claim):
    client.force_login(agent1)
    response = client.post(f"/cases/{claim.number}/act/", {"action": "withdraw"}, follow=True)
    assert response.context["case"].status == "reported"
    assert any("reason" in m for m in messages_of(response))


def test_an_action_without_permission_is_refused_with_a_message(client, finance1, claim):
    services.task_assign(
        case=claim,
        kind="payment",
        title="付款",
        assignee=finance1,
        actor=claim.owner,
        now=claim.opened_at,
    )
    client.force_login(finance1)
    response = client.post(f"/cases/{claim.number}/act/", {"action": "contact"}, follow=True)
    assert response.status_code == 200
    assert response.context["case"].status == "reported"
    assert messages_of(response)


def test_actions_need_post(client, agent1, claim):
    client.force_login(agent1)
    assert client.get(f"/cases/{claim.number}/act/").status_code == 405


def test_notifications_list_mine(client, agent1, customer1, claim):
    services.case_transition(case=claim, action="contact", actor=agent1, now=claim.opened_at)
    client.force_login(customer1)
    html = client.get("/notifications/").content.decode()
    assert claim.number in html


# --- countdown text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00:00"),
        (59, "00:00:59"),
        (3600 * 5 + 61, "05:01:01"),
        (86400 * 2 + 3600 * 3 + 4 * 60 + 5, "2天 03:04:05"),
        (-720, "已超时 00:12:00"),
        (-(86400 + 1), "已超时 1天 00:00:01"),
    ],
)
def test_countdown_text(seconds, text):
    from django.utils import translation

    with translation.override("zh-hans"):  # an earlier request may have left English active
        assert countdown_text(seconds) == text


def test_countdown_text_in_english():
    from django.utils import translation

    with translation.override("en"):
        assert countdown_text(-(86400 * 3 + 60)) == "overdue 3d 00:01:00"
