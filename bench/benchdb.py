"""The dedicated database every bench builds and throws away, and the Django set-up for it.

PostgreSQL: a database of the bench's own name next to the one in the user's URL (created and
dropped through the ``postgres`` maintenance database); SQLite: ``var/bench/<name>.sqlite3``.
Delivery tasks go to an in-process broker, so .delay() costs what it costs and reaches nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


class BenchDB:
    def __init__(self, name: str):
        self.name = name
        self.sqlite_file = ROOT / "var" / "bench" / f"{name}.sqlite3"

    def select(self, url: str | None) -> tuple[str, str]:
        """(vendor, URL of the dedicated bench database) for the URL the user gave."""
        if not url or url.startswith("sqlite"):
            return "sqlite", f"sqlite:///{self.sqlite_file}"
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            sys.exit(f"unsupported database URL scheme {parts.scheme!r} (PostgreSQL or SQLite)")
        return "postgresql", urlunsplit(parts._replace(path=f"/{self.name}"))

    def create(self, vendor: str, bench_url: str) -> None:
        if vendor == "postgresql":
            with _pg_admin(bench_url) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
                admin.execute(f"CREATE DATABASE {self.name}")
        else:
            self.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            self._remove_sqlite()

    def drop(self, vendor: str, bench_url: str) -> None:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never got set up: nothing to close
            pass
        if vendor == "postgresql":
            with _pg_admin(bench_url) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        else:
            self._remove_sqlite()

    def _remove_sqlite(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.sqlite_file}{suffix}").unlink(missing_ok=True)


def _pg_admin(bench_url: str):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(bench_url)
    return psycopg.connect(
        dbname="postgres",
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        autocommit=True,
    )


def bench_env(bench_url: str) -> dict[str, str]:
    """Settings for this process (and any server it starts): the bench database and an
    in-process broker."""
    return {
        "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
        "DATABASE_URL": bench_url,
        "BROKER_URL": "memory://localhost/",
        "CLAIMDESK_TASKS_EAGER": "0",
        "CLAIMDESK_LOG_LEVEL": os.environ.get("CLAIMDESK_LOG_LEVEL", "WARNING"),
    }


def setup_django(bench_url: str) -> None:
    os.environ.update(bench_env(bench_url))
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
