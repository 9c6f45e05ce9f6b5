"""The gate of licensed work: an act that needs certificates (``staff.licences``) stops
with a clear error when the person lacks one on the day, and when one has expired their
manager is told, so the renewal is not left to chance. Kind-agnostic: callers say which
certificates the act needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from claimdesk.cases.models import Case
from claimdesk.cases.services import GuardFailed, escalation_recipient
from claimdesk.notify.services import notification_queue
from claimdesk.staff.licences import Need, need_label
from claimdesk.staff.services import Lapse, licence_lapses
from claimdesk.types import Actor
from claimdesk.workdays.clocks import to_local


class LicenceLapsed(GuardFailed):
    """The person lacks a certificate the act needs; ``details["certificates"]`` names the
    codes, ``details["manager_told"]`` whom an expiry was reported to."""


def _person(user: Actor) -> str:
    return user.get_full_name() or user.username


def lapse_text(user: Actor, lapse: Lapse) -> str:
    if lapse.expired_on is not None:
        return _("%(user)s's %(certificate)s certificate expired on %(day)s.") % {
            "user": _person(user),
            "certificate": need_label(lapse.need),
            "day": lapse.expired_on.isoformat(),
        }
    return _("%(user)s holds no valid %(certificate)s certificate.") % {
        "user": _person(user),
        "certificate": need_label(lapse.need),
    }


def licence_gate(
    *, user: Actor, needs: Sequence[Need], act: str, now: datetime, case: Case | None = None
) -> None:
    """Let ``user`` do ``act`` only with every certificate it needs valid today; else raise
    ``LicenceLapsed``. An expired certificate is also reported to the person's manager
    (a notification written before the refusal, so it stays)."""
    lapses = licence_lapses(user, needs, to_local(now).date())
    if not lapses:
        return
    reasons = " ".join(lapse_text(user, lapse) for lapse in lapses)
    told = None
    if any(lapse.expired_on is not None for lapse in lapses):
        manager = escalation_recipient(user)
        if manager.pk != user.pk:
            with transaction.atomic():
                notification_queue(
                    recipient=manager,
                    case=case,
                    kind="licence_expired",
                    now=now,
                    subject=_("Expired certificate stopped work: %(user)s")
                    % {"user": _person(user)},
                    body=_(
                        "%(reasons)s Stopped: %(act)s. Please arrange the renewal or hand "
                        "the work to a certified colleague."
                    )
                    % {"reasons": reasons, "act": act},
                )
            told = manager.username
    message = _("%(reasons)s %(act)s needs it; the work stops until it is valid.") % {
        "reasons": reasons,
        "act": act,
    }
    if told:
        message += " " + _("Their manager has been told.")
    raise LicenceLapsed(
        message,
        certificates=[lapse.need.code for lapse in lapses],
        manager_told=told,
    )
