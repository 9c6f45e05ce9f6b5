from django.apps import AppConfig, apps
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "claimdesk.ledger"
    verbose_name = _("Evidence ledger")

    def ready(self) -> None:
        from claimdesk.cases.timeline import timeline_subscribe

        # Every new timeline line is chained in the transaction that writes it: the timeline
        # has one writer, which hands each batch to its subscribers.
        timeline_subscribe(_events_written)
        # Documents are saved by the documents app. A lazy string sender would be a
        # system-check error (signals.E001) while that app is not installed, hence the guard.
        if apps.is_installed("claimdesk.documents"):
            post_save.connect(
                _document_saved, sender="documents.Document", dispatch_uid="ledger-document"
            )


def _events_written(events: list, new_cases: bool) -> None:
    from claimdesk.ledger.services import ledger_append_events

    ledger_append_events(events, new_cases=new_cases)


def _document_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from claimdesk.ledger.services import ledger_append_document

        ledger_append_document(instance)
