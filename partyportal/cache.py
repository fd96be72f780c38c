"""A Redis cache that degrades to a miss when Redis is away, so the portal keeps answering during a broker outage.

Every cached value here can be recomputed from the database (grants, overviews, sessions backed by the database),
so an unreachable Redis costs speed, never an error page. After a failure the cache is skipped for a few seconds
instead of waiting on every call.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    def _guard(self, method: str, default, *args, **kwargs):
        if time.monotonic() < ResilientRedisCache._down_until:
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("redis", "socket", "builtins"):
                raise
            ResilientRedisCache._down_until = time.monotonic() + PAUSE_SECONDS
            logger.warning("cache unavailable (%s): serving without it for %ss", exc, PAUSE_SECONDS)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        if time.monotonic() < ResilientRedisCache._down_until:
            raise ValueError("cache unavailable")
        try:
            return super().incr(key, delta, version)
        except ValueError:
            raise
        except Exception as exc:
            ResilientRedisCache._down_until = time.monotonic() + PAUSE_SECONDS
            raise ValueError("cache unavailable") from exc

    def clear(self):
        return self._guard("clear", False)
