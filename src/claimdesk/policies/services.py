"""The one writer of a policy's terms: an endorsement (批改) that takes effect on a date.

Every version is kept (``Endorsement``); the policy row, its beneficiaries and the holder's
designated account are brought in line with the latest version, for readers that need no
date. Readers that need a date call ``selectors.policy_as_of``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from claimdesk.policies.models import BankAccount, Beneficiary, Endorsement, Policy
from claimdesk.policies.rules import (
    CHANGEABLE,
    PolicyAsOf,
    endorsement_refusal,
    shares_refusal,
    terms_as_json,
    terms_changed,
)
from claimdesk.policies.selectors import issued_terms, policy_history, policy_history_forget
from claimdesk.types import Actor


class EndorsementRefused(ValueError):
    """The change cannot be made as asked; the message says why."""


def _store_issued(policy: Policy, now: datetime) -> None:
    """Keep version 1 (the policy as issued) before the first change."""
    if Endorsement.objects.filter(policy=policy).exists():
        return
    first = issued_terms(policy)
    Endorsement.objects.create(
        policy=policy,
        version=1,
        number=first.endorsement,
        effective_on=first.effective_on,
        kind="issue",
        changes={},
        terms=terms_as_json(first),
        issued_at=now,
    )


def _mirror(policy: Policy, terms: PolicyAsOf) -> None:
    """The policy row and its beneficiaries as the latest version has them."""
    policy.end = terms.end
    policy.status = terms.status
    policy.sum_insured = terms.sum_insured
    policy.premium = terms.premium
    policy.contact_phone = terms.contact_phone
    policy.contact_address = terms.contact_address
    policy.loan_balance = terms.loan_balance
    policy.save(
        update_fields=[
            "loan_balance",
            "end",
            "status",
            "sum_insured",
            "premium",
            "contact_phone",
            "contact_address",
        ]
    )
    policy.beneficiaries.all().delete()
    Beneficiary.objects.bulk_create(
        Beneficiary(
            policy=policy,
            name=b.name,
            id_number=b.id_number,
            relation_to_insured=b.relation or "-",
            share_percent=b.share,
        )
        for b in terms.beneficiaries
    )
    if terms.bank is not None:
        account, _created = BankAccount.objects.get_or_create(
            owner_id=policy.holder_id,
            account_number=terms.bank.account_number,
            defaults={"bank_name": terms.bank.bank_name, "account_name": terms.bank.account_name},
        )
        if not account.is_default:
            BankAccount.objects.filter(owner_id=policy.holder_id, is_default=True).update(
                is_default=False
            )
            account.is_default = True
            account.save(update_fields=["is_default"])


@transaction.atomic
def endorsement_issue(
    *,
    policy: Policy,
    effective_on: date,
    kind: str,
    changes: Mapping[str, Any],
    actor: Actor | None,
    now: datetime,
    case: Any = None,
) -> Endorsement:
    """Issue the next version of ``policy``: the latest terms with ``changes`` applied (keys
    of ``rules.CHANGEABLE``, values as ``PolicyAsOf`` holds them), effective ``effective_on``.
    Refused (``EndorsementRefused``) before the latest version's date, outside the term,
    with beneficiaries' shares that do not add up to 100 %, or when nothing changes."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise EndorsementRefused(
            _("A policy change cannot touch %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    policy_history_forget(policy)
    _store_issued(policy, now)
    latest = policy_history(policy)[-1]
    if why := endorsement_refusal(
        effective_on=effective_on,
        latest_effective_on=latest.effective_on,
        start=latest.start,
        end=latest.end,
    ):
        raise EndorsementRefused(why)
    if "beneficiaries" in changes and (
        why := shares_refusal([b.share for b in changes["beneficiaries"]])
    ):
        raise EndorsementRefused(why)
    number = f"{policy.number}-{latest.version + 1:03d}"
    after = dataclasses.replace(
        latest, version=latest.version + 1, endorsement=number, effective_on=effective_on, **changes
    )
    diff = terms_changed(latest, after)
    if not diff:
        raise EndorsementRefused(_("The request changes nothing on the policy."))
    row = Endorsement.objects.create(
        policy=policy,
        version=after.version,
        number=number,
        effective_on=effective_on,
        kind=kind,
        changes=diff,
        terms=terms_as_json(after),
        case=case,
        issued_at=now,
        issued_by=actor,
    )
    _mirror(policy, after)
    policy_history_forget(policy)
    return row
