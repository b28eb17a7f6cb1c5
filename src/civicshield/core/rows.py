"""Many rows at once, for the ingest paths (STIX objects, collection entries, links).

`bulk_create` spends most of its time preparing each field of each model instance; for
tables written once per received object a parameterised `executemany` of plain tuples is
several times faster. Callers pass values as the columns hold them (`db_datetime`,
`db_json`). The SQL is built from the models' own table and column names, never from
input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict

CHUNK = 900


def db_datetime(moment: datetime) -> Any:
    """A datetime as this backend's driver wants it (a string on SQLite)."""
    return connection.ops.adapt_datetimefield_value(moment)


def db_datetimes(moments: Iterable[datetime]) -> list[Any]:
    """`db_datetime` of each of `moments` (the backend's adapter looked up once: reaching it
    through the connection proxy costs more than adapting one value)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(moment) for moment in moments]


def db_json(model: type[models.Model], field: str, value: Any) -> Any:
    """A JSON field's value as this backend's driver wants it."""
    json_field = model._meta.get_field(field)
    if not isinstance(json_field, models.Field):
        raise ValueError(f"{model.__name__}.{field} is not a column")
    return json_field.get_db_prep_save(value, connection)


def _column(model: type[models.Model], name: str) -> str:
    """The column of the field `name` (an attribute name, as callers pass them)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field.column


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
           *, ignore_conflicts: bool = False) -> None:
    """INSERT the `rows` (tuples in the order of `fields`, attribute names) into `model`;
    with `ignore_conflicts`, a row that breaks a unique constraint is skipped."""
    meta = model._meta
    columns = [_column(model, name) for name in fields]
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    # Table and column names come from the model; values travel as parameters.
    names = ", ".join(quote(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    verb = connection.ops.insert_statement(on_conflict=on_conflict)
    suffix = connection.ops.on_conflict_suffix_sql(columns, on_conflict, [], []) or ""
    head = f"{verb} {quote(meta.db_table)} ({names}) VALUES ({placeholders}) {suffix}".strip()
    use_copy = connection.vendor == "postgresql" and not ignore_conflicts
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        if use_copy:
            # PostgreSQL's COPY is its bulk-load path: one stream instead of a statement per
            # row. (It cannot skip conflicting rows: those inserts keep the statement.)
            # The driver's cursor, so Django's error translation is applied here by hand.
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(head, batch)
                batch = []
        if batch:
            cursor.executemany(head, batch)


def update(model: type[models.Model], field: str, rows: Sequence[tuple[Any, Any]]) -> None:
    """Set `field` per row: `rows` are (value, pk) pairs."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {quote(_column(model, field))} = %s "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} = %s", list(rows))


def ids_by(model: type[models.Model], column: str, values: Sequence[Any],
           *more: str) -> list[tuple[Any, ...]]:
    """(pk, column, *more) of the rows whose `column` is one of `values`, in chunks."""
    meta = model._meta
    quote = connection.ops.quote_name
    wanted = ", ".join(quote(_column(model, name)) for name in
                       (meta.pk.name, column, *more))
    match = quote(_column(model, column))
    found: list[tuple[Any, ...]] = []
    select = f"SELECT {wanted} FROM {quote(meta.db_table)} WHERE {match}"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: PostgreSQL plans it once, not one parameter per value.
            cursor.execute(f"{select} = ANY(%s)", [list(values)])
            return cursor.fetchall()
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            cursor.execute(f"{select} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found += cursor.fetchall()
    return found
