from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One append-only record of a state change or a security event: who, what, old → new, when."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # The log outlives what it names: no cascade, no SET NULL (that would be an UPDATE of the log).
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_repr = models.CharField(_("actor name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType,
        verbose_name=_("target type"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    # The organisation node the change belongs to: scopes who may read the entry.
    node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit entries are append-only.")


class DeniedAccess(models.Model):
    """How often one user was denied one kind of page (its URL pattern) in one hour: the first denial is an entry of
    the log (``entry``), the repeats only count here, so that a probe cannot fill the append-only log."""

    entry = models.OneToOneField(
        AuditEntry,
        verbose_name=_("audit entry"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="denials",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    pattern = models.CharField(_("page"), max_length=300)
    hour = models.DateTimeField(_("hour"))
    count = models.PositiveIntegerField(_("times"), default=1)
    last_at = models.DateTimeField(_("last time"))

    class Meta:
        verbose_name = _("denied access")
        verbose_name_plural = _("denied accesses")
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "pattern", "hour"],
                name="audit_denied_once_per_hour",
                violation_error_message=_("This denial is already counted for that hour."),
            ),
        ]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H:00} {self.pattern} ×{self.count}"
