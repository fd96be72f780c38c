from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from apps.accounts.views import admin_login, set_language
from apps.portal import views as portal_views

admin.site.site_header = admin.site.site_title = _("PartyPortal")
admin.site.index_title = _("Administration")

urlpatterns = [
    # The admin signs in through the portal's login (with its second factor), not its own form.
    path("admin/login/", admin_login, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("documents/", include("apps.documents.urls")),
    path("development/", include("apps.lifecycle.urls")),
    path("membership/", include("apps.membership.urls")),
    path("dues/", include("apps.dues.urls")),
    path("assessment/", include("apps.assessment.urls")),
    path("orglife/", include("apps.orglife.urls")),
    path("appraisal/", include("apps.appraisal.urls")),
    path("improvement/", include("apps.improvement.urls")),
    path("disclosure/", include("apps.disclosure.urls")),
    path("reports/", include("apps.reports.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    # browsers ask for /favicon.ico whatever the page says: the same icon, from the static files
    path("favicon.ico", portal_views.favicon, name="favicon"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("healthz/live", portal_views.healthz_live, name="healthz_live"),
    path("", include("apps.portal.urls")),
]

handler403 = "apps.portal.errors.permission_denied"
