#!/usr/bin/env python
"""Queries one ``claim_report`` makes, grouped by SQL shape (see bench/README.md "Intake").

    python bench/intake_queries.py [--database-url URL] [--verbose]

Builds the bench database of ``bench/intake.py``, reports a few warm-up claims, then captures
the queries of one more and prints their count (and, with --verbose, each statement).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake


def shape(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return sql[:160]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    vendor, bench_url = intake.bench_database(args.database_url or os.environ.get("DATABASE_URL"))
    intake.create_database(vendor, bench_url)
    try:
        intake.setup_django(bench_url)
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from claimdesk.claims.services import claim_report

        call_command("migrate", interactive=False, verbosity=0)
        world = intake.World()
        for _ in range(5):
            claim_report(
                reporter=world.agent, report=world.report(), channel="hotline", now=timezone.now()
            )
        with CaptureQueriesContext(connection) as ctx:
            claim_report(
                reporter=world.agent, report=world.report(), channel="hotline", now=timezone.now()
            )
        shapes = Counter(shape(q["sql"]) for q in ctx.captured_queries)
        print(f"{vendor}: {len(ctx.captured_queries)} queries in one claim_report")
        for sql, count in shapes.most_common():
            print(f"{count:3d}  {sql}")
        if args.verbose:
            for q in ctx.captured_queries:
                print(q["sql"])
    finally:
        intake.drop_database(vendor, bench_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
