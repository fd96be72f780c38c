from django.db import models
from django.utils.translation import gettext_lazy as _

TARGET = "target"  # the weight row of the sheet total (the target score), beside the result components


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a new version")


class Mode(models.TextChoices):
    DEDUCT = "deduct", _("Deduct per event")
    GRADED = "graded", _("Graded award")
    BONUS = "bonus", _("Bonus per event, capped")
    VETO = "veto", _("Veto (caps the grade)")
    MULTIPLIER = "multiplier", _("Deduction from another source × factor")
    DATA = "data", _("Scored from data")


class CheckMethod(models.TextChoices):
    RECORDS = "records", _("Review of records (查阅资料)")
    SITE = "site", _("On-site inspection (实地查看)")
    INTERVIEW = "interview", _("Interviews and visits (座谈走访)")
    SAMPLE = "sample", _("Spot check of N (抽查)")


class SheetStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    REVIEWED = "reviewed", _("Reviewed")
    FINAL = "final", _("Final")


class EventKind(models.TextChoices):
    SAVED = "saved", _("Draft saved")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    HALF_YEAR = "half_year", _("Half-year check")
    RESULT = "result", _("Year-end result")
    REOPENED = "reopened", _("Reopened")
    MOVED = "moved", _("Moved to a new version of the scheme")


class SnapshotKind(models.TextChoices):
    HALF_YEAR = "half_year", _("Half-year check")
    YEAR_END = "year_end", _("Year-end result")
