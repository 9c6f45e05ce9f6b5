"""``claimdesk backup ARCHIVE``: the database and the stored files in one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.backup.archive import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and every stored document file into one archive with a "
        "manifest (time, database engine, migrations, SHA-256 of each member). SQLite is "
        "copied with its online backup API, PostgreSQL with pg_dump; the site may keep running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            nargs="?",
            help="where to write it (default: var/backups/claimdesk-YYYYmmdd-HHMMSS.tar.gz)",
        )

    def handle(self, *args, archive: str | None = None, **opts):
        from django.conf import settings

        now = timezone.now()
        target = (
            Path(archive)
            if archive
            else Path(settings.VAR_DIR) / "backups" / f"claimdesk-{now:%Y%m%d-%H%M%S}.tar.gz"
        )
        try:
            summary = backup_create(target, now=now)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backed up the {summary.engine} database ({summary.migrations} migrations) and "
            f"{summary.files} stored files to {summary.archive} ({summary.bytes} bytes)"
        )
