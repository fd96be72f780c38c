"""Caching of node overviews (counts, committee, term, warnings), the costly part of the home pages.

A version number in the shared cache is bumped after every committed change to people, posts, terms, nodes or
policies; cached overviews carry the version and the date (warnings depend on today). A short time-to-live bounds
staleness where the cache is not shared between processes (local memory). See docs/adr/0004.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "org-overview-version"
TTL_SECONDS = 300


def overview_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def org_data_changed() -> None:
    """Call inside a service's transaction: the bump happens once the change is committed."""

    def _bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, timeout=None)

    transaction.on_commit(_bump)


def overview_key(node_ids: list[int], today: datetime.date, version: int) -> str:
    digest = hashlib.sha1(",".join(map(str, sorted(node_ids))).encode()).hexdigest()
    return f"org-overviews:{version}:{today.isoformat()}:{digest}"
