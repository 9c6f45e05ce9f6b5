"""What the search finds, for whom, and how it shows personal data."""

import pytest

from claimdesk.cases.services import task_assign
from claimdesk.claims.models import Claim
from claimdesk.search.rules import QueryInvalid, Terms, parse_query
from claimdesk.search.selectors import search
from tests.search.conftest import NOW


def found(user, q: str) -> set[tuple[str, str]]:
    return {(h.kind, h.number) for h in search(user=user, terms=parse_query(q=q))}


@pytest.mark.parametrize(
    ("q", "terms"),
    [
        ("CL20260930000001", Terms(text="CL20260930000001", number="CL20260930000001")),
        ("paut0001", Terms(text="paut0001", number="PAUT0001")),
        ("138-0013-8000", Terms(text="138-0013-8000", phone="13800138000")),
        ("+86 138 0013 8000", Terms(text="+86 138 0013 8000", phone="13800138000")),
        ("１３８００１３８０００", Terms(text="13800138000", phone="13800138000")),
        ("8000", Terms(text="8000", last4="8000")),
        ("003x", Terms(text="003x", last4="003X")),
        ("31011519850202003x", Terms(text="31011519850202003x", id_number="31011519850202003X")),
        ("沪a52000", Terms(text="沪a52000", plate="沪A52000")),
        (" 张伟 ", Terms(text="张伟", name="张伟")),
    ],
)
def test_a_query_is_read_as_one_kind_of_term(q, terms):
    assert parse_query(q=q) == terms


@pytest.mark.parametrize("q", ["", " ", "张", "12", "123", "1234567890123456", "x" * 61, "a\x00"])
def test_a_query_that_would_find_nothing_useful_says_what_to_type(q):
    with pytest.raises(QueryInvalid) as exc:
        parse_query(q=q)
    assert exc.value.message


def test_agent_finds_own_claim_by_number_phone_id_plate_and_name(agent1, zhang_claim):
    claim = ("claim", zhang_claim.number)
    policy = ("policy", "PAUTO0001")
    assert claim in found(agent1, zhang_claim.number)
    assert {claim, policy} <= found(agent1, "13800138000")  # the customer's phone, whole
    assert {claim, policy} <= found(agent1, "138 0013 8000")
    assert {claim, policy} <= found(agent1, "8000")  # its last 4 digits
    assert {claim, policy} <= found(agent1, "0012")  # the insured's ID number, last 4
    assert {claim, policy} <= found(agent1, "沪A52000")
    assert {claim, policy} <= found(agent1, "张伟")
    assert {claim, policy} <= found(agent1, "PAUTO0001")  # a policy lists its claims
    assert found(agent1, "13800138001") == set()


def test_an_exact_number_comes_first_then_open_before_closed(agent1, zhang_claim):
    hits = search(user=agent1, terms=parse_query(q="张伟"))
    assert [h.kind for h in hits] == ["claim", "policy"]  # the newest open first
    top = search(user=agent1, terms=parse_query(q="PAUTO0001"))[0]
    assert (top.kind, top.number, top.link) == ("policy", "PAUTO0001", "/search/?q=PAUTO0001")


def test_results_are_scoped_to_what_the_role_may_see(
    agent1, surveyor1, manager1, zhang_claim, li_claim
):
    li = ("claim", li_claim.number)
    # agent2's claim: agent1 finds the policy (staff serve every policy) but not the claim.
    assert found(agent1, "13900139000") == {("policy", "PMED0002")}
    assert li in found(manager1, "13900139000")  # managers see every case
    assert li in found(manager1, "003X")
    # A surveyor finds a claim once a survey task on it is theirs.
    assert ("claim", zhang_claim.number) not in found(surveyor1, "沪A52000")
    task_assign(
        case=zhang_claim.case,
        kind="survey",
        title="查勘",
        assignee=surveyor1,
        actor=agent1,
        now=NOW,
    )
    assert ("claim", zhang_claim.number) in found(surveyor1, "沪A52000")


def test_a_customer_never_searches(customer1, zhang_claim):
    assert search(user=customer1, terms=parse_query(q=zhang_claim.number)) == []


def test_phones_are_masked_for_roles_that_do_not_call_customers(agent1, adjuster1, zhang_claim):
    task_assign(
        case=zhang_claim.case,
        kind="adjudicate",
        title="核赔",
        assignee=adjuster1,
        actor=agent1,
        now=NOW,
    )
    by_kind = {h.kind: h for h in search(user=adjuster1, terms=parse_query(q="8000"))}
    assert "138****8000" in by_kind["claim"].detail
    assert "13800138000" not in by_kind["claim"].detail + by_kind["policy"].detail
    agent = {h.kind: h for h in search(user=agent1, terms=parse_query(q="8000"))}
    assert "13800138000" in agent["claim"].detail
    # ID numbers are never shown whole in results.
    assert "310***********0012" in agent["policy"].detail
    assert "310115198001010012" not in agent["policy"].detail


def test_phone_last4_is_kept_by_the_database(zhang_claim):
    assert Claim.objects.get(pk=zhang_claim.pk).contact_phone_last4 == "8000"
    assert Claim.objects.filter(contact_phone_last4="8000").count() == 1


def test_a_customers_tickets_are_found_by_their_phone(agent1, zhang_claim, customer1):
    from claimdesk.service.services import ticket_open

    ticket = ticket_open(
        customer=customer1,
        actor=agent1,
        category="inquiry",
        subject="理赔进度",
        body="请问我的理赔到哪一步了？",
        channel="hotline",
        now=NOW,
        claim=zhang_claim,
    )
    hits = {h.kind: h for h in search(user=agent1, terms=parse_query(q="13800138000"))}
    assert hits["ticket"].number == ticket.number
    assert hits["ticket"].link == f"/service/tickets/{ticket.number}/"
    assert ("ticket", ticket.number) in found(agent1, ticket.number)
