from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Permission
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

from .choices import NODE_PERMISSIONS, NodeKind


class OrgNode(MP_Node):
    """A Party organisation: base committee, general branch, branch or party group, in one tree."""

    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    code = models.CharField(_("organisation code"), max_length=32, unique=True, null=True, blank=True)
    unit_name = models.CharField(_("work unit"), max_length=120, blank=True)
    is_village_or_community = models.BooleanField(
        _("village or community organisation"),
        default=False,
        help_text=_("Village and community organisations have longer committee terms."),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = NODE_PERMISSIONS

    def __str__(self):
        return self.name

    @property
    def level(self) -> int:
        return self.depth


class OrgNodeUserObjectPermission(UserObjectPermissionBase):
    """A user's object permission on an organisation node (a direct foreign key, as guardian advises)."""

    content_object = models.ForeignKey(OrgNode, on_delete=models.CASCADE, verbose_name=_("organisation"))

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("organisation permission")
        verbose_name_plural = _("organisation permissions")


class OrgPolicy(models.Model):
    """Numbers of the branch work regulations (2018) for one base committee; a clerk may change them."""

    committee = models.OneToOneField(
        OrgNode,
        verbose_name=_("base committee"),
        on_delete=models.CASCADE,
        related_name="policy",
        limit_choices_to={"kind": NodeKind.COMMITTEE},
    )
    min_full_members = models.PositiveSmallIntegerField(_("minimum full members of a branch"), default=3)
    committee_threshold = models.PositiveSmallIntegerField(
        _("full members from which a branch elects a committee"), default=7
    )
    committee_min = models.PositiveSmallIntegerField(_("smallest branch committee"), default=3)
    committee_max = models.PositiveSmallIntegerField(_("usual largest branch committee"), default=5)
    committee_hard_max = models.PositiveSmallIntegerField(_("largest branch committee"), default=7)
    general_branch_threshold = models.PositiveSmallIntegerField(
        _("members above which a branch may become a general branch"), default=50
    )
    term_years_committee = models.PositiveSmallIntegerField(_("term of a base committee (years)"), default=5)
    term_years_branch = models.PositiveSmallIntegerField(
        _("term of a general branch or branch committee (years)"), default=3
    )
    term_years_village = models.PositiveSmallIntegerField(
        _("term of a village or community organisation (years)"), default=5
    )
    term_max_shift_months = models.PositiveSmallIntegerField(
        _("largest approved move of an election (months)"), default=12, validators=[MaxValueValidator(24)]
    )
    term_warning_days = models.PositiveSmallIntegerField(_("warn this many days before a term ends"), default=90)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation policy")
        verbose_name_plural = _("organisation policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(committee_min__lte=models.F("committee_max"))
                & Q(committee_max__lte=models.F("committee_hard_max")),
                name="orgpolicy_committee_sizes_ordered",
                violation_error_message=_(
                    "The branch committee sizes must be in order: the smallest no larger than the usual largest, "
                    "and the usual largest no larger than the largest."
                ),
            )
        ]

    def __str__(self):
        return str(self.committee)

    def term_years_for(self, node: OrgNode) -> int:
        if node.is_village_or_community:
            return self.term_years_village
        if node.kind == NodeKind.COMMITTEE:
            return self.term_years_committee
        return self.term_years_branch


class Role(models.Model):
    """A set of object permissions that a post confers on its node's subtree (data, editable by staff)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    permissions = models.ManyToManyField(
        Permission,
        verbose_name=_("permissions"),
        blank=True,
        limit_choices_to={"content_type__app_label": "organisations", "content_type__model": "orgnode"},
    )
    admin_access = models.BooleanField(_("may use the administration site"), default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self):
        return self.name


class PostTitle(models.Model):
    """A post a person can hold on an organisation (书记, 组织委员, 组织员, …) and the role it confers."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="titles")
    is_committee_member = models.BooleanField(
        _("member of the committee"), default=True, help_text=_("Counts towards the size of the committee.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("post title")
        verbose_name_plural = _("post titles")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Term(models.Model):
    """One elected term (届) of a committee; the expiry comes from the organisation policy."""

    node = models.ForeignKey(OrgNode, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("term number"), validators=[MinValueValidator(1)])
    elected_on = models.DateField(_("elected on"))
    term_years = models.PositiveSmallIntegerField(_("term length (years)"))
    shift_months = models.SmallIntegerField(
        _("approved move of the next election (months)"),
        default=0,
        help_text=_("Positive to postpone, negative to advance; needs the higher committee's approval."),
    )
    shift_approval = models.CharField(_("approval of the move"), max_length=200, blank=True)
    expires_on = models.DateField(_("term ends on"), editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee term")
        verbose_name_plural = _("committee terms")
        ordering = ["node", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "number"],
                name="term_unique_number",
                violation_error_message=_("This organisation already has a term with this number."),
            ),
            models.UniqueConstraint(
                fields=["node"],
                condition=Q(closed_on__isnull=True),
                name="term_one_open",
                violation_error_message=_(
                    "This organisation's current term is still open: close it before the next one is opened."
                ),
            ),
        ]

    def __str__(self):
        return _("%(node)s, term %(number)s") % {"node": self.node, "number": self.number}

    def compute_expiry(self):
        return self.elected_on + relativedelta(years=self.term_years, months=self.shift_months)


class Post(models.Model):
    """A person holding a post on an organisation for a period."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="posts"
    )
    node = models.ForeignKey(OrgNode, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="posts")
    title = models.ForeignKey(PostTitle, verbose_name=_("post"), on_delete=models.PROTECT, related_name="posts")
    term = models.ForeignKey(
        Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["node", "title__order", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_period_ordered",
                violation_error_message=_("A post cannot end before it started."),
            ),
            models.UniqueConstraint(
                fields=["person", "node", "title"],
                condition=Q(ended_on__isnull=True),
                name="post_one_open_per_title",
                violation_error_message=_("This person already holds this post in this organisation."),
            ),
        ]

    def __str__(self):
        return f"{self.node} · {self.title} · {self.person}"


def policy_defaults() -> dict:
    """The policy values of a committee that has no row yet (the model's defaults)."""
    return {f.name: f.default for f in OrgPolicy._meta.concrete_fields if f.name not in ("id", "committee")}
