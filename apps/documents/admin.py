from django.contrib import admin
from django.db.models import Q

from apps.organisations.admin_scope import ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import VIEW_SENSITIVE
from apps.organisations.permissions import path_q, scope_paths

from .models import Document


@admin.register(Document)
class DocumentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Listing only: files are uploaded and opened through the portal, which checks each record."""

    list_display = ["title", "person", "node", "content_type", "size", "sensitive", "uploaded_at"]
    list_filter = [ScopedNodeFilter, "sensitive"]
    list_select_related = ["person", "node"]
    search_fields = ["title", "original_name", "person__name"]
    fields = ["title", "person", "node", "original_name", "content_type", "size", "sha256", "sensitive"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        sensitive_paths = scope_paths(request.user, VIEW_SENSITIVE)
        if sensitive_paths is None:
            return qs
        return qs.filter(path_q(sensitive_paths, "node__path") | Q(sensitive=False))
