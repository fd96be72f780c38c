from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.audit.services import audit_record
from apps.organisations.admin import ServiceSaveMixin
from apps.organisations.admin_scope import CheckedListFilter, ScopedAdminMixin, ScopedNodeFilter
from apps.organisations.choices import MANAGE_ORG, MANAGE_PEOPLE, VIEW_SCOPE
from apps.organisations.permissions import has_any_scope, restrict
from apps.people.selectors import person_list_for

from .models import Category, Notice, NoticeStatus, NoticeVersion, Objection
from .services import (
    EDITABLE,
    notice_attach,
    notice_correct,
    notice_draft,
    notice_moves_for,
    notice_transition,
    notice_update_draft,
    objection_file,
    objection_resolve,
)
from .workflow import CORRECTABLE


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The catalogue: every staff member reads it; committee staff edit it."""

    list_display = [
        "name",
        "code",
        "default_scope",
        "cadence",
        "period_months",
        "window_length",
        "window_unit",
        "signed_objections_only",
    ]

    def has_module_permission(self, request):
        return request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or (request.user.is_staff and has_any_scope(request.user, MANAGE_ORG))

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="disclosure.category_saved",
            target=obj,
            changes={name: [None, str(form.cleaned_data.get(name))] for name in form.changed_data},
        )


class NoticeForm(forms.ModelForm):
    correction_note = forms.CharField(
        label=_("correction"),
        required=False,
        max_length=300,
        help_text=_(
            "To correct a published notice, say what the correction changes and save: a draft of the next version is "
            "made, which is checked and approved again before anyone reads it."
        ),
    )
    attachment = forms.FileField(
        label=_("add an attachment"),
        required=False,
        help_text=_("PDF, PNG, JPEG, DOCX or XLSX; part of the published version's hash."),
    )

    class Meta:
        model = Notice
        fields = ["node", "category", "scope", "named_people", "title", "content", "opens_on", "closes_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "closes_on" in self.fields:
            self.fields["closes_on"].required = False
            self.fields["closes_on"].help_text = _("Leave empty: the catalogue's window length gives the end.")
        if self.instance.corrects_id and "correction_note" in self.fields:
            self.fields["correction_note"].help_text = _("What the correction changes: shown with the new version.")

    def clean(self):
        data = super().clean()
        opens_on = data.get("opens_on")
        if opens_on and "opens_on" in self.changed_data and opens_on < timezone.localdate():
            # publishing refuses it anyway (workflow.TRANSITIONS): say so before anyone checks and approves it
            self.add_error(
                "opens_on",
                _(
                    "The window starts today or later: a window that has already begun would give members less "
                    "time to object, and one that has ended none."
                ),
            )
        return data


# The buttons of the notice's page, one per move of the workflow table (``workflow.MOVES``).
MOVE_LABELS = {
    "check": _("Mark as checked for secrecy and accuracy"),
    "approve": _("Approve"),
    "publish": _("Publish"),
    "return": _("Send back to the draft"),
    "hold": _("Put on hold"),
    "resume": _("Resume"),
}


class StatusQueueFilter(CheckedListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("check", _("Awaiting the check")),
            ("approve", _("Awaiting approval")),
            ("publish", _("Approved, not published")),
            ("open", _("Open now")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        return {
            "check": queryset.filter(status=NoticeStatus.DRAFT),
            "approve": queryset.filter(status=NoticeStatus.CHECKED),
            "publish": queryset.filter(status=NoticeStatus.APPROVED),
            "open": queryset.filter(status=NoticeStatus.PUBLISHED, opens_on__lte=today, closes_on__gte=today),
        }.get(self.value(), queryset)


# What the change form shows. A draft is edited; a correction changes only its text; from approval on, nothing is
# edited here: the workflow's actions move a notice on, and a published one is corrected through a new draft.
DRAFT_FIELDS = ["node", "category", "scope", "named_people", "title", "content", "opens_on", "closes_on", "attachment"]
CORRECTION_FIELDS = ["corrects", "node", "category", "title", "content", "correction_note", "attachment"]
LOCKED_FIELDS = ["node", "category", "scope", "named_people", "title", "content", "opens_on", "closes_on", "corrects"]


@admin.register(Notice)
class NoticeAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = NoticeForm
    list_display = ["title", "node", "category", "status", "corrects", "opens_on", "closes_on"]
    list_filter = [StatusQueueFilter, "status", "category", ScopedNodeFilter]
    list_select_related = ["node", "category", "corrects"]
    search_fields = ["title"]
    autocomplete_fields = ["named_people"]
    actions = ["check_selected", "approve_selected", "publish_selected", "return_selected"]
    change_form_template = "admin/disclosure/notice/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/move/",
                self.admin_site.admin_view(self.move_view),
                name="disclosure_notice_move",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notice = self.get_object(request, object_id)
        if notice is not None:
            extra_context = {**(extra_context or {}), "workflow": self._workflow(request, notice)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _workflow(self, request, notice) -> dict:
        """Who wrote, checked, approved and published the notice, and the moves the user can make on it now (with
        the reason where the table refuses one, e.g. the four-eyes rule)."""
        version = notice.versions.order_by("-number").select_related("published_by__person").first()
        return {
            "created_by": notice.created_by,
            "editors": [u for u in notice.editors.select_related("person") if u.pk != notice.created_by_id],
            "checked_by": notice.checked_by,
            "approved_by": notice.approved_by,
            "published": version,
            "moves": [
                {
                    "move": t.move,
                    "label": MOVE_LABELS.get(t.move, t.move),
                    "refused": refused,
                    "needs_note": bool(t.needs_note),
                }
                for t, refused in notice_moves_for(actor=request.user, notice=notice, now=timezone.now())
            ],
            "move_url": reverse("admin:disclosure_notice_move", args=[notice.pk]),
        }

    def move_view(self, request, pk):
        """One move of the workflow from the notice's page (the same service as the list's actions)."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:disclosure_notice_change", args=[pk]))
        notice = self.get_queryset(request).filter(pk=pk).first()
        if notice is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, str(pk))
        move = request.POST.get("move", "")
        try:
            notice_transition(
                actor=request.user, notice=notice, move=move, now=timezone.now(), note=request.POST.get("move_note", "")
            )
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
        else:
            self.message_user(request, _("Done: %(move)s.") % {"move": MOVE_LABELS.get(move, move)}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:disclosure_notice_change", args=[pk]))

    def get_fields(self, request, obj=None):
        if obj is None:
            return DRAFT_FIELDS
        if obj.status in EDITABLE:
            return [*(CORRECTION_FIELDS if obj.corrects_id else DRAFT_FIELDS), "status"]
        if obj.corrects_id or obj.status in CORRECTABLE:  # the correction's note, or the field that starts one
            return [*LOCKED_FIELDS, "status", "correction_note"]
        return [*LOCKED_FIELDS, "status"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status in EDITABLE:
            return ["corrects", "node", "category", "status"] if obj.corrects_id else ["node", "status"]
        return [*LOCKED_FIELDS, "status", *(["correction_note"] if obj.corrects_id else [])]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "named_people":
            kwargs["queryset"] = person_list_for(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_via_service(self, request, obj, form, change):
        data, now = form.cleaned_data, timezone.now()
        if not change:
            created = notice_draft(
                actor=request.user,
                node=data["node"],
                category=data["category"],
                title=data["title"],
                content=data["content"],
                opens_on=data["opens_on"],
                closes_on=data.get("closes_on"),
                scope=data.get("scope") or "",
                named=list(data.get("named_people") or []),
            )
            obj.pk = created.pk
            if data.get("attachment"):
                notice_attach(actor=request.user, notice=created, uploaded=data["attachment"], now=now)
        elif obj.status in EDITABLE:
            fields = {k: data[k] for k in form.changed_data if k in data and k not in ("node", "attachment")}
            if fields:
                notice_update_draft(actor=request.user, notice=obj, fields=fields, now=now)
            if data.get("attachment"):
                notice_attach(actor=request.user, notice=obj, uploaded=data["attachment"], now=now)
        elif obj.status in CORRECTABLE and not obj.corrects_id:
            request.correction_draft = notice_correct(
                actor=request.user, notice=obj, note=data.get("correction_note") or ""
            )
        else:
            raise ValidationError(_("This notice is not edited any more: use the actions of the list."))

    def save_related(self, request, form, formsets, change):
        """Nothing: the services above write the named people and the attachments."""

    def response_change(self, request, obj):
        correction = getattr(request, "correction_draft", None)
        if correction is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            _(
                "A draft correction was made. Members read the published version until it is checked, approved and "
                "published."
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:disclosure_notice_change", args=[correction.pk]))

    def _run(self, request, queryset, move, done):
        count = 0
        for notice in queryset:
            try:
                notice_transition(actor=request.user, notice=notice, move=move, now=timezone.now())
                count += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{notice}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
        if count:
            self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Mark as checked for secrecy and accuracy"))
    def check_selected(self, request, queryset):
        self._run(request, queryset, "check", _("%(n)s notices checked."))

    @admin.action(description=_("Approve"))
    def approve_selected(self, request, queryset):
        self._run(request, queryset, "approve", _("%(n)s notices approved."))

    @admin.action(description=_("Publish"))
    def publish_selected(self, request, queryset):
        self._run(request, queryset, "publish", _("%(n)s notices published."))

    @admin.action(description=_("Send back to the draft"))
    def return_selected(self, request, queryset):
        self._run(request, queryset, "return", _("%(n)s notices sent back to the draft."))


class ObjectionNodeFilter(ScopedNodeFilter):
    path_field = "notice__node__path"


class OverdueObjectionFilter(CheckedListFilter):
    title = _("handling")
    parameter_name = "handling"

    def lookups(self, request, model_admin):
        return [("open", _("Not handled")), ("overdue", _("Past the deadline"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(outcome="")
        if self.value() == "overdue":
            return queryset.filter(outcome="", due_on__lt=timezone.localdate())
        return queryset


class ObjectionForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["notice", "channel", "reporter", "received_on", "content", "outcome", "resolution", "answer"]


@admin.register(Objection)
class ObjectionAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Handlers see the reporter; nobody else does (the board and the person concerned never show it)."""

    scope_path = "notice__node__path"
    view_perm = MANAGE_PEOPLE
    form = ObjectionForm
    list_display = ["notice", "received_on", "due_on", "channel", "outcome"]
    list_filter = [OverdueObjectionFilter, "outcome", ObjectionNodeFilter]
    list_select_related = ["notice"]
    autocomplete_fields = ["reporter"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["notice", "channel", "reporter", "received_on", "content"]
        return [
            "notice",
            "channel",
            "reporter",
            "received_on",
            "content",
            "due_on",
            "subject_reply",
            "outcome",
            "resolution",
            "answer",
        ]

    def get_readonly_fields(self, request, obj=None):
        return ["notice", "channel", "reporter", "received_on", "content", "due_on", "subject_reply"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "notice":
            kwargs["queryset"] = restrict(
                Notice.objects.filter(status=NoticeStatus.PUBLISHED),
                user=request.user,
                perm=MANAGE_PEOPLE,
                path_field="node__path",
            )
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = objection_file(
                actor=request.user,
                notice=data["notice"],
                content=data["content"],
                reporter=data.get("reporter"),
                channel=data["channel"],
                received_on=data["received_on"],
                today=timezone.localdate(),
            )
            obj.pk = created.pk
        else:
            now = timezone.now()
            objection_resolve(
                actor=request.user,
                objection=obj,
                outcome=data.get("outcome") or "",
                resolution=data.get("resolution") or "",
                answer=data.get("answer") or "",
                today=timezone.localdate(now),
                now=now,
            )


@admin.register(NoticeVersion)
class NoticeVersionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The archive: read-only."""

    scope_path = "notice__node__path"
    list_display = ["notice", "number", "published_at", "opens_on", "closes_on", "hash"]
    list_select_related = ["notice"]
    readonly_fields = [
        "notice",
        "number",
        "title",
        "content",
        "opens_on",
        "closes_on",
        "attachment_digests",
        "correction_note",
        "published_at",
        "published_by",
        "previous_hash",
        "hash",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
