"""Settings for the test suite: PostgreSQL when DATABASE_URL is set, otherwise SQLite in memory."""

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
if not env("DATABASE_URL", default=""):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TWO_FACTOR_REQUIRED = True
CELERY_TASK_ALWAYS_EAGER = True
REPORTS_IN_THREAD = False  # runs execute when their request's transaction commits (a browser test turns it on)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
LANGUAGE_CODE = "zh-hans"

# Under pytest-xdist (make test-clock runs on both cores) each worker has its own Redis database, counting down
# from REDIS_URL's: a test's cache.clear() empties its own worker's cache only. pytest-django suffixes the test
# database's name per worker the same way.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER and REDIS_URL:  # noqa: F405
    _base, _, _index = REDIS_URL.rpartition("/")  # noqa: F405
    REDIS_URL = f"{_base}/{int(_index or 0) - 1 - int(_WORKER.removeprefix('gw'))}"
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL
