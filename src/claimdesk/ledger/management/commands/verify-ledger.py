"""``claimdesk verify-ledger [CASE_NO]``: recompute the evidence ledger's hash chains, re-hash
the stored files and compare the chains' heads with the checkpoint file.

Exit status: 0 intact, 1 a chain is broken (the first broken record is named), 2 unknown
case number. After a whole-database pass that found nothing, a checkpoint of the heads is
written (``--no-checkpoint`` to skip).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.cases.models import Case
from claimdesk.ledger.checkpoints import checkpoint_write
from claimdesk.ledger.selectors import ledger_verify


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident ledger of one claim (or case) number, or of every case: "
        "the chains, the stored files and the chains' heads against the checkpoint file. "
        "Exits 0 when intact, 1 naming the first broken record, 2 for an unknown number."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "claim_no", nargs="?", help="claim or case number, e.g. CL20260930000001"
        )
        parser.add_argument(
            "--no-files", action="store_true", help="do not re-hash the stored files"
        )
        parser.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="do not write a checkpoint of the heads after a whole pass",
        )

    def handle(self, *args, claim_no: str | None = None, **opts):
        case = None
        if claim_no:
            case = Case.objects.filter(number=claim_no.strip()).first()
            if case is None:
                raise CommandError(f"no claim or case numbered {claim_no!r}", returncode=2)
        result = ledger_verify(case, files=not opts["no_files"])
        if not result.ok:
            raise CommandError(
                f"BROKEN after {result.checked} entries: {result.first_broken}", returncode=1
            )
        self.stdout.write(
            f"OK: {result.checked} entries in {result.cases} case(s) verified, chains intact"
        )
        self.stdout.write(f"root {result.root}")
        if not opts["no_files"]:
            self.stdout.write(f"files: {result.files} stored file(s) re-hashed, all unchanged")
        cp = result.checkpoint
        if cp is not None and cp.lines:
            self.stdout.write(
                f"checkpoints: {cp.lines} in {cp.path} (last {cp.last_at}); "
                f"{result.against_checkpoint} chain(s) still hold their checkpointed head"
            )
        else:
            self.stdout.write("checkpoints: none yet (a cut tail cannot be detected before one)")
        if case is None and not opts["no_checkpoint"]:
            written = checkpoint_write(now=timezone.now(), source="verify-ledger")
            line = written.checkpoint.line_hash[:16] if written.checkpoint else "-"
            self.stdout.write(
                f"checkpoint written: {written.heads} head(s) moved since the last one, "
                f"line {line}…"
            )
