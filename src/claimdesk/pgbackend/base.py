"""Django's PostgreSQL backend whose cursors read ``timestamptz`` with psycopg's own loader.

Django reads every timestamp through a Python subclass of psycopg's loader that only sets
the zone the value already has (the session's, which Django sets to the connection's):
about 10 µs a value, more than the rest of a row, and the lists, timelines and actions
read many. psycopg's own loader has a C version and gives the same values,
``datetime.timezone.utc`` included, when the session's zone is UTC (Django's, unless a
database ``TIME_ZONE`` is set); in any other set-up the cursor keeps Django's. Django checks
the loader of the connection before each cursor, so it is put on each cursor, not on the
connection.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.types.datetime import TimestamptzLoader


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: Any = None) -> Any:
        cursor = super().create_cursor(name)
        if settings.USE_TZ and self.timezone_name == "UTC":
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        return cursor
