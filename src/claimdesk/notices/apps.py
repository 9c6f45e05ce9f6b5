from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "claimdesk.notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from claimdesk.cases.timeline import register_event_kinds
        from claimdesk.notices.events import NoticeEventKind

        register_event_kinds(NoticeEventKind)
        from claimdesk.cases.committed import subscribe_committed
        from claimdesk.cases.events import subscribe
        from claimdesk.cases.timeline import register_customer_text
        from claimdesk.claims.events import ClaimDecided
        from claimdesk.claims.workflow import register_archive_part
        from claimdesk.notices.selectors import notice_event_text
        from claimdesk.notices.services import (
            notice_fingerprints,
            notice_on_claim_decided,
            notice_on_committed,
        )

        # A decided claim gets its written notice (the claim report or the rejection); its
        # PDF is rendered after the decision has committed.
        subscribe(ClaimDecided, notice_on_claim_decided)
        subscribe_committed(notice_on_committed)
        register_customer_text(notice_event_text)
        register_archive_part("notices", notice_fingerprints)
        from claimdesk.cases.events import CaseTransitioned
        from claimdesk.notices.policy_letters import (
            notice_on_application_decided,
            notice_on_service_step,
        )
        from claimdesk.underwriting.events import ApplicationDecided

        # The 批单 of an approved policy-service request, the notice of a declined one, and
        # the underwriting decision notice.
        subscribe(CaseTransitioned, notice_on_service_step, kinds=("policy_service",))
        subscribe(ApplicationDecided, notice_on_application_decided)
        from claimdesk.ledger.chained import register_files
        from claimdesk.notices.selectors import notices_stored_files

        register_files(notices_stored_files)  # verify-ledger re-hashes the rendered letters
