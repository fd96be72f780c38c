"""Sign-in events go to the audit log; changed users and devices leave the cache."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import audit_record

from .backends import user_cache_key
from .middleware import LOGIN_AT_KEY, device_cache_key


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = time.time()
    audit_record(actor=user, action="auth.login", target=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor=None, action="auth.login_failed", target_repr=username, request=request)


@receiver([post_save, post_delete], sender=get_user_model())
def _forget_cached_user(sender, instance, **kwargs):
    cache.delete(user_cache_key(instance.pk))


@receiver([post_save, post_delete], sender=TOTPDevice)
@receiver([post_save, post_delete], sender=StaticDevice)
def _forget_cached_device(sender, instance, **kwargs):
    cache.delete(device_cache_key(instance.persistent_id))
