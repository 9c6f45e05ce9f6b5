"""``claimdesk payments-reconcile FILE.csv --user FINANCE``: apply a bank reconciliation
file. Prints a summary and each bad line; exit 0 when every line applied (or had already),
1 when some lines were refused (the others apply all the same), 2 when the file cannot be
read."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.cases.services import CaseError
from claimdesk.payments.services import payments_reconcile, reconcile_rows_read


class Command(BaseCommand):
    help = (
        "Apply a bank reconciliation CSV (reference, status, amount, bank_ref, reason): "
        "confirmed and failed transfers are recorded, bad lines listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the finance person importing the file")

    def handle(self, *args, file: Path, user: str, **opts):
        try:
            actor = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no active user {user!r}") from exc
        try:
            rows = reconcile_rows_read(file.read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}", returncode=2) from exc
        except CaseError as exc:
            raise CommandError(f"{file}: {exc.message}", returncode=2) from exc
        try:
            result = payments_reconcile(actor=actor, now=timezone.now(), rows=rows)
        except CaseError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        for e in result.errors:
            self.stderr.write(f"line {e.row} {e.reference or '-'}: {e.message}")
        self.stdout.write(f"{file.name}: {result}")
        if result.errors:
            raise SystemExit(1)
