from django.contrib import admin
from django.db.models import Q

from apps.organisations.choices import VIEW_AUDIT
from apps.organisations.permissions import has_any_scope, path_q, scope_paths

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only, filterable; staff see entries of their subtree (entries about no node: administrators only)."""

    list_display = ["at", "actor_repr", "action", "target_repr", "node", "ip_address"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_repr", "target_repr", "action", "target_id"]
    date_hierarchy = "at"
    list_select_related = ["node"]
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        paths = scope_paths(request.user, VIEW_AUDIT)
        if paths is None:
            return qs
        return qs.filter(path_q(paths, "node__path") if paths else Q(pk__in=[]))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, VIEW_AUDIT)

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
