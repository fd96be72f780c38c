from io import BytesIO

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.audit.services import audit_record
from apps.organisations.admin_scope import FORM_FIELDS, CheckedListFilter, ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import MANAGE_ORG, MANAGE_PEOPLE, VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.permissions import covers, has_any_scope
from apps.people.selectors import person_list_for
from apps.spreadsheets.export import xlsx_response

from .forms import record_step_form
from .models import CommitteeRuleSet, DevelopmentCase, RuleSet, StepRecord
from .selectors import QUEUES, case_plan, case_prefetched, with_queue_flags
from .services import case_record_step, recordable_kinds, rule_set_problems, rule_set_save
from .steps import OPEN_STAGES, WarningCode


class BranchFilter(ScopedNodeFilter):
    path_field = "branch__path"


class OverdueFilter(CheckedListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        overdue = Q(next_due_on__lt=today, next_due_is_limit=True)  # a reference date passed is not overdue
        if self.value() == "yes":
            return queryset.filter(overdue, stage__in=OPEN_STAGES)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class WarningFilter(CheckedListFilter):
    title = _("warning")
    parameter_name = "warning"

    def lookups(self, request, model_admin):
        return WarningCode.choices

    def queryset(self, request, queryset):
        return queryset.filter(warnings__code=self.value()).distinct() if self.value() else queryset


class QueueFilter(CheckedListFilter):
    title = _("committee queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in QUEUES.items()]

    def queryset(self, request, queryset):
        if self.value() not in QUEUES:
            return queryset
        return with_queue_flags(queryset).filter(QUEUES[self.value()][1])


class StepRecordInline(admin.TabularInline):
    model = StepRecord
    extra = 0
    fields = ["on", "step", "body", "decision", "after_the_fact", "entered_by", "entered_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # steps are recorded through the guarded service ("Record a decision")

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entered_by__person")


@admin.register(DevelopmentCase)
class DevelopmentCaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "branch__path"
    change_perm = MANAGE_PEOPLE
    list_display = ["person", "branch", "stage", "opened_on", "next_date", "rule_set"]
    list_filter = ["stage", BranchFilter, OverdueFilter, WarningFilter, QueueFilter, "rule_set"]
    list_select_related = ["person", "branch", "rule_set"]
    search_fields = ["person__name"]
    fields = [
        "person",
        "branch",
        "stage",
        "rule_set",
        "opened_on",
        "closed_on",
        "next_date",
        "departure_on",
        "timeline",
    ]
    readonly_fields = [
        "person",
        "branch",
        "stage",
        "rule_set",
        "opened_on",
        "closed_on",
        "next_date",
        "departure_on",
        "timeline",
    ]
    inlines = [StepRecordInline]
    actions = ["export_xlsx"]

    def has_add_permission(self, request):
        return False  # a case opens when an application is recorded (portal: "Record a new application")

    def has_change_permission(self, request, obj=None):
        return False  # the case page is read-only; decisions go through "Record a decision" (the service)

    @admin.display(description=_("Next step / date"), ordering="next_due_on")
    def next_date(self, obj):
        if obj.next_due_on is None:
            return "—"
        kind = _("deadline") if obj.next_due_is_limit else _("planned")
        return f"{obj.get_next_due_step_display()} · {obj.next_due_on:%Y-%m-%d} ({kind})"

    @admin.display(description=_("Timeline"))
    def timeline(self, obj):
        case = case_prefetched(DevelopmentCase.objects.filter(pk=obj.pk)).get()
        today = timezone.localdate()
        return render_to_string("lifecycle/_timeline.html", {"plan": case_plan(case, today=today), "today": today})

    # The links to the import and to "Record a decision" are shown only to those who may follow them.
    def _may_import(self, request) -> bool:
        return request.user.is_staff and has_any_scope(request.user, MANAGE_PEOPLE)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "can_import": self._may_import(request)})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = case_prefetched(self.get_queryset(request).filter(pk=unquote(object_id))).first()
        can_record = case is not None and bool(recordable_kinds(request.user, case))
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "can_record": can_record})

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="lifecycle_developmentcase_import"),
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="lifecycle_developmentcase_import_template",
            ),
            path(
                "<int:pk>/record/",
                self.admin_site.admin_view(self.record_view),
                name="lifecycle_developmentcase_record",
            ),
            *super().get_urls(),
        ]

    def record_view(self, request, pk):
        case = self.get_queryset(request).filter(pk=pk).first()
        if case is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, str(pk))
        case = case_prefetched(DevelopmentCase.objects.filter(pk=pk)).get()
        if not recordable_kinds(request.user, case):
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, str(pk))
        now = timezone.now()
        today = timezone.localdate(now)
        plan = case_plan(case, today=today)
        people = person_list_for(user=request.user).filter(node__path__startswith=case.branch.path)
        posted = request.method == "POST"
        form = record_step_form(
            user=request.user,
            case=case,
            plan=plan,
            today=today,
            people=people,
            data=request.POST if posted else None,
            files=request.FILES if posted else None,
        )
        if request.method == "POST" and form.is_valid():
            try:
                case_record_step(actor=request.user, case=case, entry=form.entry(), now=now)
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", [str(exc)]):
                    form.add_error(None, message)
            else:
                self.message_user(request, _("Recorded."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:lifecycle_developmentcase_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": case,
            "title": _("Record a decision"),
            "form": form,
            "plan": plan,
            "today": today,
        }
        return render(request, "admin/lifecycle/record_step.html", context)

    def import_view(self, request):
        """Upload → dry run with the errors of each row → import all rows or none."""
        import secrets

        from django.core.cache import cache
        from django.core.files.uploadedfile import SimpleUploadedFile

        from .importer import import_commit, import_parse

        if not self._may_import(request):
            raise PermissionDenied
        rows, token, error = None, "", ""
        if request.method == "POST":
            try:
                if request.POST.get("token"):
                    content = cache.get(f"case-import:{request.user.pk}:{request.POST['token']}")
                    if content is None:
                        raise ValidationError(_("The preview has expired; upload the file again."))
                    now = timezone.now()
                    rows = import_parse(user=request.user, uploaded=BytesIO(content), today=timezone.localdate(now))
                    cases = import_commit(actor=request.user, rows=rows, now=now)
                    cache.delete(f"case-import:{request.user.pk}:{request.POST['token']}")
                    self.message_user(request, _("%(n)s cases imported.") % {"n": len(cases)}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:lifecycle_developmentcase_changelist"))
                upload = request.FILES.get("file")
                if upload is None or not upload.name.lower().endswith(".xlsx"):
                    raise ValidationError(_("Choose an Excel workbook (.xlsx)."))
                if upload.size > 5 * 1024 * 1024:
                    raise ValidationError(_("The file is larger than 5 MB."))
                content = upload.read()
                rows = import_parse(
                    user=request.user, uploaded=SimpleUploadedFile(upload.name, content), today=timezone.localdate()
                )
                if rows and not any(r.errors for r in rows):
                    token = secrets.token_urlsafe(16)
                    cache.set(f"case-import:{request.user.pk}:{token}", content, timeout=30 * 60)
            except ValidationError as exc:
                error = " ".join(exc.messages)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import development cases"),
            "rows": rows,
            "token": token,
            "error": error,
            "error_count": sum(1 for r in rows or [] if r.errors),
        }
        return render(request, "admin/lifecycle/import.html", context)

    def import_template_view(self, request):
        from .importer import header_row

        if not request.user.is_staff:
            raise PermissionDenied
        return xlsx_response(
            filename="development-cases-template.xlsx",
            title=_("Development cases"),
            header=header_row(),
            rows=[["110101199001011234", "HX-007", "2026.05", "2025-01-06"]],
        )

    @admin.action(description=_("Export the selected cases to Excel"))
    def export_xlsx(self, request, queryset):
        """The selected cases (all the filtered ones when "select all" was chosen: the queryset Django hands over)
        in the importer's columns — ID card number, name, branch code, edition and one date per step — so that the
        file is imported again as it is. ID numbers are sensitive: only those of branches where the user may see
        them; the export is audited. Every text cell goes through the one export helper (no formulas)."""
        from .importer import header_row
        from .steps import STEPS

        cases = list(
            queryset.select_related("person", "branch", "rule_set").prefetch_related(
                Prefetch("records", queryset=StepRecord.objects.only("case_id", "step", "on").order_by("on", "id"))
            )
        )

        def rows():
            for case in cases:
                dates = {record.step: record.on for record in case.records.all()}  # a repeated step: its latest
                sensitive = covers(request.user, VIEW_SENSITIVE, case.branch.path)
                yield [
                    case.person.id_number if sensitive else "",
                    case.person.name,
                    case.branch.code or "",
                    case.rule_set.edition,
                    *[dates.get(step.code) for step in STEPS],
                ]

        audit_record(
            actor=request.user,
            action="lifecycle.cases_exported",
            changes={"cases": [None, len(cases)]},
            request=request,
        )
        return xlsx_response(
            filename="development-cases.xlsx",
            title=_("Development cases"),
            header=header_row(with_name=True),
            rows=rows(),
        )


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """National editions and local tightenings; a local rule set that would loosen a national rule is refused."""

    list_display = ["edition", "name", "base", "is_default", "activist_min_months", "publicity_working_days"]
    readonly_fields = []
    formfield_overrides = FORM_FIELDS

    def has_module_permission(self, request):
        return request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser or (request.user.is_staff and has_any_scope(request.user, MANAGE_ORG))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.base_id is None and not request.user.is_superuser:
            return False  # national editions: read-only except for administrators
        return request.user.is_superuser or (request.user.is_staff and has_any_scope(request.user, MANAGE_ORG))

    def get_readonly_fields(self, request, obj=None):
        return ["base"] if obj is not None else []  # the edition a local set tightens is fixed once chosen

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class RuleSetForm(form_class):
            """Shows every reason the service would refuse the values, on its field, with the input kept."""

            def clean(self):
                data = super().clean()
                values = {name: data[name] for name in self.changed_data if name in data}
                for name, reason in rule_set_problems(actor=request.user, rule_set=obj, values=values):
                    self.add_error(name if name in self.fields else None, reason)
                return data

        return RuleSetForm

    def save_model(self, request, obj, form, change):
        """Through the service: checked again, locked, audited old → new."""
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        current = RuleSet.objects.get(pk=obj.pk) if change else None
        obj.pk = rule_set_save(actor=request.user, rule_set=current, values=values).pk


@admin.register(CommitteeRuleSet)
class CommitteeRuleSetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "committee__path"
    change_perm = MANAGE_ORG
    list_display = ["committee", "rule_set"]
    list_select_related = ["committee", "rule_set"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="lifecycle.rule_set_chosen",
            target=obj,
            node=obj.committee,
            changes={"rule_set": [None, obj.rule_set.edition]},
        )
