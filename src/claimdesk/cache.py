"""A process-local cache for small admin-edited reference tables (the holiday calendar,
webhook endpoints) that nearly every operation reads."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

T = TypeVar("T")


class ReferenceCache(Generic[T]):
    """A process-local copy of a small admin-edited table, read on nearly every operation.

    Correct across processes: an entry lives ``ttl`` seconds at most, so an edit made in
    another process is seen within that time. Within this process an edit (``post_save``,
    ``post_delete`` of ``models``, or a migrate/flush) drops the entry at once and again when
    its transaction commits. A thread whose own transaction holds an uncommitted edit reads
    the database directly until that transaction is over (committed or rolled back), so a
    rolled-back edit never ends up cached. Writes that send no signals (``QuerySet.update``,
    raw SQL) are seen after ``ttl``.
    """

    _instances: weakref.WeakSet[ReferenceCache] = weakref.WeakSet()

    def __init__(self, load: Callable[[], T], *models, ttl: float = 60.0) -> None:
        ReferenceCache._instances.add(self)
        self._load, self._ttl = load, ttl
        self._entry: tuple[T, float] | None = None
        self._generation = 0
        self._lock = threading.Lock()
        self._local = threading.local()  # the outermost atomic block holding our own edit
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        post_migrate.connect(self._flushed, weak=False)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entry = None

    @classmethod
    def clear_all(cls) -> None:
        """Drop every cached table: for a database emptied without ``post_migrate`` (a test
        flushing with serialised rollback), after which cached rows would point nowhere."""
        for cache in list(cls._instances):
            cache.clear()

    def _flushed(self, **kwargs) -> None:
        self.clear()

    def _changed(self, sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
        self.clear()
        conn = connections[using]
        if conn.in_atomic_block and conn.atomic_blocks:
            if getattr(self._local, "outer", None) is None:
                self._local.outer = conn.atomic_blocks[0]
            transaction.on_commit(self.clear, using=using)

    def get(self) -> T:
        outer = getattr(self._local, "outer", None)
        if outer is not None:
            blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
            if blocks and blocks[0] is outer:
                return self._load()  # our own edit is not committed yet
            self._local.outer = None
            self.clear()
        entry, now = self._entry, time.monotonic()
        if entry is not None and now < entry[1]:
            return entry[0]
        generation = self._generation
        value = self._load()
        with self._lock:
            if generation == self._generation:
                self._entry = (value, now + self._ttl)
        return value
