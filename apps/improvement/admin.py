"""Inspections, corrective actions and commitments in the admin: read-only, scoped to the user's organisations (they
are run on the portal through the services). The improvement policy and the commitment categories: administrators
change them; every staff member reads them."""

from django.contrib import admin

from apps.organisations.admin_scope import FORM_FIELDS, ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import has_any_scope

from .models import Commitment, CommitmentCategory, CorrectiveAction, ImprovementPolicy, Inspection
from .services import POLICY_FIELDS, policy_save


class _StaffReads(admin.ModelAdmin):
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


@admin.register(ImprovementPolicy)
class ImprovementPolicyAdmin(_StaffReads):
    formfield_overrides = FORM_FIELDS
    list_display = ["__str__", "member_min", "member_max", "organisation_min"]
    fields = POLICY_FIELDS

    def save_model(self, request, obj, form, change):
        """Through the service: validated again, locked, audited old → new."""
        values = {name: form.cleaned_data[name] for name in (form.changed_data if change else POLICY_FIELDS)}
        current = ImprovementPolicy.objects.get(pk=obj.pk) if change else None
        obj.pk = policy_save(actor=request.user, policy=current, values=values).pk


@admin.register(CommitmentCategory)
class CommitmentCategoryAdmin(_StaffReads):
    list_display = ["name", "code", "order"]
    fields = ["name", "code", "order"]


class _ReadOnly(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "node__path"
    list_select_related = ["node"]

    def has_add_permission(self, request):
        return False  # recorded on the portal (Inspections and improvement)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(_ReadOnly):
    list_display = ["title", "node", "owner", "due_on", "state", "closed_on"]
    list_filter = ["state", ScopedNodeFilter]
    list_select_related = ["node", "owner"]
    search_fields = ["title"]
    fields = ["finding", "node", "title", "owner", "due_on", "plan", "state", "opened_on", "return_reason",
              "check_note", "checked_by", "closed_on"]  # fmt: skip
    readonly_fields = fields


@admin.register(Inspection)
class InspectionAdmin(_ReadOnly):
    list_display = ["title", "node", "kind", "planned_on", "sample_size", "seed"]
    list_filter = ["kind", ScopedNodeFilter, "year"]
    fields = ["title", "node", "year", "kind", "scheme", "planned_on", "sample_size", "seed", "drawn_at"]
    readonly_fields = fields
    search_fields = ["title"]


@admin.register(Commitment)
class CommitmentAdmin(_ReadOnly):
    list_display = ["text", "node", "person", "owner", "category", "year", "state", "outcome"]
    list_filter = ["state", "outcome", ScopedNodeFilter, "year"]
    list_select_related = ["node", "person", "owner", "category"]
    fields = ["node", "year", "person", "owner", "category", "text", "deadline", "state", "return_reason",
              "outcome", "grade", "explanation", "evaluated_on"]  # fmt: skip
    readonly_fields = fields
