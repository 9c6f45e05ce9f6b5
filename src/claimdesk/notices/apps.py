from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "claimdesk.notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.notices.events import NoticeEventKind

        register_event_kinds(NoticeEventKind)
        from claimdesk.cases.events import subscribe
        from claimdesk.cases.timeline import register_customer_text
        from claimdesk.claims.events import ClaimDecided
        from claimdesk.claims.workflow import register_archive_part
        from claimdesk.notices.selectors import notice_event_text, notice_fingerprints
        from claimdesk.notices.services import notice_on_claim_decided

        # A decided claim gets its written notice (the claim report or the rejection).
        subscribe(ClaimDecided, notice_on_claim_decided)
        register_customer_text(notice_event_text)
        register_archive_part("notices", notice_fingerprints)
