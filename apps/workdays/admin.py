from django.contrib import admin

from apps.organisations.admin import SuperuserOnlyAdmin
from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import has_any_scope

from .models import CalendarDay, CalendarYear


class CalendarAdmin(SuperuserOnlyAdmin):
    """Every staff member may read the calendar; administrators enter a new year's arrangement."""

    def has_module_permission(self, request):
        return request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdmin):
    list_display = ["year", "complete", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
