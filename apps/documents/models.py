import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _private_path(instance, filename):
    # Never the uploader's file name on disk: a random name, the original kept in the row.
    return f"documents/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Document(models.Model):
    """An uploaded file, stored privately and served only to those who may see its record."""

    node = models.ForeignKey(
        "organisations.OrgNode", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="documents"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_private_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("Only people who may see sensitive data can open it.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title
