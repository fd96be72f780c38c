from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    LIFECYCLE = "lifecycle", _("Publicity in the membership development")


class Notice(models.Model):
    """A publicity notice (公示) with a window enforced by the server. The membership development opens one for each
    step its rule set marks; the disclosure boards build on the same record."""

    node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("issuing organisation"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.LIFECYCLE)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    case = models.ForeignKey(
        "lifecycle.DevelopmentCase",
        verbose_name=_("development case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    step = models.CharField(_("publicity step"), max_length=40, blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    provisional = models.BooleanField(
        _("provisional end"), default=False, help_text=_("The end date falls in a year without a holiday calendar.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("publicity notice")
        verbose_name_plural = _("publicity notices")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="notice_window_ordered"),
            models.UniqueConstraint(
                fields=["case", "step"], condition=Q(case__isnull=False), name="notice_once_per_case_step"
            ),
        ]

    def __str__(self):
        return self.title

    def is_open_on(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")


class Outcome(models.TextChoices):
    UNFOUNDED = "unfounded", _("Unfounded")
    FOUNDED_STOP = "founded_stop", _("Founded: stop")
    FOUNDED_HOLD = "founded_hold", _("Founded: hold")
    FOUNDED_RECTIFY = "founded_rectify", _("Founded: rectify")


BLOCKING_OUTCOMES = (Outcome.FOUNDED_STOP, Outcome.FOUNDED_HOLD)


class Objection(models.Model):
    """An objection to a notice; the reporter's identity is for the handlers only."""

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections")
    reporter = models.ForeignKey(
        "people.Person",
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections_made",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("content"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["notice", "received_on", "id"]

    def __str__(self):
        return _("Objection of %(date)s") % {"date": self.received_on}

    @property
    def is_open(self) -> bool:
        return not self.outcome
