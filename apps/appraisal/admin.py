"""The secret ballots in the admin: their definitions and states, read-only (they are run on the portal through the
services). No counter, no voter row and no vote is registered here: the portal shows the counts, above the fewest
voters only. The appraisal policy: administrators change it through the service; every staff member reads it."""

from django.contrib import admin

from apps.organisations.admin_scope import FORM_FIELDS, ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import has_any_scope

from .models import Appraisal, AppraisalPolicy, Report, Survey
from .services import POLICY_FIELDS, policy_save


@admin.register(AppraisalPolicy)
class AppraisalPolicyAdmin(admin.ModelAdmin):
    formfield_overrides = FORM_FIELDS
    list_display = ["__str__", "min_voters", "excellent_numerator", "excellent_denominator", "report_good"]
    fields = POLICY_FIELDS

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Through the service: validated again, locked, audited old → new."""
        values = {name: form.cleaned_data[name] for name in (form.changed_data if change else POLICY_FIELDS)}
        current = AppraisalPolicy.objects.get(pk=obj.pk) if change else None
        obj.pk = policy_save(actor=request.user, policy=current, values=values).pk


class _ReadOnly(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "node__path"
    list_filter = ["state", ScopedNodeFilter, "year"]
    list_select_related = ["node"]

    def has_add_permission(self, request):
        return False  # opened on the portal (Appraisal and surveys)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appraisal)
class AppraisalAdmin(_ReadOnly):
    list_display = ["node", "year", "held_on", "opens_on", "closes_on", "state", "paper_returned"]
    fields = ["node", "year", "held_on", "opens_on", "closes_on", "state", "meeting", "paper_handed_out",
              "paper_returned", "notice"]  # fmt: skip
    readonly_fields = fields


@admin.register(Survey)
class SurveyAdmin(_ReadOnly):
    list_display = ["title", "node", "year", "audience", "opens_on", "closes_on", "state"]
    fields = ["title", "node", "year", "audience", "opens_on", "closes_on", "state", "paper_handed_out",
              "paper_returned"]  # fmt: skip
    readonly_fields = fields
    search_fields = ["title"]


@admin.register(Report)
class ReportAdmin(_ReadOnly):
    list_display = ["node", "year", "reporter", "held_on", "opens_on", "closes_on", "state"]
    list_select_related = ["node", "reporter"]
    fields = ["node", "year", "reporter", "held_on", "opens_on", "closes_on", "state", "summary", "paper_handed_out",
              "paper_returned"]  # fmt: skip
    readonly_fields = fields
