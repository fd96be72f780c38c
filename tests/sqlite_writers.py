"""Five people save their contact details on ``/me/`` at the same moment, on a SQLite file database.

Run by ``tests/test_sqlite_writers.py`` in a process of its own with the embedded default's settings (``local``, no
Redis), as ``make run`` serves: one process, a thread per request. ``python -m tests.sqlite_writers DB_PATH`` migrates
the database, adds five members with logins, lets five threads post ``/me/`` 25 times each and prints one JSON line:
how many saves succeeded, the errors of the others and the database's journal mode.
"""

import json
import os
import sys
import threading

WRITERS = 5
SAVES_EACH = 25


def _configure(path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "partyportal.settings.local"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["TWO_FACTOR_REQUIRED"] = "0"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _members() -> list:
    from django.core.management import call_command

    from tests.factories import PersonFactory, UserFactory, make_node

    call_command("migrate", verbosity=0)
    branch = make_node(parent=make_node(name="测试党委"), name="第一党支部")
    return [PersonFactory(node=branch, user=UserFactory(username=f"writer{n}")).user for n in range(WRITERS)]


def _write(user, number: int, start: threading.Barrier, results: list) -> None:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    start.wait()
    for save in range(SAVES_EACH):
        try:
            response = client.post("/me/", {"phone": f"138{number:04d}{save:04d}", "email": f"w{number}@example.org"})
            results.append("ok" if response.status_code == 302 else f"HTTP {response.status_code}")
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            results.append(f"{type(exc).__name__}: {exc}")
    connection.close()


def main(path: str) -> dict:
    _configure(path)
    users = _members()
    start, results = threading.Barrier(WRITERS), []
    threads = [threading.Thread(target=_write, args=(user, n, start, results)) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if r != "ok"]
    from django.db import connection

    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    return {"saves": len(results) - len(errors), "errors": errors, "journal_mode": journal_mode}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))  # noqa: T201
