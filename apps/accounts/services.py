"""Second-factor devices and language preference."""

from __future__ import annotations

import secrets

from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import audit_record

BACKUP_CODES = 10


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (one, reused until confirmed)."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "authenticator"})
    return device


@transaction.atomic
def totp_confirm(*, request, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a new authenticator with a first code; returns fresh backup codes, or None if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(token):
        audit_record(actor=user, action="auth.otp_failed", target=user, request=request)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    static, _created = StaticDevice.objects.get_or_create(user=user, name="backup")
    static.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    otp_login(request, device)
    audit_record(actor=user, action="auth.otp_enrolled", target=user, request=request)
    return codes


def otp_verify(*, request, user, token: str) -> bool:
    """Check a code against the user's confirmed devices (each device throttles repeated failures)."""
    from django_otp import devices_for_user

    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            otp_login(request, device)
            audit_record(actor=user, action="auth.otp_verified", target=user, request=request)
            return True
    audit_record(actor=user, action="auth.otp_failed", target=user, request=request)
    return False


def user_has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def user_password_change(*, request, user, new_password: str) -> None:
    """Set a new password (already validated by the form) and log it; other sessions of the user end with it."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="auth.password_changed", target=user, request=request)


def user_set_language(*, user, language: str) -> None:
    if user.language != language:
        old = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit_record(actor=user, action="account.language", target=user, changes={"language": [old, language]})
