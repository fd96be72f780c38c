"""The dues policy (administrators change it through the service; every staff member reads it) and the ledger
(read-only here: payments and corrections are recorded on the portal through the services)."""

from django.contrib import admin

from apps.organisations.admin_scope import FORM_FIELDS, ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import has_any_scope

from .models import DuesMonth, DuesPolicy, Payment
from .services import POLICY_FIELDS, policy_save


@admin.register(DuesPolicy)
class DuesPolicyAdmin(admin.ModelAdmin):
    formfield_overrides = FORM_FIELDS
    """Rate bands, fixed amounts and the numbers of arrears, by the day they take effect."""

    list_display = ["name", "effective_from", "employed_bands", "retired_bands", "fixed_amount", "flag_after_months"]
    fields = POLICY_FIELDS
    save_as = True  # a new version starts as a copy of the one in force

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # months of the ledger refer to the policy they were computed with

    def save_model(self, request, obj, form, change):
        """Through the service: validated again, locked, audited old → new."""
        values = {name: form.cleaned_data[name] for name in (form.changed_data if change else POLICY_FIELDS)}
        current = DuesPolicy.objects.get(pk=obj.pk) if change else None
        obj.pk = policy_save(actor=request.user, policy=current, values=values).pk


class CollectingNodeFilter(ScopedNodeFilter):
    path_field = "node__path"


class PaymentInline(admin.TabularInline):
    model = Payment
    fk_name = "month"
    extra = 0
    fields = [
        "kind",
        "amount",
        "paid_on",
        "method",
        "receipt",
        "late",
        "advance",
        "reason",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DuesMonth)
class DuesMonthAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "node__path"
    list_display = ["person", "month", "node", "category", "due", "paid", "exempt", "settled_on"]
    list_filter = ["exempt", CollectingNodeFilter, "category"]
    list_select_related = ["person", "node"]
    search_fields = ["person__name"]
    date_hierarchy = "month"
    fields = [
        "person",
        "month",
        "node",
        "category",
        "policy",
        "relief",
        "exempt",
        "due",
        "paid",
        "settled_on",
        "opened_on",
    ]
    readonly_fields = fields
    inlines = [PaymentInline]

    def has_add_permission(self, request):
        return False  # months are opened and paid on the portal (Party dues)

    def has_change_permission(self, request, obj=None):
        return False
