"""Organisational life in the admin: meetings filterable by kind, organisation, period, recorded after the fact and
minutes missing (read here; recorded on the portal through the services); the committee's policy (frequencies and
study hours, never looser than the national rules); the organisations' compliance with a list filter."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.organisations.admin import ServiceSaveMixin
from apps.organisations.admin_scope import CheckedListFilter, ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import MANAGE_ORG, NodeKind

from .choices import COMPLIANCE_KINDS, KIND_BY_CODE, KIND_CHOICES, MeetingStatus, Period
from .models import LifePolicy, Meeting, OrganisationCompliance
from .selectors import COMPLIANCE_NODES, compliance_reports, kind_labels
from .services import policy_problems, policy_save


class KindFilter(CheckedListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return KIND_CHOICES

    def queryset(self, request, queryset):
        return queryset.filter(purposes__kind=self.value()) if self.value() else queryset


class PeriodFilter(CheckedListFilter):
    title = _("period")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        return [("month", _("This month")), ("quarter", _("This quarter")), ("year", _("This year")),
                ("last_year", _("Last year"))]  # fmt: skip

    def queryset(self, request, queryset):
        today = timezone.localdate()
        start = {
            "month": today.replace(day=1),
            "quarter": datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1),
            "year": datetime.date(today.year, 1, 1),
            "last_year": datetime.date(today.year - 1, 1, 1),
        }.get(self.value())
        if start is None:
            return queryset
        if self.value() == "last_year":
            return queryset.filter(held_on__year=today.year - 1)
        return queryset.filter(held_on__gte=start, held_on__lte=today)


class MinutesMissingFilter(CheckedListFilter):
    title = _("minutes")
    parameter_name = "minutes"

    def lookups(self, request, model_admin):
        return [("missing", _("Held, minutes missing")), ("entered", _("Minutes entered"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(status=MeetingStatus.HELD, minutes="")
        if self.value() == "entered":
            return queryset.exclude(minutes="")
        return queryset


@admin.register(Meeting)
class MeetingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Meetings of the user's subtree: recorded on the portal (notice, attendance, minutes), read here."""

    list_display = ["held_on", "topic", "node", "kinds", "status", "backfilled", "has_minutes"]
    list_filter = [KindFilter, ScopedNodeFilter, PeriodFilter, "status", "backfilled", MinutesMissingFilter]
    list_select_related = ["node"]
    search_fields = ["topic", "node__name"]
    date_hierarchy = "held_on"
    ordering = ["-held_on", "-id"]
    exclude = ["documents", "minutes"]
    readonly_fields = ["portal_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("purposes")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kinds"))
    def kinds(self, obj):
        return kind_labels(p.kind for p in obj.purposes.all())

    @admin.display(description=_("minutes"), boolean=True)
    def has_minutes(self, obj):
        return bool(obj.minutes)

    @admin.display(description=_("on the portal"))
    def portal_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("orglife:meeting", args=[obj.pk]), _("Open the meeting"))


def _frequency_help(kind: str) -> str:
    rule = KIND_BY_CODE[kind]
    return gettext("Default: %(default)s; the national rule: at least %(floor)s (%(source)s).") % {
        "default": Period(rule.default).label,
        "floor": Period(rule.floor).label,
        "source": rule.source,
    }


def _frequency_field(kind: str) -> forms.ChoiceField:
    rule = KIND_BY_CODE[kind]
    return forms.ChoiceField(
        label=rule.label, choices=Period.choices, initial=rule.default, help_text=lazy(_frequency_help, str)(kind)
    )


class _LifePolicyForm(forms.ModelForm):
    """The policy with one frequency per kind; every reason ``policy_problems`` finds is shown on its field."""

    class Meta:
        model = LifePolicy
        fields = ["committee", "member_hours", "leader_hours", "self_study_counts", "backfill_days", "minutes_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, period in (self.instance.frequencies or {}).items():
            if f"freq_{kind}" in self.fields:
                self.initial[f"freq_{kind}"] = period

    def values(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in self.Meta.fields[1:] if name in data}
        values["frequencies"] = {k: data[f"freq_{k}"] for k in COMPLIANCE_KINDS if f"freq_{k}" in data}
        return values

    def clean(self):
        data = super().clean()
        for name, reason in policy_problems(values=self.values()):
            field = f"freq_{name}" if f"freq_{name}" in self.fields else name
            self.add_error(field if field in self.fields else None, reason)
        return data


# one declared field per kind with a frequency (declared, so that the admin's field list accepts them)
LifePolicyForm = type(
    "LifePolicyForm", (_LifePolicyForm,), {f"freq_{kind}": _frequency_field(kind) for kind in COMPLIANCE_KINDS}
)


@admin.register(LifePolicy)
class LifePolicyAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "committee__path"
    change_perm = MANAGE_ORG
    form = LifePolicyForm
    list_display = ["committee", "member_hours", "leader_hours", "self_study_counts", "backfill_days", "minutes_days"]
    list_select_related = ["committee"]

    def get_readonly_fields(self, request, obj=None):
        return ["committee"] if obj is not None else []

    def get_fields(self, request, obj=None):
        return [*_LifePolicyForm.Meta.fields, *(f"freq_{k}" for k in COMPLIANCE_KINDS)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "committee":
            field.queryset = field.queryset.filter(kind=NodeKind.COMMITTEE, orglife_policy__isnull=True)
        return field

    def save_via_service(self, request, obj, form, change):
        committee = obj.committee if change else form.cleaned_data["committee"]
        values = form.values()
        if change:
            values.pop("committee", None)
        obj.pk = policy_save(actor=request.user, committee=committee, values=values).pk


class ComplianceFilter(CheckedListFilter):
    """Organisations by their compliance in the running year, computed as on the pages."""

    title = _("compliance this year")
    parameter_name = "compliance"

    def lookups(self, request, model_admin):
        return [("missing", _("Meetings missing")), ("compliant", _("Nothing missing"))] + [
            (f"missing:{k}", _("Missing: %(kind)s") % {"kind": KIND_BY_CODE[k].label}) for k in COMPLIANCE_KINDS
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        reports = _reports(request, queryset)
        value = self.value()
        if value == "compliant":
            wanted = [pk for pk, r in reports.items() if r.compliant]
        elif value == "missing":
            wanted = [pk for pk, r in reports.items() if not r.compliant]
        else:
            kind = value.removeprefix("missing:")
            wanted = [pk for pk, r in reports.items() if any(k.kind == kind and k.missing for k in r.kinds)]
        return queryset.filter(pk__in=wanted)


def _reports(request, queryset):
    """The compliance of the organisations listed, computed once per request."""
    cached = getattr(request, "_orglife_reports", None)
    if cached is None:
        today = timezone.localdate()
        cached = compliance_reports(nodes=list(queryset), year=today.year, as_of=today)
        request._orglife_reports = cached
    return cached


@admin.register(OrganisationCompliance)
class OrganisationComplianceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "path"
    list_filter = [ComplianceFilter, "kind"]
    search_fields = ["name"]
    ordering = ["path"]
    fields = ["name", "kind", "established_on", "compliance"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind__in=COMPLIANCE_NODES, is_active=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_list_display(self, request):
        """The compliance columns read the reports computed once for this request's list."""

        def report(obj):
            return _reports(request, self.get_queryset(request)).get(obj.pk)

        @admin.display(description=_("nothing missing"), boolean=True)
        def compliant(obj):
            found = report(obj)
            return found.compliant if found else None

        @admin.display(description=_("missing"))
        def missing(obj):
            found = report(obj)
            return "; ".join(f"{k.label}: {', '.join(k.missing)}" for k in found.kinds if k.missing) if found else ""

        return ["indented_name", "kind", compliant, missing]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "\u2003" * (obj.depth - 1) + obj.name

    @admin.display(description=_("compliance"))
    def compliance(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("orglife:node_year", args=[obj.pk]), _("Open its year"))
