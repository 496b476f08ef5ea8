"""Set-based upserts for large writes on PostgreSQL: COPY into a temporary table, then one
``INSERT ... ON CONFLICT DO UPDATE``. Shared by the bar sync, the snapshots and the risk results.

Used only when :func:`copy_upsert_available`; other databases (SQLite) keep the ORM's
``bulk_create(update_conflicts=True)`` path in each caller. The temporary table lives until the
end of the surrounding transaction (``ON COMMIT DROP``), so a caller inside one can still read it
(e.g. to delete stale rows) after the upsert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction

#: SQL column types -> the type names psycopg's binary COPY understands.
_COPY_TYPE_ALIASES = {"double precision": "float8", "bigint": "int8", "integer": "int4"}


def copy_upsert_available() -> bool:
    """True on PostgreSQL with psycopg 3 (the driver whose cursors support COPY)."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def _copy_type(sql_type: str) -> str:
    base = re.sub(r"\(.*\)$", "", sql_type.strip().lower())
    return _COPY_TYPE_ALIASES.get(base, base)


def copy_upsert(
    *,
    table: str,
    temp: str,
    columns: Mapping[str, str],
    conflict: Sequence[str],
    rows: Iterable[Sequence[Any]] | None = None,
    payload: bytes | None = None,
    binary: bool = True,
    select: Mapping[str, str] | None = None,
    touch: Sequence[str] = (),
    only_changed: bool = True,
) -> int:
    """Upserts into ``table`` and returns the number of rows inserted or updated.

    ``columns``: name -> SQL type, in row order. Give either ``rows`` (tuples, written with
    ``write_row``) or ``payload`` (bytes already in the COPY format, written as is). ``binary``:
    COPY's binary format (else text: JSON then goes in as serialized text). ``select``: an SQL
    expression replacing a column in the ``INSERT ... SELECT`` (e.g. ``NULLIF(x, 'NaN')``).
    ``touch``: extra target columns set to ``now()`` on every written row (``auto_now`` fields).
    ``only_changed``: rows whose non-key values are unchanged are not rewritten.
    """
    names = list(columns)
    updates = [c for c in names if c not in conflict]
    qn = connection.ops.quote_name
    fmt = " (FORMAT BINARY)" if binary else ""
    sources = [(select or {}).get(c, qn(c)) for c in names]
    set_clause = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in [*updates, *touch])
    where = ""
    if only_changed and updates:
        current = ", ".join(f"t.{qn(c)}" for c in updates)
        excluded = ", ".join(f"EXCLUDED.{qn(c)}" for c in updates)
        where = f" WHERE ROW({current}) IS DISTINCT FROM ROW({excluded})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ("
            + ", ".join(f"{qn(c)} {t}" for c, t in columns.items())
            + ") ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {temp} ({', '.join(qn(c) for c in names)}) FROM STDIN{fmt}") as copy:
            if payload is not None:
                copy.write(payload)
            else:
                if binary:
                    copy.set_types([_copy_type(t) for t in columns.values()])
                for row in rows or ():
                    copy.write_row(row)
        target = ", ".join(qn(c) for c in [*names, *touch])
        cursor.execute(
            f"INSERT INTO {qn(table)} AS t ({target}) "  # noqa: S608 - names are the models' own
            f"SELECT {', '.join([*sources, *('now()' for _ in touch)])} FROM {temp} "
            f"ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO UPDATE SET {set_clause}{where}"
        )
        return cursor.rowcount
