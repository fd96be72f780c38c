"""Checks of the loaded data: the tree as treebeard wants it, and every foreign key pointing at a row."""

from __future__ import annotations

from django.db import connection

from apps.organisations.models import OrgNode


def tree_problems() -> dict[str, int]:
    """treebeard's ``find_problems`` as four set-based queries (it runs two queries a node): bad characters or path
    lengths, wrong depths, orphans, wrong child counts. All zero for a valid tree."""
    table, step = OrgNode._meta.db_table, OrgNode.steplen
    checks = {
        "bad_path": f"SELECT count(*) FROM {table} WHERE path !~ '^[0-9A-Z]+$' OR length(path) % {step} <> 0",
        "wrong_depth": f"SELECT count(*) FROM {table} WHERE depth <> length(path) / {step}",
        "orphans": f"SELECT count(*) FROM {table} c WHERE c.depth > 1 AND NOT EXISTS "
        f"(SELECT 1 FROM {table} p WHERE p.path = left(c.path, -{step}))",
        "wrong_numchild": f"SELECT count(*) FROM {table} p LEFT JOIN (SELECT left(path, -{step}) AS parent, "
        f"count(*) AS n FROM {table} WHERE depth > 1 GROUP BY 1) k ON k.parent = p.path "
        "WHERE p.numchild <> coalesce(k.n, 0)",
    }
    found = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            found[name] = cursor.fetchone()[0]
    return found


def dangling_references(models) -> dict[str, int]:
    """For each foreign key of the tables written, the rows that point at nothing (one anti-join each): what the
    deferred constraint checks would have found at commit, had they run."""
    found = {}
    with connection.cursor() as cursor:
        for model in models:
            for f in model._meta.concrete_fields:
                if not f.is_relation:
                    continue
                child, parent = model._meta.db_table, f.related_model._meta.db_table
                cursor.execute(
                    f'SELECT count(*) FROM "{child}" c WHERE c."{f.column}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM "{parent}" p WHERE p."{f.target_field.column}" = c."{f.column}")'
                )
                found[f"{child}.{f.column}"] = cursor.fetchone()[0]
    return found
