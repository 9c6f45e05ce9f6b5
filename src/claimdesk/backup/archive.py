"""One archive file holding the database and the stored files (MEDIA_ROOT), with a manifest.

The archive is a gzip'd tar: ``manifest.json`` first, then ``database.sqlite3`` (SQLite's
online backup API: a consistent copy while the site runs) or ``database.pgdump``
(``pg_dump --format=custom``, one consistent snapshot), then ``media/…``. The manifest says
when, from which database engine, which migrations were applied, and the SHA-256 of every
member; ``restore`` checks all of it before it touches anything and refuses an archive that
does not match (another engine, migrations this code does not know, a changed or missing
member, a member outside the archive's folders).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "claimdesk-backup"
VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be made, or an archive that restore refuses; says why."""


@dataclass(frozen=True)
class Summary:
    archive: Path
    engine: str
    migrations: int
    files: int
    bytes: int


# --- helpers ---------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in DB_MEMBER:
        raise BackupError(f"backup supports SQLite and PostgreSQL, not {vendor}")
    return vendor


def _applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield "media/" + path.relative_to(root).as_posix(), path


def _pg_env_args() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install PostgreSQL's client programs "
            "(Debian: postgresql-client) of the server's major version or newer"
        )
    return found


def _db_name() -> str:
    return str(connection.settings_dict["NAME"])


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# --- backup ----------------------------------------------------------------------------------


def _dump_database(engine: str, target: Path) -> None:
    if connection.in_atomic_block:
        # SQLite's backup would wait forever on its own open write; pg_dump would not see it.
        raise BackupError("backup reads committed data: run it outside a transaction")
    if engine == "sqlite":
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)  # a consistent copy, the site may keep running
        finally:
            dest.close()
        return
    env, args = _pg_env_args()
    _run(
        [
            _pg_tool("pg_dump"),
            *args,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            _db_name(),
        ],
        env,
        "pg_dump",
    )


def backup_create(archive: Path, *, now: datetime) -> Summary:
    """Write the database and every stored file into ``archive`` (written aside, then moved
    into place: an interrupted backup leaves no half archive under that name)."""
    engine = _engine()
    archive = archive.resolve()
    archive.parent.mkdir(parents=True, exist_ok=True)
    media = list(_media_files(_media_root()))
    with tempfile.TemporaryDirectory(prefix="claimdesk-backup-") as tmp:
        db_file = Path(tmp) / DB_MEMBER[engine]
        _dump_database(engine, db_file)
        members: dict[str, str] = {DB_MEMBER[engine]: _sha256_file(db_file)}
        for name, path in media:
            members[name] = _sha256_file(path)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": now.isoformat(),
            "engine": engine,
            "database": DB_MEMBER[engine],
            "migrations": _applied_migrations(),
            "members": members,
        }
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=DB_MEMBER[engine], recursive=False)
            for name, path in media:
                tar.add(path, arcname=name, recursive=False)
        os.replace(partial, archive)
    return Summary(
        archive=archive,
        engine=engine,
        migrations=len(manifest["migrations"]),
        files=len(media),
        bytes=archive.stat().st_size,
    )


# --- restore ---------------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (name == MANIFEST or name in DB_MEMBER.values() or path.parts[0] == "media")
    )


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        raw = tar.extractfile(member)
        manifest = json.loads(raw.read()) if raw is not None else None
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{archive} has no readable {MANIFEST}: not a ClaimDesk backup") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a ClaimDesk backup (its manifest says otherwise)")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{archive} is backup format version {manifest.get('version')}; "
            f"this ClaimDesk reads version {VERSION}"
        )
    if not isinstance(manifest.get("members"), dict) or not isinstance(
        manifest.get("migrations"), list
    ):
        raise BackupError(f"{archive}: its manifest lacks members or migrations")
    return manifest


def _check_members(tar: tarfile.TarFile, manifest: dict[str, Any], into: Path) -> None:
    """Extract every member into ``into`` and check it against the manifest's hash; refuse
    any member that is not a plain file inside the archive's folders, missing, or extra."""
    expected: dict[str, str] = manifest["members"]
    seen: set[str] = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        if not member.isfile() or not _safe_member(member.name):
            raise BackupError(f"the archive holds {member.name!r}, which a backup never has")
        if member.name not in expected:
            raise BackupError(
                f"the archive holds {member.name!r}, which its manifest does not list"
            )
        source = tar.extractfile(member)
        assert source is not None
        target = into / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected[member.name]:
            raise BackupError(
                f"{member.name} differs from the manifest's hash: the archive is corrupt"
            )
        seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the archive lacks {', '.join(missing[:5])}: it is incomplete")


def _database_empty(engine: str) -> bool:
    tables = connection.introspection.table_names()
    return not tables or (
        MigrationRecorder.Migration._meta.db_table in tables and not _applied_migrations()
    )


def _restore_database(engine: str, dump: Path) -> None:
    if engine == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)  # replaces every page of the target
        finally:
            source.close()
        connection.close()
        return
    env, args = _pg_env_args()
    connection.close()
    _run(
        [
            _pg_tool("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _db_name(),
            str(dump),
        ],
        env,
        "pg_restore",
    )


def _restore_media(staged: Path, *, now: datetime) -> Path | None:
    """Put the archive's files in place of MEDIA_ROOT; what was there is moved aside (its
    new name returned), never deleted."""
    root = _media_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=root.parent))
    if staged.is_dir():
        shutil.copytree(staged, incoming, dirs_exist_ok=True)
    aside = None
    if root.exists():
        aside = root.with_name(f"{root.name}.before-restore-{now:%Y%m%d%H%M%S}")
        os.replace(root, aside)
    os.replace(incoming, root)
    return aside


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive: {exc}") from exc


@dataclass(frozen=True)
class Restored:
    engine: str
    created_at: str
    files: int
    migrations: int
    pending_migrations: int
    media_moved_aside: Path | None


def backup_restore(archive: Path, *, now: datetime, force: bool = False) -> Restored:
    """Restore ``archive`` into this installation's database and MEDIA_ROOT.

    Everything is checked first (manifest, engine, migrations, every member's hash, an empty
    target unless ``force``); only then is the database replaced, then the files.
    """
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    engine = _engine()
    with _open(archive) as tar, tempfile.TemporaryDirectory(prefix="claimdesk-restore-") as tmp:
        try:
            manifest = _read_manifest(tar, archive)
            theirs = str(manifest.get("engine"))
            if theirs != engine:
                raise BackupError(
                    f"the archive holds a {ENGINE_NAMES.get(theirs, theirs)} "
                    f"database and this installation uses {ENGINE_NAMES[engine]}: restore it "
                    "on the same engine"
                )
            unknown = sorted(set(manifest["migrations"]) - _known_migrations())
            if unknown:
                raise BackupError(
                    "the archive was made by a newer ClaimDesk: this code does not know its "
                    f"migrations {', '.join(unknown[:5])}; restore with that version"
                )
            staged = Path(tmp)
            _check_members(tar, manifest, staged)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise BackupError(f"{archive} is damaged: {exc}") from exc
        if (
            manifest.get("database") != DB_MEMBER[engine]
            or DB_MEMBER[engine] not in manifest["members"]
        ):
            raise BackupError("the archive holds no database of this engine")
        if not force:
            if not _database_empty(engine):
                raise BackupError(
                    "the database is not empty: restore into a new database, or pass --force "
                    "to replace what it holds"
                )
            root = _media_root()
            if root.is_dir() and any(root.iterdir()):
                raise BackupError(
                    f"{root} is not empty: restore into an empty folder, or pass --force "
                    "(what is there is moved aside, not deleted)"
                )
        _restore_database(engine, staged / DB_MEMBER[engine])
        aside = _restore_media(staged / "media", now=now)
    known = _known_migrations()
    return Restored(
        engine=engine,
        created_at=str(manifest.get("created_at")),
        files=sum(1 for name in manifest["members"] if name.startswith("media/")),
        migrations=len(manifest["migrations"]),
        pending_migrations=len(known - set(manifest["migrations"])),
        media_moved_aside=aside,
    )
