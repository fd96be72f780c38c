"""Settings shared by every environment, driven by environment variables."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.organisations.admin_site.PortalAdminConfig",  # django.contrib.admin with its sidebar cached
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "guardian",
    "treebeard",
    "simple_history",
    # django-axes and django-otp's devices under translated names in the admin (apps/accounts/apps.py)
    "apps.accounts.apps.AxesConfig",
    "django_otp",
    "apps.accounts.apps.TOTPConfig",
    "apps.accounts.apps.StaticConfig",
    "csp",
    "apps.accounts",
    "apps.audit",
    "apps.spreadsheets",
    "apps.organisations",
    "apps.people",
    "apps.documents",
    "apps.workdays",
    "apps.disclosure",
    "apps.membership",
    "apps.lifecycle",
    "apps.dues",
    "apps.assessment",
    "apps.appraisal",
    "apps.improvement",
    "apps.orglife",
    "apps.reports",
    "apps.notifications",
    "apps.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.audit.middleware.DeniedAccessMiddleware",
    "apps.accounts.middleware.CachedOTPMiddleware",
    "apps.accounts.middleware.SessionLimitMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "apps.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partyportal.urls"
WSGI_APPLICATION = "partyportal.wsgi.application"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.portal.context_processors.navigation",
                "apps.notifications.context_processors.unread",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in CI and production).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# SQLite (the embedded default) serves concurrent requests without "database is locked": write-ahead log (readers
# never wait for the writer), a busy timeout (a writer waits for the other instead of failing at once) and
# BEGIN IMMEDIATE (a transaction that reads and then writes takes the write lock first: a deferred one that finds
# another writer fails at once, whatever the timeout). docs/adr/0001.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "apps.accounts.backends.CachedModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "apps.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: zh-Hans first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded files are private: kept outside the static root and never given a public URL;
    # apps.documents serves them through a view that checks the record's permissions.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Sessions: an idle limit (renewed on each request) and an absolute limit from login.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The idle limit is renewed by SessionLimitMiddleware at most once a minute, not by a write on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_RESAVE_SECONDS = 60
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Two-factor sign-in (TOTP) for staff and every role that approves or sees sensitive data.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="PartyPortal")

# Login throttling (django-axes). Behind a reverse proxy set AXES_PROXY_COUNT to the number of proxies.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Content-Security-Policy: everything from this host only (an intranet has no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Django's admin sets a few style attributes inline.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user row: anonymous users hold no object permissions

# Celery: Redis when REDIS_URL is set; otherwise tasks run in-process (the embedded default).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Reports (ADR 15): without a broker a run goes to a thread of the web process, so the request returns at once.
REPORTS_IN_THREAD = env.bool("REPORTS_IN_THREAD", default=not REDIS_URL)
# Acknowledged on receipt by default; only the idempotent periodic tasks set acks_late (a task lost with a worker
# that dies is run again by the next tick anyway). One message per worker process at a time; hard time limits.
# The timeouts nest (checked by apps.notifications.checks): the wait for the mail server's last reply < a claim's
# lease on an outbox row < the soft and hard task time limits < the broker's visibility timeout.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=22 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=20 * 60)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # keep trying while Redis is away; the sweeps catch up afterwards
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TIMEZONE = TIME_ZONE
# Exactly one beat schedules: the one holding this Redis lock (partyportal/beat_lock.py). It refreshes the lock every
# third of its lifetime; a beat that finds it held by a live beat exits, one that finds it abandoned takes it over
# when it expires (within CELERY_BEAT_LOCK_SECONDS).
CELERY_BEAT_LOCK_KEY = "partyportal:beat-lock"
CELERY_BEAT_LOCK_SECONDS = env.int("CELERY_BEAT_LOCK_SECONDS", default=15)
CELERY_BEAT_SCHEDULER = "partyportal.beat_lock:LockedScheduler"

CACHES = {
    "default": (
        {
            "BACKEND": "partyportal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Per process, for template fragments that depend only on the language and the role (navigation): no network
    # round trip, nothing to invalidate.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="partyportal@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Reminders (apps.notifications)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")  # links in e-mails and the calendar feed
NOTIFY_MESSAGE_DOMAIN = env("NOTIFY_MESSAGE_DOMAIN", default="partyportal.local")  # right side of Message-IDs
NOTIFY_RETRY_MINUTES = env.list("NOTIFY_RETRY_MINUTES", cast=int, default=[1, 5, 30, 120, 480])
NOTIFY_DIGEST_HOUR = env.int("NOTIFY_DIGEST_HOUR", default=7)  # local time from which the daily digest goes out
NOTIFY_SWEEP_STALE_MINUTES = env.int("NOTIFY_SWEEP_STALE_MINUTES", default=30)  # /healthz fails after this
# How long the mail server may take to answer the end of the data: RFC 5321 §4.5.3.2.6 gives it 10 minutes.
NOTIFY_SMTP_FINAL_DOT_SECONDS = env.int("NOTIFY_SMTP_FINAL_DOT_SECONDS", default=10 * 60)
# A worker's claim on the outbox row it is sending: longer than a whole SMTP conversation; a row still claimed
# after it is in doubt and sent again (same Message-ID).
NOTIFY_CLAIM_LEASE_SECONDS = env.int("NOTIFY_CLAIM_LEASE_SECONDS", default=15 * 60)
# A delivery run takes no new e-mail after this long (the rest goes in the next run, a minute later), so that a slow
# mail server does not hold up the jobs after it (the embedded scheduler runs them one after the other).
NOTIFY_DELIVERY_BUDGET_SECONDS = env.int("NOTIFY_DELIVERY_BUDGET_SECONDS", default=45)

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Transfers of membership: the member reports to the receiving organisation within this many days (a local policy).
MEMBERSHIP_TRANSFER_REPORT_DAYS = env.int("MEMBERSHIP_TRANSFER_REPORT_DAYS", default=30)

# Membership lifecycle: a record entered more than this many days after the decision is marked "after the fact".
LIFECYCLE_AFTER_THE_FACT_DAYS = env.int("LIFECYCLE_AFTER_THE_FACT_DAYS", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
