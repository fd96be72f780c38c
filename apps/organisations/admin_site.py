"""The admin site: Django's, with its navigation sidebar cached per user (docs/adr/0004).

Every admin page shows the sidebar's list of apps and models the user may open. Django builds that list for every
page (``each_context``: a permission check and two URL lookups per registered model) and renders it again (about
half of a changelist's bytes). Here the list is built only when a page asks for it (the index), and the sidebar is a
fragment cached per user, language and section of the admin (what it highlights), under the versions of what it is
computed from: the user's grants (``org``) and the users, groups and permissions (``admin``, watched in
``apps.py``). It holds no form and no CSRF token.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

NAV_DATA = ("org", "admin")


def _section(path: str) -> str:
    """The part of the path the sidebar's highlight depends on: ``/admin/<app>/<model>`` (the app list and the
    model list mark the entries whose URL the path contains)."""
    return "/".join(path.split("/")[:4])


def nav_sidebar_key(request) -> str:
    from .overview_cache import fragment_key

    user = getattr(request, "user", None)
    return fragment_key("admin-nav", NAV_DATA, getattr(user, "pk", None), get_language(), _section(request.path))


class PortalAdminSite(admin.AdminSite):
    def each_context(self, request):
        script_name = request.META["SCRIPT_NAME"]
        site_url = script_name if self.site_url == "/" and script_name else self.site_url
        available_apps = SimpleLazyObject(lambda: self.get_app_list(request))
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": site_url,
            "has_permission": self.has_permission(request),
            "available_apps": available_apps,
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
            "nav_sidebar": SimpleLazyObject(lambda: self._nav_sidebar(request, available_apps)),
        }

    def _nav_sidebar(self, request, available_apps) -> str:
        from .overview_cache import cached_fragment  # not at import: this module is in INSTALLED_APPS

        key = nav_sidebar_key(request)

        def render() -> str:
            context = {"available_apps": available_apps, "request": request}
            return render_to_string("admin/nav_sidebar.html", context)

        return mark_safe(cached_fragment(key, render))


class PortalAdminConfig(AdminConfig):
    default_site = "apps.organisations.admin_site.PortalAdminSite"
