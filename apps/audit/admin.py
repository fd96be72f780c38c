from django.contrib import admin

from apps.organisations.admin_scope import ScopedAdminMixin
from apps.organisations.choices import VIEW_AUDIT

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only and filterable. Staff read the entries of their subtree; entries about no organisation
    (sign-ins, system jobs) only administrators."""

    view_perm = change_perm = VIEW_AUDIT
    list_display = ["at", "actor_repr", "action", "target_repr", "node", "ip_address"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_repr", "target_repr", "action", "target_id"]
    date_hierarchy = "at"
    list_select_related = ["node"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
