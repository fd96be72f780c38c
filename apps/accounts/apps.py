from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPAppConfig


class AccountsConfig(AppConfig):
    # the app's own configuration, although this module holds others (for third-party apps, below)
    default = True
    name = "apps.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import receivers  # noqa: F401


class _TranslatedNames:
    """A third-party app under names of the project's catalogue, for its section of the admin: django-axes has no
    zh-Hans catalogue and django-otp's model names are not translatable at all. Only the displayed names change
    (``_meta.original_attrs``, which migrations read, stays as the package has it)."""

    default = False  # named in INSTALLED_APPS, never picked for apps.accounts itself
    model_names: dict = {}

    def ready(self):
        super().ready()
        for model in self.get_models():
            if model.__name__ in self.model_names:
                model._meta.verbose_name, model._meta.verbose_name_plural = self.model_names[model.__name__]


class AxesConfig(_TranslatedNames, AxesAppConfig):
    verbose_name = _("Sign-in throttling")
    model_names = {
        "AccessAttempt": (_("sign-in attempt"), _("sign-in attempts")),
        "AccessAttemptExpiration": (_("sign-in attempt expiry"), _("sign-in attempt expiries")),
        "AccessFailureLog": (_("failed sign-in"), _("failed sign-ins")),
        "AccessLog": (_("sign-in record"), _("sign-in records")),
    }


class TOTPConfig(_TranslatedNames, OTPTOTPAppConfig):
    verbose_name = _("Two-factor sign-in: authenticator apps")
    model_names = {"TOTPDevice": (_("authenticator app"), _("authenticator apps"))}


class StaticConfig(_TranslatedNames, OTPStaticAppConfig):
    verbose_name = _("Two-factor sign-in: backup codes")
    model_names = {
        "StaticDevice": (_("backup code list"), _("backup code lists")),
        "StaticToken": (_("backup code"), _("backup codes")),
    }
