from claimdesk.cases.models import SlaRule
from claimdesk.cases.workflow import sla_defaults


def test_every_spec_rule_is_seeded_with_its_unit(db):
    seeded = {r.code: (r.unit, r.amount) for r in SlaRule.objects.all()}
    spec = {r.code: (r.unit.value, r.amount) for r in sla_defaults()}
    assert spec == {code: seeded[code] for code in spec}  # apps may add their own rules
    assert seeded["inquiry_reply"] == ("business_hours", 2)
    assert seeded["green_response"][1] * 60 == 30
