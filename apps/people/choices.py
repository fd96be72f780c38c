from django.db import models
from django.utils.translation import gettext_lazy as _


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", _("Non-member")
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Development candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


MEMBER_STATUSES = (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL)
PIPELINE_STATUSES = (PoliticalStatus.APPLICANT, PoliticalStatus.ACTIVIST, PoliticalStatus.CANDIDATE)


class Gender(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class Education(models.TextChoices):
    SECONDARY = "secondary", _("Secondary school or below")
    COLLEGE = "college", _("College")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctorate")


class Occupation(models.TextChoices):
    """The national register's occupation groups (党员职业), as the annual statistics count them."""

    WORKER = "worker", _("Worker")
    FARMER = "farmer", _("Farmer, herdsman or fisherman")
    ENTERPRISE = "enterprise", _("Staff of an enterprise or public institution")
    PROFESSIONAL = "professional", _("Professional or technical staff")
    CIVIL_SERVANT = "civil_servant", _("Staff of a Party or state organ")
    STUDENT = "student", _("Student")
    MILITARY = "military", _("Serviceman or armed police")
    RETIRED = "retired", _("Retired")
    OTHER = "other", _("Other occupation")


class LeftHow(models.TextChoices):
    """How a person left the roll (出党方式 and the other ways off the roll)."""

    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    WITHDREW = "withdrew", _("Withdrew from the Party")
    REMOVED = "removed", _("Removed from the Party")
    EXPELLED = "expelled", _("Expelled from the Party")
    PROBATION_CANCELLED = "probation_cancelled", _("Probationary membership cancelled")
    DECEASED = "deceased", _("Deceased")


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    SERIOUS_WARNING = "serious_warning", _("Serious warning")
    REMOVAL_FROM_POST = "removal_from_post", _("Removal from Party post")
    PROBATION_IN_PARTY = "probation_in_party", _("Probation within the Party")


# Under these a member is "not suitable" as a sponsor (2026 rules §14); under probation within the Party a member
# may not be a sponsor at all and has no vote.
PENALTIES_UNSUITABLE_SPONSOR = (
    PenaltyKind.WARNING,
    PenaltyKind.SERIOUS_WARNING,
    PenaltyKind.REMOVAL_FROM_POST,
    PenaltyKind.PROBATION_IN_PARTY,
)
PENALTIES_WITHOUT_VOTE = (PenaltyKind.PROBATION_IN_PARTY,)
