"""Rows written straight into a model's table with PostgreSQL's COPY: no model instances, ids reserved from the
table's own sequence first so that rows can point at each other before they are written.

COPY is two to three times faster than ``bulk_create`` here (docs: STACK.md, "Measured budgets"), which is what
lets half a million people load in minutes. Only the bench uses it: it bypasses ``save()``, signals and history,
exactly as ``bulk_create`` would.
"""

from __future__ import annotations

import json

from django.db import connection, models


class Table:
    """One model's table: ``ids(n)`` hands out primary keys, ``add(row)`` queues a row (a dict by attribute name,
    missing fields take the model's default), ``flush()`` writes the queue."""

    def __init__(self, model: type[models.Model], *, own_ids: bool = True, batch: int = 20_000):
        """``own_ids=False``: rows without an id, which the database numbers itself (nothing points at them)."""
        self.model, self.batch = model, batch
        self.fields = [f for f in model._meta.concrete_fields if own_ids or not f.primary_key]
        self.defaults = [(f.attname, f.get_default()) for f in self.fields]
        self.json = [f.attname for f in self.fields if isinstance(f, models.JSONField)]
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.rows: list[tuple] = []
        self.written = 0
        self.pool: list[int] = []
        self.taken = 0
        self.sequence: str | None = None

    def ids(self, count: int) -> list[int]:
        """``count`` fresh primary keys, from blocks reserved in one query each (a gap or two is harmless)."""
        if self.taken + count > len(self.pool):
            self.pool, self.taken = self._reserve(max(count, self.batch)), 0
        self.taken += count
        return self.pool[self.taken - count : self.taken]

    def _reserve(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            if self.sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.model._meta.db_table])
                self.sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [self.sequence, count])
            return [pk for (pk,) in cursor.fetchall()]

    def add(self, row: dict) -> None:
        for name in self.json:
            if row.get(name) is not None:
                row[name] = json.dumps(row[name], ensure_ascii=False)
        self.rows.append(tuple(row.get(name, default) for name, default in self.defaults))
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy,
        ):
            for values in self.rows:
                copy.write_row(values)
        self.written += len(self.rows)
        self.rows = []
