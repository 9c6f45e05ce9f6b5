from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "claimdesk.documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.documents.events import DocumentEventKind

        register_event_kinds(DocumentEventKind)
        from claimdesk.cases.events import subscribe
        from claimdesk.claims.events import ClaimRegistered
        from claimdesk.documents.services import documents_on_claim_registered

        subscribe(ClaimRegistered, documents_on_claim_registered)
        from claimdesk.documents.selectors import documents_stored_files
        from claimdesk.ledger.chained import register_files

        register_files(documents_stored_files)  # verify-ledger re-hashes the uploads
