from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.organisations.admin import ServiceSaveMixin, SuperuserOnlyAdmin
from apps.organisations.admin_scope import ScopedAdminMixin, ScopedHistoryAdmin, ScopedNodeFilter
from apps.organisations.choices import MANAGE_ORG, MANAGE_PEOPLE, VIEW_SCOPE
from apps.organisations.permissions import has_any_scope, restrict

from . import sources
from .choices import EmailState
from .forms import ReminderRuleForm
from .models import CalendarToken, Digest, JobRun, Preference, Reminder, ReminderRule
from .selectors import last_runs, outbox_figures, queue_depth, sweep_health
from .services import email_retry, rule_save, rule_snapshot


@admin.register(ReminderRule)
class ReminderRuleAdmin(ServiceSaveMixin, ScopedHistoryAdmin, admin.ModelAdmin):
    """The reminder catalogue. Defaults (no organisation) are read by every staff member and changed by
    administrators; an organisation's staff add rules of their own, which replace, in its subtree, the defaults of
    that source and the rules of the organisations above (the nearest organisation's rules win)."""

    form = ReminderRuleForm
    scope_path = "committee__path"
    change_perm = MANAGE_ORG
    list_display = [
        "name",
        "source_label",
        "committee_label",
        "lead_days",
        "overdue_every_days",
        "recipient_list",
        "by_email",
        "in_portal",
        "is_active",
    ]
    list_filter = ["source", "is_active", "by_email"]
    list_select_related = ["committee"]

    @admin.display(description=gettext_lazy("source"))
    def source_label(self, obj):
        source = sources.get(obj.source)
        return source.label if source else obj.source

    @admin.display(description=gettext_lazy("organisation"), ordering="committee__name")
    def committee_label(self, obj):
        return obj.committee or _("Default (everywhere)")

    @admin.display(description=gettext_lazy("recipients"))
    def recipient_list(self, obj):
        from .choices import RecipientRole

        return ", ".join(str(RecipientRole(r).label) for r in obj.recipients if r in RecipientRole.values)

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        own = restrict(qs, user=request.user, perm=VIEW_SCOPE, path_field="committee__path")
        return qs.filter(Q(committee__isnull=True) | Q(pk__in=own.values("pk")))

    def get_change_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return restrict(
            qs.filter(committee__isnull=False), user=request.user, perm=MANAGE_ORG, path_field="committee__path"
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "committee" in form.base_fields:
            committees = form.base_fields["committee"]
            committees.required = not request.user.is_superuser
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["committee"] if obj is not None else []

    def save_via_service(self, request, obj, form, change):
        stored = ReminderRule.objects.filter(pk=obj.pk).first() if change else None
        rule_save(actor=request.user, rule=obj, before=rule_snapshot(stored) if stored else {})

    def get_fieldsets(self, request, obj=None):
        help_lines = "; ".join(f"{s.label}: {s.help_text}" for s in sources.all_sources())
        return [
            (None, {"fields": ["committee", "source", "name"], "description": help_lines}),
            (_("When"), {"fields": ["lead_days", "overdue_every_days"]}),
            (_("To whom and how"), {"fields": ["recipients", "by_email", "in_portal", "digest_allowed", "is_active"]}),
        ]


class RetryEmailMixin:
    """The admin action that sends failed e-mails again (reminders or digests), through the service."""

    actions = ["retry_email"]
    retry_argument = "reminder_ids"

    def has_retry_permission(self, request):
        return request.user.is_staff and has_any_scope(request.user, MANAGE_PEOPLE)

    @admin.action(description=gettext_lazy("Send the failed e-mails again"), permissions=["retry"])
    def retry_email(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        try:
            count = email_retry(actor=request.user, now=timezone.now(), **{self.retry_argument: ids})
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        self.message_user(request, _("%(n)s e-mails will be sent again.") % {"n": count})


class ReminderNodeFilter(ScopedNodeFilter):
    path_field = "node__path"


# The keys of a reminder's details (``Due.params`` of the sources), as its page names them. Codes (a step, a notice
# kind) are left to the reminder's title, which its source words in the reader's language.
PARAM_LABELS = {
    "name": gettext_lazy("name"),
    "number": gettext_lazy("term number"),
    "title": gettext_lazy("title"),
    "category": gettext_lazy("category"),
}


@admin.register(Reminder)
class ReminderAdmin(RetryEmailMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The outbox and the record of what was sent to whom. Read-only; failed e-mails can be sent again."""

    list_display = [
        "title_text",
        "person",
        "role",
        "node",
        "due_on",
        "offset",
        "email_state",
        "attempts",
        "doubts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["email_state", "source", ReminderNodeFilter]
    list_select_related = ["person", "node"]
    search_fields = ["person__name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "rule",
        "source",
        "subject_id",
        "due_on",
        "offset",
        "person",
        "role",
        "node",
        "details_text",
        "url",
        "in_portal",
        "created_at",
        "read_at",
        "email_state",
        "attempts",
        "doubts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "sent_to",
        "digest",
    ]
    fields = readonly_fields

    @admin.display(description=gettext_lazy("reminder"))
    def title_text(self, obj):
        return obj.title

    @admin.display(description=gettext_lazy("details"))
    def details_text(self, obj):
        """The details the reminder was made with, as a table (they are stored as JSON)."""
        if not obj.params:
            return "—"
        rows = [(gettext_lazy("reminder"), obj.title)]
        rows += [(label, obj.params[key]) for key, label in PARAM_LABELS.items() if key in obj.params]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    def get_queryset(self, request):
        """The subtree's reminders; those of confidential sources (to the reporter of an objection) only where the
        user handles them (manage_people), as for the objection itself."""
        qs = super().get_queryset(request)
        hidden = sources.confidential_codes()
        if not hidden or request.user.is_superuser:
            return qs
        handled = restrict(
            Reminder.objects.filter(source__in=hidden), user=request.user, perm=MANAGE_PEOPLE, path_field="node__path"
        )
        return qs.filter(~Q(source__in=hidden) | Q(pk__in=handled.values("pk")))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("status/", self.admin_site.admin_view(self.status_view), name="notifications_reminder_status")
        ] + super().get_urls()

    def status_view(self, request):
        """Operations: the Celery queue, the outbox, the last runs of the jobs, the failures in the user's subtree."""
        if not self.has_module_permission(request):
            raise PermissionDenied
        scoped = self.get_queryset(request)
        digests = restrict(Digest.objects.all(), user=request.user, perm=VIEW_SCOPE, path_field="person__node__path")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reminders: operations"),
            "opts": self.model._meta,
            "queue_depth": queue_depth(),
            "figures": outbox_figures(reminders=scoped, digests=digests, now=timezone.now()),
            "runs": last_runs(),
            "health": sweep_health(now=timezone.now()),
            "failures": scoped.filter(email_state=EmailState.FAILED).select_related("person", "node")[:50],
            "digest_failures": digests.filter(email_state=EmailState.FAILED).select_related("person")[:20],
        }
        return TemplateResponse(request, "admin/notifications/status.html", context)


@admin.register(Digest)
class DigestAdmin(RetryEmailMixin, ScopedAdminMixin, admin.ModelAdmin):
    retry_argument = "digest_ids"

    scope_path = "person__node__path"
    list_display = ["person", "day", "email_state", "attempts", "doubts", "sent_at", "last_error"]
    list_filter = ["email_state"]
    list_select_related = ["person"]
    readonly_fields = [
        "person",
        "day",
        "email_state",
        "attempts",
        "doubts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "sent_to",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """When the periodic jobs ran and what they did (no personal data)."""

    list_display = ["job", "started_at", "finished_at", "ok", "created", "sent", "failed", "in_doubt", "error"]
    list_filter = ["job", "ok"]

    def has_module_permission(self, request):
        return request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(SuperuserOnlyAdmin):
    list_display = ["user", "email_mode"]
    list_select_related = ["user__person"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(SuperuserOnlyAdmin):
    list_display = ["user", "created_at", "revoked_at", "last_used_at"]
    list_select_related = ["user__person"]
    readonly_fields = ["user", "digest", "created_at", "last_used_at"]
