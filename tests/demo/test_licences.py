"""A demo database made before licences gated surveys and approvals (or left until its
licences expired) gets them on the next ``make run``: the README's journeys keep working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from claimdesk.demo.people import demo_licences_ensure
from claimdesk.staff.models import Certification
from claimdesk.staff.roles import Role
from claimdesk.staff.services import user_create


@pytest.mark.django_db
def test_missing_or_expired_demo_licences_are_granted_once():
    adjuster = user_create(username="adjuster1", password="x-demo-pass-1", role=Role.ADJUSTER)
    surveyor = user_create(username="surveyor1", password="x-demo-pass-1", role=Role.SURVEYOR)

    assert demo_licences_ensure() == 3  # surveyor1: 查勘定损 and NEV; adjuster1: grade 1
    assert set(surveyor.certifications.values_list("code", flat=True)) == {"surveyor", "nev"}
    held = adjuster.certifications.get(code="adjuster")
    assert held.grade == 1 and held.expires_on > timezone.localdate()
    assert demo_licences_ensure() == 0  # nothing to do the second time

    yesterday = timezone.localdate() - timedelta(days=1)
    Certification.objects.filter(user=surveyor, code="nev").update(expires_on=yesterday)
    assert demo_licences_ensure() == 1
    assert surveyor.certifications.filter(code="nev", expires_on__gt=yesterday).exists()
