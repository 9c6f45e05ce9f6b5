"""Backup and restore: a claim with a stored document is backed up, restored into a fresh
database and media folder by a separate process, and the restored copy's ledger verifies
with the same root; archives that do not match are refused before anything is touched."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from claimdesk.documents.models import Document
from claimdesk.ledger.selectors import ledger_verify
from tests.documents.conftest import png

SRC = Path(__file__).resolve().parents[2] / "src"


def claimdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``claimdesk …`` in its own process, against the installation ``env`` describes."""
    full = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "CLAIMDESK_TASKS_EAGER": "1",
        "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "claimdesk.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def a_claim_with_a_document(claim, api, customer1) -> Document:
    r = api(customer1).upload(claim.case.number, "invoice.png", png("white"))
    assert r.status_code == 201, r.content
    doc = Document.objects.get()
    assert (Path(settings.MEDIA_ROOT) / doc.file.name).is_file()
    return doc


def assert_restored_copy_matches(fresh_env: dict[str, str], media: Path, doc, before) -> None:
    verified = claimdesk("verify-ledger", env=fresh_env)
    assert verified.returncode == 0, verified.stderr
    assert f"OK: {before.checked} entries in {before.cases} case(s)" in verified.stdout
    assert f"root {before.root}" in verified.stdout  # the very same chains
    original = (Path(settings.MEDIA_ROOT) / doc.file.name).read_bytes()
    assert (media / doc.file.name).read_bytes() == original


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_on_sqlite(tmp_path, claim, api, customer1):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip; the PostgreSQL one is below")
    doc = a_claim_with_a_document(claim, api, customer1)
    before = ledger_verify(None)
    assert before.ok and before.checked > 0
    archive = tmp_path / "claimdesk.tar.gz"
    call_command("backup", str(archive))

    fresh = tmp_path / "fresh"
    env = {"DATABASE_URL": f"sqlite:///{fresh / 'db.sqlite3'}", "CLAIMDESK_VAR_DIR": str(fresh)}
    restored = claimdesk("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "restored the sqlite database" in restored.stdout
    assert_restored_copy_matches(env, fresh / "media", doc, before)

    again = claimdesk("restore", str(archive), env=env)  # never over a live installation
    assert again.returncode != 0 and "database is not empty" in again.stderr
    forced = claimdesk("restore", "--force", str(archive), env=env)
    assert forced.returncode == 0, forced.stderr
    assert "previous media folder is now" in forced.stdout


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_on_postgresql(tmp_path, claim, api, customer1):
    import psycopg

    doc = a_claim_with_a_document(claim, api, customer1)
    before = ledger_verify(None)
    archive = tmp_path / "claimdesk.tar.gz"
    call_command("backup", str(archive))
    with tarfile.open(archive) as tar:
        assert "database.pgdump" in tar.getnames()

    db = connection.settings_dict
    fresh_name = f"{db['NAME']}_restored"
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        password=db["PASSWORD"] or None,
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}"')
    admin.execute(f'CREATE DATABASE "{fresh_name}"')
    try:
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        url = f"postgresql://{auth}{db['HOST']}:{db['PORT'] or 5432}/{fresh_name}"
        env = {"DATABASE_URL": url, "CLAIMDESK_VAR_DIR": str(tmp_path / "fresh")}
        restored = claimdesk("restore", str(archive), env=env)
        assert restored.returncode == 0, restored.stderr
        assert_restored_copy_matches(env, tmp_path / "fresh" / "media", doc, before)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
        admin.close()


# --- archives that restore refuses, before it touches anything --------------------------------


# Backup reads the database as committed (like the command run beside the site): these
# tests commit what they build.
@pytest.fixture
def archive(transactional_db, tmp_path, claim, api, customer1) -> Path:
    a_claim_with_a_document(claim, api, customer1)
    path = tmp_path / "good.tar.gz"
    call_command("backup", str(path))
    return path


def rewritten(archive: Path, change) -> Path:
    """A copy of ``archive`` with its members passed through ``change(name, bytes)``, which
    returns the new bytes (None: drop it); ``change`` may add members via the ``extra`` list."""
    members: list[tuple[str, bytes]] = []
    with tarfile.open(archive) as tar:
        for member in tar:
            f = tar.extractfile(member)
            members.append((member.name, f.read() if f else b""))
    out = archive.with_name("changed.tar.gz")
    with tarfile.open(out, "w:gz") as tar:
        for name, data in change(members):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def manifest_changed(**changes):
    def change(members):
        for name, data in members:
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest.update(changes)
                data = json.dumps(manifest).encode()
            yield name, data

    return change


def refused(path: Path) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(path))
    return str(caught.value)


def test_a_changed_file_is_refused_naming_it(archive):
    def change(members):
        for name, data in members:
            yield name, (data + b"tampered" if name.startswith("media/") else data)

    message = refused(rewritten(archive, change))
    assert "differs from the manifest's hash" in message and "media/" in message


def test_a_truncated_archive_is_refused(archive, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert "damaged" in refused(cut) or "not a readable" in refused(cut)


def test_another_engines_archive_is_refused(archive):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    message = refused(rewritten(archive, manifest_changed(engine=other)))
    assert "restore it on the same engine" in message


def test_an_archive_from_newer_code_is_refused(archive):
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    newer = [*manifest["migrations"], "claims.9999_from_the_future"]
    message = refused(rewritten(archive, manifest_changed(migrations=newer)))
    assert "newer ClaimDesk" in message and "claims.9999_from_the_future" in message


def test_a_member_outside_the_archives_folders_is_refused(archive):
    def change(members):
        yield from members
        yield "../escape.txt", b"x"

    assert "which a backup never has" in refused(rewritten(archive, change))


def test_something_that_is_no_backup_is_refused(tmp_path, transactional_db):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive at all")
    assert "not a readable backup archive" in refused(junk)


def test_restoring_over_a_database_that_holds_data_needs_force(archive):
    assert "database is not empty" in refused(archive)
    assert Document.objects.count() == 1  # nothing was touched
