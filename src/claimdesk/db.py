"""Writing many rows at once: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

Bulk intake writes some twenty rows per claim, a thousand claims at a time. Django's
``bulk_create`` prepares every value through its field (a few microseconds each) and sends
one big ``INSERT``; ``COPY`` streams the rows and lets psycopg adapt the plain Python values,
which is several times cheaper. Primary keys come from the table's own sequence in one query
beforehand, so the objects carry them afterwards exactly as after ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField, BigAutoField, Field, JSONField, Model, SmallAutoField

M = TypeVar("M", bound=Model)

# Below this many rows one multi-row INSERT costs about the same as the sequence query + COPY.
COPY_FROM = 50

_AUTO = (AutoField, BigAutoField, SmallAutoField)


def bulk_insert(objs: Sequence[M]) -> list[M]:
    """Insert new ``objs`` (all of one model) and return them with their primary keys set.

    Like ``bulk_create``: no ``save()``, no signals, field defaults as the objects were built.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    conn = connections[alias]
    if conn.vendor != "postgresql" or len(objs) < COPY_FROM:
        return model._default_manager.using(alias).bulk_create(objs)
    opts = model._meta
    pk = opts.pk
    # Generated columns (search keys such as a phone's last four digits) are the database's.
    fields = [f for f in opts.concrete_fields if not f.generated]
    with conn.cursor() as cursor:
        if isinstance(pk, _AUTO):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, pk.column, len(objs)],
            )
            for obj, value in zip(objs, sorted(r[0] for r in cursor.fetchall()), strict=True):
                setattr(obj, pk.attname, value)
        columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
        statement = f"COPY {conn.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
        plain = attrgetter(*(f.attname for f in fields))  # one C call per row (≥ 2 fields)
        special = [(i, conv) for i, f in enumerate(fields) if (conv := _converter(f, conn))]
        # The raw psycopg cursor: its errors mapped to Django's (IntegrityError …) by hand.
        with conn.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for obj in objs:
                row: Sequence[Any] = plain(obj)
                if special:
                    values = list(row)
                    for i, conv in special:
                        values[i] = conv(obj)
                    row = values
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


def insert_values(
    model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` of plain values for the columns ``attnames`` of ``model`` (every
    column the database needs: Django sets no database defaults); no objects, no keys back.
    For rows nobody reads back in the same transaction (the evidence ledger's entries),
    where building model objects only to write them would be most of the cost."""
    if not rows:
        return
    alias = router.db_for_write(model)
    conn = connections[alias]
    if conn.vendor != "postgresql" or len(rows) < COPY_FROM:
        model._default_manager.using(alias).bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        )
        return
    opts = model._meta
    fields = [_column(model, name) for name in attnames]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {conn.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
    with conn.cursor() as cursor, conn.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            if json_at:
                values = list(row)
                for i in json_at:
                    values[i] = fields[i].get_db_prep_save(values[i], conn)
                row = values
            copy.write_row(row)


def typed_marks(fields: Sequence[Field[Any, Any]], conn: BaseDatabaseWrapper) -> list[str]:
    """A placeholder per field, cast to its column's type (``%s::varchar(30)``): values in a
    ``VALUES`` list or a ``SET`` of a hand-built PostgreSQL statement get their column's type
    instead of text."""
    return [f"%s::{f.db_type(conn)}" for f in fields]


def insert_part(
    name: str, model: type[Model], attnames: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> tuple[str, list[Any]]:
    """``rows`` (column values by attname) as a common table expression ``name AS (INSERT
    … RETURNING 1)`` and its parameters: for a statement that writes several tables in one
    round trip (PostgreSQL; each value cast to its column's type)."""
    conn = connections[router.db_for_write(model)]
    fields = [_column(model, a) for a in attnames]
    q = conn.ops.quote_name
    one = "(" + ", ".join(typed_marks(fields, conn)) + ")"
    params = [
        f.get_db_prep_save(row[a], conn)
        for row in rows
        for f, a in zip(fields, attnames, strict=True)
    ]
    columns = ", ".join(q(f.column) for f in fields)
    sql = (
        f"{name} AS (INSERT INTO {q(model._meta.db_table)} ({columns}) "
        f"VALUES {', '.join([one] * len(rows))} RETURNING 1)"
    )
    return sql, params


def _column(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _converter(field: Field[Any, Any], conn: BaseDatabaseWrapper) -> Callable[[Model], Any] | None:
    """How to read a column value off an object when the attribute will not do: JSON goes
    through the field (its encoder), ``auto_now`` fields are stamped as ``save()`` would.
    Everything else psycopg adapts as it is (choices are ``str``/``int`` subclasses)."""
    if isinstance(field, JSONField):
        attname = field.attname
        return lambda obj: field.get_db_prep_save(getattr(obj, attname), conn)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    return None


def on_commit_once(func: Callable[[], None]) -> None:
    """``on_commit(func)`` unless this transaction already will run it.

    A sweep raising a thousand alerts needs one delivery run after its commit, not a
    thousand. A callback registered in a savepoint that rolled back is gone from the list,
    so it is registered again when needed.
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(f is func for _, f, _ in conn.run_on_commit):
        return
    transaction.on_commit(func)
