from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Education, Gender, LeftHow, Occupation, PenaltyKind, PoliticalStatus

# Fields only the branch secretary, the organisation committee member and the approving committee may see.
SENSITIVE_FIELDS = ("id_number", "home_address")


class Person(models.Model):
    """A person known to the organisation: member, applicant or non-member staff; may or may not log in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    node = models.ForeignKey(
        "organisations.OrgNode",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    name = models.CharField(_("name"), max_length=60, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    work_unit = models.CharField(_("department"), max_length=120, blank=True)
    job_title = models.CharField(_("position"), max_length=60, blank=True)
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    political_status = models.CharField(
        _("political status"),
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
        db_index=True,
    )
    joined_on = models.DateField(_("admitted as probationary member on"), null=True, blank=True)
    full_member_on = models.DateField(_("full member since"), null=True, blank=True)
    is_active = models.BooleanField(
        _("on the roll"), default=True, help_text=_("Off the roll after a transfer out, leaving or death.")
    )
    left_on = models.DateField(_("left the roll on"), null=True, blank=True)
    left_how = models.CharField(_("how the person left"), max_length=20, choices=LeftHow.choices, blank=True)
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    home_address = models.CharField(_("home address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Sensitive fields stay out of the version history; the audit log notes that they changed.
    history = HistoricalRecords(excluded_fields=["created_at", "id_number", "home_address"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["node", "political_status"], name="person_node_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="person_unique_id_number",
                violation_error_message=_("Another person already has this ID card number."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_member(self) -> bool:
        return self.political_status in (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL)


class FamilyMember(models.Model):
    """A family member or major social relation (sensitive: used in the political review)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(_("relation"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    political_status = models.CharField(_("political status"), max_length=40, blank=True)
    work_unit = models.CharField(_("work unit and position"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["person", "id"]

    def __str__(self):
        return f"{self.relation} {self.name}"


class Penalty(models.Model):
    """A Party disciplinary penalty in effect for a period (it bars sponsorship; 留党察看 also removes the vote)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="penalties")
    kind = models.CharField(_("penalty"), max_length=30, choices=PenaltyKind.choices)
    effective_from = models.DateField(_("in effect from"))
    effective_until = models.DateField(_("in effect until"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["person", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="penalty_period_ordered",
                violation_error_message=_("A penalty cannot end before it takes effect."),
            )
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()}"

    def in_effect_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)
