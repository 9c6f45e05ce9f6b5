"""``claimdesk verify-ledger [CASE_NO]``: recompute the evidence ledger's hash chains.

Exit status: 0 intact, 1 a chain is broken (the first broken record is named), 2 unknown
case number.
"""

from django.core.management.base import BaseCommand, CommandError

from claimdesk.cases.models import Case
from claimdesk.ledger.selectors import ledger_verify


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident ledger of one claim (or case) number, or of every case. "
        "Exits 0 when intact, 1 naming the first broken record, 2 for an unknown number."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "claim_no", nargs="?", help="claim or case number, e.g. CL20260930000001"
        )

    def handle(self, *args, claim_no: str | None = None, **opts):
        case = None
        if claim_no:
            case = Case.objects.filter(number=claim_no.strip()).first()
            if case is None:
                raise CommandError(f"no claim or case numbered {claim_no!r}", returncode=2)
        result = ledger_verify(case)
        if not result.ok:
            raise CommandError(
                f"BROKEN after {result.checked} entries: {result.first_broken}", returncode=1
            )
        self.stdout.write(
            f"OK: {result.checked} entries in {result.cases} case(s) verified, chains intact"
        )
        self.stdout.write(f"root {result.root}")
