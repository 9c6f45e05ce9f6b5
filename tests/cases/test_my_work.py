"""My work: cases I own and tasks I hold, each with the clock that drives it (a task without a
clock of its own carries its case's), the nearest due first, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from claimdesk.cases import services
from claimdesk.cases.selectors import cases_visible_to, my_work
from tests.cases.conftest import T0, open_claim, step
from tests.conftest import at

H = timedelta(hours=1)


def _ticket(agent, category, now, title="工单"):
    return services.case_open(kind="ticket", title=title, category=category, actor=agent, now=now)


def _task(case, agent, assignee, now, rule_code=None, title="任务"):
    return services.task_assign(
        case=case,
        kind="survey",
        title=title,
        assignee=assignee,
        actor=agent,
        now=now,
        rule_code=rule_code,
    )


def test_nearest_due_first_tasks_and_cases_merged_clockless_last(agent1, customer1, surveyor1):
    claim = open_claim(agent1, customer1)  # contact due 9 Oct 00:00
    inquiry = _ticket(agent1, "inquiry", T0)  # due 30 Sept 12:00
    plain_old = _ticket(agent1, "", T0 - H, title="无时限 旧")  # no clock
    plain_new = _ticket(agent1, "", T0, title="无时限 新")  # no clock
    complaint = _ticket(agent1, "complaint", T0)  # due 16 Oct 00:00
    # agent1 also holds a task (on their own case): due 48 h after T0 + 1 h
    task = _task(claim, agent1, agent1, T0 + H, rule_code="survey_onsite")
    loose = _task(inquiry, agent1, agent1, T0, title="无时限任务")
    # someone else's work is not mine
    _task(claim, agent1, surveyor1, T0, rule_code="survey_onsite")

    items = my_work(agent1)
    assert [(i.case_id, i.task_id, i.due_at, i.rule_code) for i in items] == [
        (inquiry.pk, None, at("2026-09-30 12:00"), "inquiry_reply"),
        (inquiry.pk, loose.pk, at("2026-09-30 12:00"), "inquiry_reply"),  # the case's clock
        (claim.pk, task.pk, T0 + 49 * H, "survey_onsite"),  # the task's own
        (claim.pk, None, at("2026-10-09 00:00"), "contact"),
        (complaint.pk, None, at("2026-10-16 00:00"), "complaint"),
        (plain_new.pk, None, None, ""),  # clock-less cases, newest first
        (plain_old.pk, None, None, ""),
    ]
    assert items[2].key == f"task-{task.pk}" and items[0].key == f"case-{inquiry.pk}"
    assert items[0].seconds_left(T0) == 2 * 3600
    assert items[-1].seconds_left(T0) is None


def test_the_limit_is_honoured(agent1, customer1, surveyor1):
    cases = [open_claim(agent1, customer1, now=T0 + i * H) for i in range(4)]
    for i, case in enumerate(cases):
        _task(case, agent1, agent1, T0 + i * H, rule_code="survey_onsite")
    _ticket(agent1, "", T0)
    for limit in (1, 3, 8, 9, 50):
        items = my_work(agent1, limit=limit)
        assert len(items) == min(limit, 9)
        dues = [i.due_at for i in items if i.due_at]
        assert dues == sorted(dues)
    # the task clocks (48 h: 2 Oct) fall due before the cases' contact clocks (9 Oct)
    top = my_work(agent1, limit=3)
    assert all(i.task_id is not None for i in top)


def test_closed_cases_and_finished_tasks_leave_my_work(agent1, customer1, surveyor1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    task = _task(case, agent1, surveyor1, T0, rule_code="survey_onsite")
    assert [i.task_id for i in my_work(surveyor1)] == [task.pk]
    services.task_complete(task=task, actor=surveyor1, now=T0 + H)
    assert my_work(surveyor1) == []
    step(case, "withdraw", agent1, T0 + 2 * H, reason="撤案")
    assert my_work(agent1) == []


def test_a_paused_case_sorts_with_its_running_clocks_only(agent1, customer1):
    case = step(open_claim(agent1, customer1), "contact", agent1, T0)
    case = step(case, "request_materials", agent1, T0 + H, items="发票")
    [item] = my_work(agent1)
    assert item.case_id == case.pk and item.due_at is None  # nothing runs while waiting
    assert item.clock_state == "paused" and item.rule_code == "decision_statutory"


def test_my_work_takes_a_fixed_number_of_queries(
    agent1, customer1, surveyor1, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            case = open_claim(agent1, customer1, now=T0 + i * H)
            _task(case, agent1, agent1, T0, rule_code="survey_onsite")
            _ticket(agent1, "", T0)

    add(2)
    with django_assert_max_num_queries(8) as few:
        items = [(i.number, i.case_status_label, i.what, i.rule, i.link) for i in my_work(agent1)]
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        more = [(i.number, i.case_status_label, i.what, i.rule, i.link) for i in my_work(agent1)]
    assert len(more) > len(items)


def test_the_kernel_reads_a_work_list_in_one_statement(
    agent1, customer1, django_assert_num_queries
):
    """Owned cases, held tasks and their clocks come back together; only a kind that needs
    more to say what is due adds its own statement, one for the whole list (tickets: which
    are call-backs and whose customer reads the portal in elderly-friendly mode)."""
    for i in range(3):
        _ticket(agent1, "", T0 + i * H)
    my_work(agent1)  # the clock rules' reference cache is filled once per process
    with django_assert_num_queries(2):
        rows = my_work(agent1)
    assert len(rows) == 3 and all(r.link.startswith("/service/") for r in rows)


def test_a_row_its_kind_drops_gives_way_to_the_next_so_the_list_stays_full(agent1, customer1):
    """Only the rows that make the list are described; an approval with nothing left to sign
    (no pending decision) is dropped by its kind, and the next rows take its place."""
    claims = [open_claim(agent1, customer1, now=T0 + i * H) for i in range(3)]
    for case in claims[:2]:  # due in 48 h: before every claim's contact clock
        services.task_assign(
            case=case,
            kind="approve_decision",
            title="审批",
            assignee=agent1,
            actor=agent1,
            now=T0,
            rule_code="survey_onsite",
        )
    whole = [r.key for r in my_work(agent1)]
    assert sorted(whole) == sorted(f"case-{c.pk}" for c in claims)
    for limit in (1, 2, 3, 4):
        assert [r.key for r in my_work(agent1, limit=limit)] == whole[:limit]


def test_a_surveyors_and_an_owners_claims_take_the_lists_one_statement(
    agent1, customer1, django_assert_num_queries
):
    """What a survey row needs of its survey is read in the list's statement (a describer's
    columns) and a claim's owner needs no decision: no statement of their own."""
    for i in range(3):
        case = open_claim(agent1, customer1, now=T0 + i * H)
        _task(case, agent1, agent1, T0, rule_code="survey_onsite")
    my_work(agent1)  # the clock rules' reference cache is filled once per process
    with django_assert_num_queries(1):
        rows = my_work(agent1)
    assert [r.source for r in rows] == ["task"] * 3 + ["case"] * 3
    assert all(r.link.startswith("/claims/") or r.link.startswith("/cases/") for r in rows)


def test_who_sees_which_cases(agent1, agent2, customer1, customer2, surveyor1, manager1):
    mine = open_claim(agent1, customer1)
    theirs = open_claim(agent2, customer2)
    staff_only = _ticket(agent2, "", T0)
    _task(theirs, agent2, surveyor1, T0)
    assert set(cases_visible_to(customer1)) == {mine}
    assert set(cases_visible_to(customer2)) == {theirs}
    assert set(cases_visible_to(agent1)) == {mine}
    assert set(cases_visible_to(surveyor1)) == {theirs}  # through the task
    assert set(cases_visible_to(manager1)) == {mine, theirs, staff_only}
    from django.contrib.auth.models import AnonymousUser

    assert not cases_visible_to(AnonymousUser()).exists()
