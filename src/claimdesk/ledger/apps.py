from django.apps import AppConfig, apps
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "claimdesk.ledger"
    verbose_name = _("Evidence ledger")

    def ready(self) -> None:
        # Every new timeline event and document is chained in the transaction that writes
        # it. A lazy string sender would be a system-check error (signals.E001) while the
        # documents app is not installed, hence the guard.
        post_save.connect(_event_saved, sender="cases.CaseEvent", dispatch_uid="ledger-event")
        if apps.is_installed("claimdesk.documents"):
            post_save.connect(
                _document_saved, sender="documents.Document", dispatch_uid="ledger-document"
            )


def _event_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:  # raw: fixture loading, which writes rows as they were
        from claimdesk.ledger.services import ledger_append_event

        ledger_append_event(instance)


def _document_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from claimdesk.ledger.services import ledger_append_document

        ledger_append_document(instance)
