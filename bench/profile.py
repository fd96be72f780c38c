"""Where the time of one request of each page goes (``python -m bench.pages --profile``).

For each page, after three requests that warm the caches: the queries of one request (and how many write), the cache
round trips, then the mean of ten requests split into database, cache, template rendering and the rest, and the
functions of this project that take the most (cProfile, cumulative). Arguments: the cookies and the pages as JSON.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client

    from partyportal.cache import ResilientRedisCache

    cookies, pages = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    spent = Counter()
    calls = Counter()
    depth = {"template": 0}

    def timed(kind, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[kind] += time.perf_counter() - started

        return wrapper

    guard, incr = ResilientRedisCache._guard, ResilientRedisCache.incr

    def counted_guard(self, method, *args, **kwargs):
        calls[method] += 1
        return guard(self, method, *args, **kwargs)

    def counted_incr(self, *args, **kwargs):
        calls["incr"] += 1
        return incr(self, *args, **kwargs)

    ResilientRedisCache._guard = timed("cache", counted_guard)
    ResilientRedisCache.incr = timed("cache", counted_incr)
    render = Template.render

    def outer_render(self, *args, **kwargs):  # the outermost template only: includes are inside it
        depth["template"] += 1
        started = time.perf_counter()
        try:
            return render(self, *args, **kwargs)
        finally:
            depth["template"] -= 1
            if not depth["template"]:
                spent["template"] += time.perf_counter() - started

    Template.render = outer_render
    statements = []

    def database(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["database"] += time.perf_counter() - started
            statements.append(sql)

    for name, user, url in pages:
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        key, value = cookies[user].split("=", 1)
        client.cookies[key] = value
        for _ in range(3):
            response = client.get(url, secure=True)
            assert response.status_code == 200, (name, url, response.status_code)
        calls.clear()
        statements.clear()
        with connection.execute_wrapper(database):
            response = client.get(url, secure=True)
        one_calls, one_statements = dict(calls), list(statements)
        writes = [s for s in one_statements if s.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]
        spent.clear()
        runs, started = 10, time.perf_counter()
        with connection.execute_wrapper(database):
            for _ in range(runs):
                client.get(url, secure=True)
        total = (time.perf_counter() - started) * 1000 / runs
        share = {k: v * 1000 / runs for k, v in spent.items()}
        rest = total - sum(share.values())
        print(
            f"== {name} ({user}, {url}): {len(one_statements)} queries, {len(writes)} writes, "
            f"{sum(one_calls.values())} cache round trips {one_calls}, {len(response.content)} bytes"
        )
        print(
            f"   {total:.1f} ms a request: database {share.get('database', 0):.1f}, cache {share.get('cache', 0):.1f}, "
            f"templates {share.get('template', 0):.1f} (their queries and cache calls included), rest {rest:.1f}"
        )
        for sql in one_statements:
            print(f"   sql: {sql[:150]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            client.get(url, secure=True)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"/apps/|template/base\.py:166", 24)
        rows = [line.split(None, 5) for line in out.getvalue().splitlines()]
        rows = [
            r
            for r in rows
            if len(r) == 6 and r[3].replace(".", "").isdigit() and ".py:" in r[5] and "restriction" not in r[5]
        ]
        rows = [r for r in rows if "middleware.py" not in r[5] and "_watch_writes" not in r[5]]
        for row in rows[:8]:
            where = row[5].split("site-packages/")[-1].replace(str(ROOT) + "/", "")
            print(f"   {float(row[3]) * 1000 / runs:7.1f} ms cumulative (profiled)  {where}")


if __name__ == "__main__":
    main()
