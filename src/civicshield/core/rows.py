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

CHUNK = 900


def db_datetime(moment: datetime) -> Any:
    """A datetime as this backend's driver wants it (a string on SQLite)."""
    return connection.ops.adapt_datetimefield_value(moment)


def db_json(model: type[models.Model], field: str, value: Any) -> Any:
    """A JSON field's value as this backend's driver wants it."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
           ) -> None:
    """INSERT the `rows` (tuples in the order of `fields`, attribute names) into `model`."""
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model; values travel as parameters.
    names = ", ".join(quote(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(statement, batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)


def ids_by(model: type[models.Model], column: str, values: Sequence[str],
           *more: str) -> list[tuple[Any, ...]]:
    """(pk, column, *more) of the rows whose `column` is one of `values`, in chunks."""
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), CHUNK):
        found += list(model._default_manager.filter(
            **{f"{column}__in": values[start:start + CHUNK]}).values_list("pk", column, *more))
    return found
