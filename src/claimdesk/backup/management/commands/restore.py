"""``claimdesk restore ARCHIVE``: put a backup's database and stored files back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from claimdesk.backup.archive import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by 'claimdesk backup' into this installation's database and "
        "media folder, after checking the whole archive (engine, migrations, every file's "
        "hash). Refuses a non-empty database or media folder unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive 'claimdesk backup' wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database and media folder that are not empty (the old media "
            "folder is moved aside, not deleted)",
        )

    def handle(self, *args, archive: str, force: bool = False, **opts):
        try:
            done = backup_restore(Path(archive), now=timezone.now(), force=force)
        except BackupError as exc:
            raise CommandError(f"refused: {exc}") from exc
        self.stdout.write(
            f"restored the {done.engine} database of {done.created_at} "
            f"({done.migrations} migrations) and {done.files} stored files"
        )
        if done.media_moved_aside:
            self.stdout.write(f"the previous media folder is now {done.media_moved_aside}")
        if done.pending_migrations:
            self.stdout.write(
                f"{done.pending_migrations} newer migrations to apply: run 'claimdesk migrate'"
            )
        self.stdout.write("check it: claimdesk verify-ledger")
