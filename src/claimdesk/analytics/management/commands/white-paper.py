"""``claimdesk white-paper 2026Q3 --out DIR``: the quarter's service-quality white paper."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.analytics.filters import FilterError
from claimdesk.analytics.whitepaper import quarter_filters, write_white_paper
from claimdesk.notices.pdf import FontMissing


class Command(BaseCommand):
    help = (
        "Write DIR/white-paper-<quarter>.html and .pdf: the quarter's service quality "
        "(scorecard, SLA, cycle time, backlog, payout, rejections, CSAT/NPS, complaints, "
        "corrective actions) with charts and tables. Progress goes to stderr."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("quarter", help="the quarter, e.g. 2026Q3")
        parser.add_argument("--out", default=".", help="output directory (created if missing)")
        parser.add_argument("--branch", default="", help="only cases of this branch")
        parser.add_argument("--product", default="", help="only claims of this product code")
        parser.add_argument("--team", default="", help="only cases of this team")
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def handle(self, *args, **options) -> None:
        try:
            f = quarter_filters(
                options["quarter"],
                branch=options["branch"],
                product=options["product"],
                team=options["team"],
            )
        except FilterError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["language"] not in ("zh-hans", "en"):
            raise CommandError(
                f"Unknown language {options['language']!r}: zh-hans or en", returncode=2
            )
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} exists and is not a directory", returncode=2)
        self.stderr.style_func = None  # plain progress lines, not error-red
        started = time.perf_counter()

        def progress(step: int, total: int, title: str) -> None:
            width = 20
            done = round(width * (step - 1) / total)
            bar = "#" * done + "." * (width - done)
            elapsed = time.perf_counter() - started
            self.stderr.write(f"[{step}/{total}] [{bar}] {title}… ({elapsed:.1f} s)")

        try:
            html_path, pdf_path = write_white_paper(
                f, out, now=timezone.now(), progress=progress, language=options["language"]
            )
        except FontMissing as exc:  # printing would draw boxes instead of Chinese characters
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"[done] [{'#' * 20}] {time.perf_counter() - started:.1f} s")
        self.stdout.write(str(html_path))
        self.stdout.write(str(pdf_path))
