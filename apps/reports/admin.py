"""Runs, schedules and the report policy in the admin: administrators only (a run holds the scope of whoever asked
for it; people see and download their own runs on the reports page)."""

from django import forms
from django.contrib import admin

from apps.organisations.admin import SuperuserOnlyAdmin

from . import catalogue
from .models import ReportPolicy, ReportRun, ReportSchedule


@admin.register(ReportRun)
class ReportRunAdmin(SuperuserOnlyAdmin):
    list_display = ["pk", "report", "fmt", "user", "status", "progress", "rows", "size", "requested_at", "finished_at"]
    list_filter = ["status", "fmt"]
    search_fields = ["report", "user__username"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportSchedule)
class ReportScheduleAdmin(SuperuserOnlyAdmin):
    list_display = ["report", "owner", "fmt", "cadence", "next_on", "is_active"]
    list_filter = ["cadence", "is_active"]
    autocomplete_fields = ["owner"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "report":  # only reports of the catalogue
            choices = [(r.name, r.title) for r in catalogue.all_reports()]
            return forms.ChoiceField(label=db_field.verbose_name, choices=choices)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(ReportPolicy)
class ReportPolicyAdmin(SuperuserOnlyAdmin):
    list_display = ["max_active_runs", "keep_days", "pdf_page_cap", "max_range_days"]
