from claimdesk.cases.models import SlaRule
from claimdesk.cases.sla_defaults import SLA_DEFAULTS


def test_every_spec_rule_is_seeded_with_its_unit(db):
    seeded = {r.code: (r.unit, r.amount) for r in SlaRule.objects.all()}
    spec = {code: (unit.value, amount) for code, _, unit, amount, _ in SLA_DEFAULTS}
    assert spec == {code: seeded[code] for code in spec}  # apps may add their own rules
    assert seeded["inquiry_reply"] == ("business_hours", 2)
    assert seeded["green_response"][1] * 60 == 30
