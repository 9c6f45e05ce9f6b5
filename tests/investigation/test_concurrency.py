"""Two assignments of the same claim at once, on PostgreSQL: one survey, one task."""

from __future__ import annotations

import pytest

from claimdesk.cases.models import Task
from claimdesk.cases.services import IllegalTransition
from claimdesk.investigation import services
from claimdesk.investigation.models import Survey
from tests.conftest import race
from tests.investigation.conftest import T0

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_assignments_at_once_make_one_survey(
    auto_policy, customer1, make_claim, agent1, manager1, surveyor
):
    surveyor("s1")
    surveyor("s2")
    claim = make_claim(customer1)
    actors = [agent1, manager1]
    results = race(2, lambda i: services.survey_assign(claim=claim, actor=actors[i], now=T0))
    made = [r for r in results if isinstance(r, Survey)]
    refused = [r for r in results if isinstance(r, IllegalTransition)]
    assert len(made) == 1 and len(refused) == 1, results
    assert Survey.objects.count() == 1
    assert Task.objects.filter(case=claim.case, kind="survey").count() == 1
