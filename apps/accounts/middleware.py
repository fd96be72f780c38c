"""Session limits, the user's language, and two-factor enforcement."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django_otp.middleware import OTPMiddleware

from apps.audit.services import audit_record
from apps.organisations.permissions import needs_two_factor

LOGIN_AT_KEY = "pp_login_at"
SEEN_AT_KEY = "pp_seen_at"


class SessionLimitMiddleware:
    """Two limits: idle (no request for SESSION_COOKIE_AGE) and absolute (SESSION_ABSOLUTE_SECONDS since sign-in).

    The session is re-saved, which renews its expiry, at most once per SESSION_ACTIVITY_RESAVE_SECONDS rather than
    on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.get(LOGIN_AT_KEY)
            seen_at = session.get(SEEN_AT_KEY, now)
            expired = (login_at is not None and now - login_at > settings.SESSION_ABSOLUTE_SECONDS) or (
                now - seen_at > settings.SESSION_COOKIE_AGE
            )
            if expired:
                audit_record(actor=user, action="auth.session_expired", target=user, request=request)
                logout(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            if login_at is None:
                session[LOGIN_AT_KEY] = now
            if SEEN_AT_KEY not in session or now - seen_at > settings.SESSION_ACTIVITY_RESAVE_SECONDS:
                session[SEEN_AT_KEY] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's; anonymous visitors get zh-Hans or the cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class TwoFactorRequiredMiddleware:
    """Users who need a second factor reach nothing but the sign-in pages until they have given one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.TWO_FACTOR_REQUIRED
            and user.is_authenticated
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and not user.is_verified()
            and needs_two_factor(user)
        ):
            return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


DEVICE_CACHE_SECONDS = 60


def device_cache_key(persistent_id: str) -> str:
    return f"otp-device:{persistent_id}"


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, with the session's verified device kept in the cache between requests.

    The cached device only answers "which confirmed device of which user verified this session"; it is dropped
    when the device is saved or deleted, and codes are always checked against the database.
    """

    def _device_from_persistent_id(self, persistent_id: str):
        key = device_cache_key(persistent_id)
        device = cache.get(key)
        if device is None:
            device = super()._device_from_persistent_id(persistent_id)
            if device is not None:
                cache.set(key, device, timeout=DEVICE_CACHE_SECONDS)
        return device
