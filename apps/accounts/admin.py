from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from apps.organisations.admin_scope import PermissionLabelsMixin

from .models import User

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabelsMixin, DjangoGroupAdmin):
    """Django's groups, with the permissions named in the user's language."""


@admin.register(User)
class UserAdmin(PermissionLabelsMixin, DjangoUserAdmin):
    """Logins are administered by administrators; access itself comes from posts on the tree."""

    fieldsets = [*DjangoUserAdmin.fieldsets, (None, {"fields": ["language"]})]
    list_display = ["username", "email", "is_staff", "is_active", "last_login", "language"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_change_permission = has_add_permission = has_view_permission
    has_delete_permission = has_view_permission
