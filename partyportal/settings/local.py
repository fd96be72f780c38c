"""Settings for a developer's machine: the embedded default (SQLite, in-process tasks) unless env says otherwise."""

from .base import *  # noqa: F403
from .base import env

# What a small committee really runs: DEBUG off (no URL list on a 404, no traceback on a 500) unless DJANGO_DEBUG=1.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Static files come from WhiteNoise, out of the apps' and the project's static directories (no collectstatic), with
# DEBUG on or off; runserver's own static handler is off (bin/serve: --nostatic).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - WhiteNoise reads it too (empty here; collectstatic fills it in production)
# The demo accounts have no authenticator app yet; set TWO_FACTOR_REQUIRED=1 to try two-factor sign-in locally.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)

VAR_DIR.mkdir(exist_ok=True)  # noqa: F405 - SQLite database and private uploads live here

# E-mail of the embedded default: one file per message under var/mail/ (set EMAIL_BACKEND to change it).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # noqa: F405

# Links in e-mails and the calendar feed point to where `make run` serves (bin/serve exports HOST and PORT), unless
# SITE_URL names the address users reach.
_HOST = env("HOST", default="127.0.0.1")
SITE_URL = env(
    "SITE_URL",
    default=f"http://{'127.0.0.1' if _HOST in ('', '0.0.0.0', '::') else _HOST}:{env.int('PORT', default=8000)}",
)
