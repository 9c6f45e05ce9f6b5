"""The claim an action holds: read once per action and shared by its steps.

Its own module so that the claims workflow (whose effects read it) and the selectors can
both import it.
"""

from __future__ import annotations

from claimdesk.cases.services import case_lock
from claimdesk.cases.timeline import action_memo
from claimdesk.claims.models import Claim


def claim_keep(claim: Claim) -> Claim:
    """Make ``claim`` (read with its policy, holder and product, its case the locked one)
    the current action's object of the claim, unless the action has one already: the one
    ``claim_held`` gives."""
    memo = action_memo()
    if memo is None:
        return claim
    return memo.setdefault(("claim", claim.pk), claim)


def claim_held(pk: int) -> Claim:
    """The claim whose case the current action holds (locked with ``case_lock``), with its
    policy, holder and product: read once per action, so an approval's calculation, its
    transition's guards, its subscribers and its payment's hand-over share one object (and
    what one step saved on it, the next one sees). Outside an action, read and locked anew."""
    memo = action_memo()
    key = ("claim", pk)
    if memo is not None and (held := memo.get(key)) is not None:
        return held
    case = case_lock(pk)
    claim = Claim.objects.select_related("policy__holder", "policy__product").get(pk=pk)
    claim.case = case  # and ``case.claim`` is this claim: the workflow's guards read it
    if memo is not None:
        memo[key] = claim
    return claim


def decision_applying(claim_pk: int, decision_pk: int, decision: str) -> None:
    """Say that the current action is applying the approved decision ``decision_pk``
    (``decision``: approve, partial or reject), so the workflow's check on the step it
    takes need not read it back."""
    memo = action_memo()
    if memo is not None:
        memo[("applying", claim_pk)] = (decision_pk, decision)


def applying(claim_pk: int) -> tuple[int, str] | None:
    """The approved decision the current action applies to the claim, if it said so."""
    memo = action_memo()
    return memo.get(("applying", claim_pk)) if memo is not None else None
