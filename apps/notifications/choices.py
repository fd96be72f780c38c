from django.db import models
from django.utils.translation import gettext_lazy as _


class RecipientRole(models.TextChoices):
    SUBJECT = "subject", _("The person concerned")
    CONTACTS = "contacts", _("Their training contacts and sponsors")
    SECRETARY = "secretary", _("The branch secretary")
    ORGANISER = "organiser", _("The branch organisation member")
    COMMITTEE_STAFF = "committee_staff", _("The committee's organisation staff")


# Whose reminders go out one by one unless they choose otherwise; officials get a daily digest by default.
IMMEDIATE_BY_DEFAULT = {RecipientRole.SUBJECT, RecipientRole.CONTACTS}
# The role code (organisations.Role.code) of the posts behind each official recipient role.
OFFICIAL_ROLE_CODES = {
    RecipientRole.SECRETARY: "branch_secretary",
    RecipientRole.ORGANISER: "branch_organiser",
    RecipientRole.COMMITTEE_STAFF: "committee_staff",
}


class EmailState(models.TextChoices):
    NONE = "none", _("No e-mail")
    PENDING = "pending", _("Waiting to be sent")
    DIGEST = "digest", _("Waiting for the daily digest")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Not sent: no longer due")


class EmailMode(models.TextChoices):
    AUTO = "auto", _("As usual for my role (officials: daily digest)")
    IMMEDIATE = "immediate", _("Each reminder at once")
    DIGEST = "digest", _("One daily digest")


class Job(models.TextChoices):
    SWEEP = "sweep", _("Reminder sweep")
    DELIVER = "deliver", _("E-mail delivery")
