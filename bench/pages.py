"""The pages people open most, against the framework's floor, in one run (issue 22, docs/adr/0004).

The floor is ``/bench/floor/`` (``partyportal.settings.bench`` only): a signed-in page with the whole middleware
stack, the session, the user and their second factor, one small query and a tiny template. Each page's throughput is
given as ``<page>_rps`` and ``<page>_vs_floor_ratio`` (over the mean of the floor measured first and last, both
printed, so that drift shows); ``plain_rps`` is ``/healthz/live`` (no session, no user) for reference. The load runs
against the production configuration: gunicorn's sync workers, PostgreSQL with persistent connections, Redis for the
cache (BENCH_REDIS_URL, else REDIS_URL).

Also measured in process (the test client, no network): ``home_queries`` (a warm home page of the branch secretary:
what every request after the first pays), ``home_cold_queries`` (the first, with an empty cache) and
``home_writes_per_100`` (database writes of 100 home requests of one user within a minute: a session is re-saved at
most once a minute).

Run on its own against an already seeded bench database (``make bench`` seeds it; this does not)::

    BENCH_DATABASE_URL=postgres://.../partyportal_bench BENCH_LOAD_SECONDS=5 python -m bench.pages
    python -m bench.pages --profile   # where the time of one request of each page goes, no load
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))

# (figure name, user, path); the case page's path is found in the data set
PAGES = [
    ("home", "secretary", "/"),
    ("notifications", "secretary", "/notifications/"),
    ("board", "secretary", "/disclosure/"),
    ("case_page", "secretary", "{case_url}"),
    ("admin_people", "admin", "/admin/people/person/"),
]
FLOOR = "/bench/floor/"


def _main_module():
    from bench import __main__ as main

    return main


def _wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def throughput(env: dict, cookies: dict[str, str], case_url: str, seconds: int) -> None:
    """The floor, each page, the floor again, then the plain liveness page, on one gunicorn."""
    main = _main_module()
    gunicorn = str(Path(main.PY).parent / "gunicorn")
    port = main.PORT
    server = subprocess.Popen(
        [gunicorn, "partyportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)]
        + ["--log-level", "warning"],
        cwd=main.ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(port)
        main.emit("gunicorn_workers", WORKERS, "workers")
        main.emit("load_connections", CONNECTIONS, "connections")
        main.emit("load_seconds", seconds, "s")

        def drain() -> None:  # the requests a load left queued are served before the next one counts
            urllib.request.urlopen(f"{base}/healthz/live", timeout=300)

        def load(path: str, user: str | None) -> float:
            cookie = cookies[user] if user else None
            drain()
            main._load(f"{base}{path}", cookie, 1, connections=CONNECTIONS)  # warm: caches, connections
            drain()
            return main._load(f"{base}{path}", cookie, seconds, connections=CONNECTIONS)

        first = load(FLOOR, "secretary")
        rates = {name: load(path.format(case_url=case_url), user) for name, user, path in PAGES}
        last = load(FLOOR, "secretary")
        plain = load("/healthz/live", None)
    finally:
        server.terminate()
        server.wait(timeout=10)
    floor = (first + last) / 2
    main.emit("floor_first_rps", round(first, 1), "req/s")
    main.emit("floor_last_rps", round(last, 1), "req/s")
    main.emit("floor_rps", round(floor, 1), "req/s")
    main.emit("plain_rps", round(plain, 1), "req/s")
    for name, rate in rates.items():
        main.emit(f"{name}_rps", round(rate, 1), "req/s")
        main.emit(f"{name}_vs_floor_ratio", round(rate / floor, 3), "ratio")


_IN_PROCESS = """
import json, sys, django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
cookie = sys.argv[1]
client = Client(HTTP_X_FORWARDED_PROTO="https")
key, value = cookie.split("=", 1)
client.cookies[key] = value
statements = []
def count(execute, sql, params, many, context):
    statements.append(sql.lstrip().split(None, 1)[0].upper())
    return execute(sql, params, many, context)
def get():
    response = client.get("/", secure=True)
    assert response.status_code == 200, response.status_code
cache.clear()  # the first request finds nothing cached (the session is read from the database)
with connection.execute_wrapper(count):
    get()
cold = len(statements)
statements.clear()
with connection.execute_wrapper(count):
    get()
warm = len(statements)
statements.clear()
with connection.execute_wrapper(count):
    for _ in range(100):
        get()
writes = sum(1 for s in statements if s in ("INSERT", "UPDATE", "DELETE"))
print(json.dumps({"cold": cold, "warm": warm, "writes": writes}))
"""


def home_figures(env: dict, cookie: str) -> None:
    """Queries of the home page (the first request, then a warm one) and writes per 100 requests within a minute."""
    main = _main_module()
    out = subprocess.run(
        [main.PY, "-c", _IN_PROCESS, cookie], cwd=main.ROOT, env=env, check=True, capture_output=True, text=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    main.emit("home_cold_queries", result["cold"], "queries")
    main.emit("home_queries", result["warm"], "queries")
    main.emit("home_writes_per_100", result["writes"], "writes")


def figures(env: dict, cookies: dict[str, str], case_url: str) -> None:
    main = _main_module()
    home_figures(env, cookies["secretary_home"])
    throughput(env, cookies, case_url, main.LOAD_SECONDS)


def cookies_for(env: dict) -> dict[str, str]:
    """Fresh sessions of the bench secretary (the load and the home page's figures each their own) and the
    administrator."""
    main = _main_module()
    return {
        "secretary": main._session_cookie(env, "bench_secretary"),
        "secretary_home": main._session_cookie(env, "bench_secretary"),
        "admin": main._session_cookie(env, "admin"),
    }


def profile(env: dict, cookies: dict[str, str], case_url: str) -> None:
    """One request of each page (after three that warm the caches): its queries, writes, cache round trips, and
    where its time goes (cProfile, grouped)."""
    main = _main_module()
    pages = [("floor", "secretary", FLOOR)] + [(n, u, p.format(case_url=case_url)) for n, u, p in PAGES]
    subprocess.run(
        [main.PY, "-m", "bench.profile", json.dumps(cookies), json.dumps(pages)], cwd=main.ROOT, env=env, check=True
    )


def run() -> None:
    main = _main_module()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partyportal_bench")
    env = main._env(url)
    cookies = cookies_for(env)
    case_url = main._lifecycle_setup(env)["case_url"]
    if "--profile" in sys.argv[1:]:
        profile(env, cookies, case_url)
        return
    figures(env, cookies, case_url)


if __name__ == "__main__":
    run()
