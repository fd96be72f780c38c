"""The grades of a democratic appraisal and of a 述职评议, the states of a ballot, the audiences of a survey and the
states of the committee's review — as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """民主评议党员: the grade the branch meeting fixes, and the grades a ballot gives."""

    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASIC = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


# Grades the base committee reviews and that lead to a follow-up with a deadline (限期改正).
REVIEWED_GRADES = (Grade.BASIC, Grade.UNQUALIFIED)


class ReportGrade(models.TextChoices):
    """述职评议: how the attendees grade the secretary's report."""

    GOOD = "good", _("Good")
    FAIRLY_GOOD = "fairly_good", _("Fairly good")
    AVERAGE = "average", _("Average")
    POOR = "poor", _("Poor")


class BallotState(models.TextChoices):
    OPEN = "open", _("Open for votes")
    CLOSED = "closed", _("Closed")
    FIXED = "fixed", _("Grades fixed")


class Audience(models.TextChoices):
    MEMBERS = "members", _("Members of the organisation, on the portal")
    STAFF = "staff", _("Everyone of the unit, members or not, on the portal")
    PAPER = "paper", _("Paper questionnaires only (counts entered by staff)")


class ReviewState(models.TextChoices):
    NONE = "", _("Not reviewed by the committee")
    REPORTED = "reported", _("Reported to the base committee")
    REVIEWED = "reviewed", _("Reviewed by the base committee")


# Options of a new survey: label and weight (None: not counted). Edited per survey.
DEFAULT_OPTIONS = (("满意", 100), ("基本满意", 75), ("不满意", 55), ("不了解", None))
