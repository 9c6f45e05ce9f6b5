from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "claimdesk.ledger"
    verbose_name = _("Evidence ledger")

    def ready(self) -> None:
        from claimdesk.cases.timeline import timeline_subscribe

        # Every new timeline line is chained in the transaction that writes it: the timeline
        # has one writer, which hands each batch to its subscribers.
        timeline_subscribe(_events_written, joiner=_events_joined)


def _events_written(events: list, new_cases: bool, deferred: list) -> None:
    from claimdesk.ledger.services import PendingRecord, ledger_append_events

    pending = [item for item in deferred if isinstance(item, PendingRecord)]
    ledger_append_events(events, new_cases=new_cases, before=pending)


def _events_joined(events: list, deferred: list):
    from claimdesk.cases.timeline import StatementPart
    from claimdesk.ledger.services import ledger_statement_part

    part = ledger_statement_part(events, deferred)
    return StatementPart(*part) if part is not None else None
