"""Rows of a model in one INSERT, and several INSERTs in one round trip: the write path of
issuance at peaks.

bulk_create compiles a query per call and prepares every value through its machinery, which
costs more than the database's work for the few rows of a bind. This prepares each value as
the field does (get_db_prep_save, so on PostgreSQL and SQLite alike) and sends one statement.
On PostgreSQL the values travel apart from the statement, one array per column (INSERT ...
SELECT FROM unnest), so a statement has the same short text however many rows it carries:
psycopg parses it once and prepares it on the server once it repeats, instead of quoting every
value into a new statement in Python. rows_execute sends its statements in one pipeline: one
round trip for all of them (and the BEGIN of a transaction with them).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Model, QuerySet

# Fields whose database value is the Python value itself when it is one of these types (text:
# any str, choices included, as Django passes them on; numbers: exactly these types; times:
# aware datetimes of fields that do not stamp them): for them the row is read as it is,
# without Django's per-value preparation (a few function calls per value, which on a cart's
# rows cost more than the rest of the write). Any other value, or field, goes through
# get_db_prep_save. tests/insurance/test_rows.py holds the two readings equal.
_PLAIN_TYPES = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BooleanField: (bool,),
    models.DecimalField: (Decimal,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.DateTimeField: (datetime,),
}
_SUBCLASSES_AS_IS = (str,)  # Django hands a str subclass (a TextChoices member) on unchanged


@cache
def _plain_types(field: models.Field) -> tuple[type, ...]:
    """The value types that `field` stores unchanged (none for a field that prepares them)."""
    if isinstance(field, models.ForeignKey):
        return _plain_types(field.target_field)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return ()  # the field stamps its own value
    return _PLAIN_TYPES.get(type(field), ())


def _db_value(field: models.Field, obj: Model, connection):
    plain = _plain_types(field)
    if plain:
        value = getattr(obj, field.attname)
        if value is None or type(value) in plain:
            if type(value) is not datetime or value.tzinfo is not None:
                return value
        elif isinstance(value, _SUBCLASSES_AS_IS) and plain == (str,):
            return value
    return field.get_db_prep_save(field.pre_save(obj, add=True), connection)


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list
    returning: bool


def rows_statement(
    objs: list[Model], *, conflict_ignore: bool = False, returning: tuple[str, ...] = ()
) -> Statement:
    """The INSERT of the unsaved `objs` (of one model, at least one), in their order. With
    conflict_ignore a row a unique index refuses is left out (ON CONFLICT DO NOTHING) and
    the others go in; `returning` names the columns to read back of the rows inserted."""
    connection = connections[DEFAULT_DB_ALIAS]  # the proxy costs a lookup per use
    meta = objs[0]._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not field.primary_key or getattr(objs[0], field.attname) is not None
    ]
    quote = connection.ops.quote_name
    values = [[_db_value(field, obj, connection) for obj in objs] for field in fields]
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in fields)
        rows, params = f"SELECT * FROM unnest({arrays})", values  # noqa: S608 - our own types
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        rows = "VALUES " + ", ".join([row] * len(objs))
        params = [value for values_of_row in zip(*values, strict=True) for value in values_of_row]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        + rows
        + (" ON CONFLICT DO NOTHING" if conflict_ignore else "")
        + (f" RETURNING {', '.join(quote(column) for column in returning)}" if returning else "")
    )
    return Statement(sql, params, bool(returning))


def query_statement(queryset: QuerySet) -> Statement:
    """A queryset's SELECT as a statement, to read it in one pipeline with others."""
    sql, params = queryset.query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    return Statement(sql, list(params), returning=True)


def rows_execute(statements: list[Statement]) -> list[list[tuple]]:
    """Run the statements in their order, in one round trip on PostgreSQL; returns each one's
    rows read back (empty for those that read nothing back)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        results = []
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.sql, statement.params)
                results.append(cursor.fetchall() if statement.returning else [])
        return results
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        cursors = [psycopg.Cursor(raw) for _ in statements]
        with raw.pipeline():
            for cursor, statement in zip(cursors, statements, strict=True):
                cursor.execute(statement.sql, statement.params)
        results = [
            cursor.fetchall() if statement.returning else []
            for cursor, statement in zip(cursors, statements, strict=True)
        ]
    for cursor in cursors:
        cursor.close()
    return results


def rows_insert(
    objs: list[Model], *, conflict_ignore: bool = False, returning: tuple[str, ...] = ()
) -> list[tuple]:
    """rows_statement's INSERT, run; nothing to do for no rows."""
    if not objs:
        return []
    insert = rows_statement(objs, conflict_ignore=conflict_ignore, returning=returning)
    return rows_execute([insert])[0]
