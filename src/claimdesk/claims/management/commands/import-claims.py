"""``claimdesk import-claims FILE.csv|xlsx --user AGENT``: bulk intake with a progress bar,
an error report of the bad rows and a summary line. Exit 0 when every row landed, 1 when
some were bad (the good ones are imported all the same), 2 when the file cannot be read."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.cases.services import CaseError
from claimdesk.claims.bulk import CHUNK, claims_import, error_report_write, read_reports


class _Bar:
    """tqdm when it is installed, else a plain bar on stderr."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled
        self.tqdm = None
        if enabled:
            try:
                from tqdm import tqdm

                self.tqdm = tqdm(total=total, unit="row", file=sys.stderr)
            except ImportError:
                pass

    def __call__(self, n: int) -> None:
        self.done += n
        if self.tqdm is not None:
            self.tqdm.update(n)
        elif self.enabled and self.total:
            filled = 30 * self.done // self.total
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,} rows"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.enabled:
            sys.stderr.write("\n")


class Command(BaseCommand):
    help = (
        "Import claim reports from a CSV (UTF-8 or GB18030) or XLSX file: good rows are "
        "registered, bad rows are listed in an error report."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="the member of staff importing (an agent owns the claims; anyone else "
            "spreads them over the agents by load)",
        )
        parser.add_argument(
            "--errors",
            type=Path,
            help="where to write the bad rows (default: FILE.errors.csv next to the file)",
        )
        parser.add_argument(
            "--spread",
            action="store_true",
            help="spread the claims over the agents by load even when an agent imports",
        )
        parser.add_argument("--chunk", type=int, default=CHUNK, help="claims per transaction")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: Path, user: str, errors: Path | None, **opts):
        try:
            reporter = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no active user {user!r}") from exc
        try:
            rows = read_reports(file.read_bytes(), file.name)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}", returncode=2) from exc
        except CaseError as exc:
            raise CommandError(f"{file}: {exc.message}", returncode=2) from exc
        bar = _Bar(len(rows), enabled=not opts["no_progress"])
        started = time.perf_counter()
        try:
            result = claims_import(
                reporter=reporter,
                rows=rows,
                now=timezone.now(),
                chunk=max(1, opts["chunk"]),
                spread=opts["spread"],
                progress=bar,
            )
        except CaseError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        finally:
            bar.close()
        took = time.perf_counter() - started
        report_path = ""
        if result.errors:
            path = errors or file.with_name(f"{file.stem}.errors.csv")
            with path.open("w", encoding="utf-8", newline="") as out:
                error_report_write(result.errors, out)
            report_path = f"; bad rows listed in {path}"
        rate = len(result.created) / took if took else 0.0
        self.stdout.write(
            f"imported {len(result.created):,} of {len(rows):,} rows, "
            f"{len(result.errors):,} bad, {result.duplicates:,} linked as possible duplicates, "
            f"in {took:.1f} s ({rate:,.0f} claims/s){report_path}"
        )
        if result.errors:
            raise SystemExit(1)
