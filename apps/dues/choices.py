"""The categories of members for dues, the ways of paying, the states of a declaration and of a relief, the uses
of dues — as data (中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》, 2008)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    EMPLOYED = "employed", _("Employed (monthly after-tax income)")
    RETIRED = "retired", _("Retired (monthly pension)")
    FARMER = "farmer", _("Farmer (a fixed amount)")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Without work")
    RELIEF = "relief", _("Living on relief or a minimum allowance")


# Whose amount is a rate of their income; the others pay a fixed amount of the policy (or, farmers, of their choice).
INCOME_CATEGORIES = (Category.EMPLOYED, Category.RETIRED)
FIXED_CATEGORIES = (Category.STUDENT, Category.UNEMPLOYED, Category.RELIEF)


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    ONLINE = "online", _("Online payment")
    PAYROLL = "payroll", _("Deducted from pay")


class LineKind(models.TextChoices):
    """A line of a ledger is what it says it is; a mistake is answered by a correction line, never by an edit."""

    ENTRY = "entry", _("Entry")
    CORRECTION = "correction", _("Correction")


class BaseState(models.TextChoices):
    DECLARED = "declared", _("Declared, waiting for the branch")
    CONFIRMED = "confirmed", _("Confirmed by the branch")
    RETURNED = "returned", _("Returned to the member")
    SUPERSEDED = "superseded", _("Replaced by a later declaration")


class BaseSource(models.TextChoices):
    MEMBER = "member", _("Declared by the member")
    BRANCH = "branch", _("Entered by the branch")
    IMPORT = "import", _("Imported from a payroll workbook")


class ReliefKind(models.TextChoices):
    EXEMPT = "exempt", _("Exemption")
    REDUCED = "reduced", _("Reduction")


class ReliefState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the branch")
    APPROVED = "approved", _("Approved by the committee")
    REFUSED = "refused", _("Refused by the committee")


class Purpose(models.TextChoices):
    """What the committee may spend dues on (规定 第十八条)."""

    EDUCATION = "education", _("Education and training of members")
    GRASSROOTS = "grassroots", _("Building of grassroots organisations")
    HARDSHIP = "hardship", _("Help for members in difficulty")
    HONOURS = "honours", _("Honours for members and organisations")
    OTHER = "other", _("Other approved use")
