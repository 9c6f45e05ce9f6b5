"""Clock (SLA rule) names: stored in the product's first language, shown in the reader's; an
admin's own name stays as written; the old two-language seeded names are renamed."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from claimdesk.cases.models import SlaRule

plain_clock_names = import_module("claimdesk.cases.migrations.0007_plain_clock_names")


@pytest.mark.django_db
def test_a_seeded_clock_reads_in_the_readers_language():
    rule = SlaRule.objects.get(code="contact")
    assert rule.name == "联系客户"
    with translation.override("zh-hans"):
        assert rule.label == "联系客户"
    with translation.override("en"):
        assert rule.label == "Contact the customer"


@pytest.mark.django_db
def test_an_admins_own_name_is_shown_as_written():
    SlaRule.objects.filter(code="contact").update(name="首次回电")
    with translation.override("en"):
        assert SlaRule.objects.get(code="contact").label == "首次回电"


@pytest.mark.django_db
def test_the_old_two_language_names_are_renamed_and_renamed_rules_kept():
    SlaRule.objects.filter(code="contact").update(name="联系客户 Contact the customer")
    SlaRule.objects.filter(code="payment").update(name="赔款 5 日")
    # The migration reads only the editor's connection (SQLite opens no editor in a test's
    # transaction).
    plain_clock_names.plain_clock_names(apps, SimpleNamespace(connection=connection))
    assert SlaRule.objects.get(code="contact").name == "联系客户"
    assert SlaRule.objects.get(code="payment").name == "赔款 5 日"
