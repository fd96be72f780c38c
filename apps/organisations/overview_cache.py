"""Data versions for cached pages and fragments (docs/adr/0004).

A version number per kind of data lives in the shared cache and is bumped after every committed change of that
data; cached entries carry the versions they were computed under (and the date where they depend on today), so a
change shows on the next request everywhere, with no list of keys to delete. A short time-to-live bounds
staleness where the cache is not shared between processes (local memory).

- ``org``: people, posts, terms, nodes, policies and grants. Services call ``org_data_changed()`` inside their
  transaction (node overviews, each user's grants, the home page's body).
- Versions bumped by the database itself: ``watch_tables(name, prefixes)`` (called in an upper app's
  ``AppConfig.ready``) bumps ``name`` on the commit of any INSERT, UPDATE or DELETE on a table whose name starts with
  one of ``prefixes``, however it was made (a service, the admin, a queryset ``update()``, ``bulk_create``, raw SQL
  through Django's connection). The home page's to-do and the header's unread count are keyed so.

Within a request the versions are read from the cache once (``request_started`` clears what was read; a bump in
this process clears it at once). A write bumps its version at once as well as on commit (``data_changed``).
"""

from __future__ import annotations

import datetime
import hashlib
import threading

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.backends.signals import connection_created

VERSION_KEY = "org-overview-version"
TTL_SECONDS = 300

# .versions: {key: version} read during the current request; .fetched: entries read ahead by ``read_ahead``. Both
# None outside requests.
_local = threading.local()


def _key(name: str) -> str:
    return VERSION_KEY if name == "org" else f"data-version:{name}"


def data_version(name: str) -> int:
    """The current version of a kind of data (1 when none was ever recorded)."""
    key = _key(name)
    _bumped_now().discard(name)  # what is cached from now on, under this version, must be dropped by the next write
    memo = getattr(_local, "versions", None)
    if memo is not None and key in memo:
        return memo[key]
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, timeout=None)
        version = cache.get(key, 1)
    if memo is not None:
        memo[key] = version
    return version


def data_versions(*names: str) -> tuple[int, ...]:
    """Several versions in one cache round trip."""
    memo = getattr(_local, "versions", None)
    _bumped_now().difference_update(names)
    keys = [_key(n) for n in names]
    missing = [k for k in keys if memo is None or k not in memo]
    found = cache.get_many(missing) if missing else {}
    for key in missing:
        if key not in found:
            cache.add(key, 1, timeout=None)
            found[key] = cache.get(key, 1)
    if memo is not None:
        memo.update(found)
    return tuple(memo[k] if memo is not None and k in memo else found[k] for k in keys)


def read_ahead(keys: list[str]) -> dict:
    """Read several cache entries in one round trip, keeping them for ``cached`` during this request (a page that
    knows what its frame will ask for: the user's grants, the unread count)."""
    found = cache.get_many(keys)
    fetched = getattr(_local, "fetched", None)
    if fetched is not None:
        fetched.update({key: found.get(key) for key in keys})
    return found


def cached(key: str):
    """``cache.get(key)``, or what ``read_ahead`` found for it during this request (None: not cached)."""
    fetched = getattr(_local, "fetched", None)
    if fetched is not None and key in fetched:
        return fetched.pop(key)  # read once: a second call asks the cache again
    return cache.get(key)


def fragment_key(prefix: str, names: tuple[str, ...], *parts) -> str:
    """The cache key of a fragment computed from the data ``names`` (their versions are part of it) for ``parts``
    (the user, the language, the day, the page's parameters: whatever its content depends on)."""
    versions = ".".join(map(str, data_versions(*names)))
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"{prefix}:{versions}:{digest}"


def cached_fragment(key: str, render, timeout: int = TTL_SECONDS) -> str:
    """The fragment cached under ``key``, or ``render()`` cached there."""
    value = cached(key)
    if value is None:
        value = render()
        cache.set(key, value, timeout=timeout)
    return value


def _bump(name: str) -> None:
    key = _key(name)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, timeout=None)
    memo = getattr(_local, "versions", None)
    if memo is not None:
        memo.pop(key, None)


def data_changed(name: str, using: str | None = None) -> None:
    """Call inside the transaction that changes the data. The version is bumped once the change is committed (once
    however many changes the transaction makes), and also at once, unless it was already since this thread last read
    the version: a page read and cached before the commit (in this very transaction, or a test's, which never
    commits) is not served after it."""
    callback = _bumpers.setdefault(name, _Bumper(name))
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        callback()
        return
    bumped = _bumped_now()
    if name not in bumped:
        bumped.add(name)
        _bump(name)
    if not any(entry[1] is callback for entry in connection.run_on_commit):
        transaction.on_commit(callback, using=using)


def _bumped_now() -> set:
    bumped = getattr(_local, "bumped", None)
    if bumped is None:
        bumped = _local.bumped = set()
    return bumped


class _Bumper:
    def __init__(self, name: str):
        self.name = name

    def __call__(self) -> None:
        _bump(self.name)


_bumpers: dict[str, _Bumper] = {}


def overview_version() -> int:
    return data_version("org")


def org_data_changed() -> None:
    """Call inside a service's transaction: the bump happens once the change is committed."""
    data_changed("org")


def overview_key(node_ids: list[int], today: datetime.date, version: int) -> str:
    digest = hashlib.sha1(",".join(map(str, sorted(node_ids))).encode()).hexdigest()
    return f"org-overviews:{version}:{today.isoformat()}:{digest}"


# -- versions bumped by the database writes themselves ---------------------------------------------------------------

_watched: dict[str, tuple[str, ...]] = {}  # version name → table name prefixes (lower case)
_WRITES = ("insert", "update", "delete")


def watch_tables(name: str, prefixes: tuple[str, ...]) -> None:
    """Bump ``name`` on every committed write to a table whose name starts with one of ``prefixes``. Called again
    for the same name, it adds to the prefixes (an upper app adds the tables of its own that a lower app's page
    shows)."""
    known = _watched.get(name, ())
    _watched[name] = known + tuple(p.lower() for p in prefixes if p.lower() not in known)


def _written_tables(sql: str) -> str:
    """The part of a write statement that names its table (lower case), or "" for a read."""
    head = sql.lstrip()[:7].lower()
    if not head.startswith(_WRITES):
        return ""
    return sql[:200].lower()


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    statement = _written_tables(sql) if _watched else ""
    if statement:
        for name, prefixes in _watched.items():
            if any(f'"{p}' in statement for p in prefixes):
                data_changed(name, using=context["connection"].alias)
    return result


def _install(sender, connection, **kwargs) -> None:
    # first in the list: a wrapper added by ``connection.execute_wrapper()`` around this moment is popped, not ours
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _watch_writes)


def _request_started(**kwargs) -> None:
    _local.versions, _local.fetched = {}, {}


def _request_finished(**kwargs) -> None:
    _local.versions = _local.fetched = None


connection_created.connect(_install, dispatch_uid="data-version-watch")
request_started.connect(_request_started, dispatch_uid="data-version-request")
request_finished.connect(_request_finished, dispatch_uid="data-version-request")
