from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.audit.actions import action_label
from apps.audit.display import ActionListFilter, changes_table
from apps.audit.models import AuditEntry
from apps.workdays.models import CalendarDay, CalendarYear

from .admin_scope import FORM_FIELDS, PermissionLabelsMixin, ScopedAdminMixin, ScopedHistoryAdmin, ScopedNodeFilter
from .choices import MANAGE_ORG, VIEW_AUDIT, VIEW_SCOPE, NodeKind
from .forms import OrgNodeAddForm, OrgNodeChangeForm, PostAddForm, PostChangeForm, TermAddForm, TermChangeForm
from .models import OrgNode, OrgPolicy, Post, PostTitle, Role, Term
from .permissions import has_any_scope, restrict
from .services import node_create, node_update, policy_update, post_assign, post_end, term_open, term_shift


class _ServiceRefused(Exception):
    def __init__(self, messages_):
        self.messages = messages_


class ServiceSaveMixin:
    """Admin saves go through the services (``save_via_service`` in each ModelAdmin).

    A save the service refuses shows the service's reason and writes nothing: changeform_view's transaction is
    rolled back. Permission checks of the admin itself still answer 403 as usual.
    """

    def save_model(self, request, obj, form, change):
        try:
            self.save_via_service(request, obj, form, change)
        except ValidationError as exc:
            raise _ServiceRefused(exc.messages) from exc
        except PermissionDenied as exc:
            raise _ServiceRefused([str(exc)]) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as exc:
            for message in exc.messages:
                self.message_user(request, message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(OrgNode)
class OrgNodeAdmin(ServiceSaveMixin, ScopedHistoryAdmin, admin.ModelAdmin):
    scope_path = "path"
    change_perm = MANAGE_ORG
    list_display = ["indented_name", "kind", "code", "unit_name", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "unit_name"]
    ordering = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "\u2003" * (obj.depth - 1) + obj.name

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = OrgNodeChangeForm if obj else OrgNodeAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["parent"].queryset = restrict(
                OrgNode.objects.exclude(kind=NodeKind.GROUP), user=request.user, perm=MANAGE_ORG, path_field="path"
            ).order_by("path")
        return form

    def get_fields(self, request, obj=None):
        return list((OrgNodeChangeForm if obj else OrgNodeAddForm)._meta.fields)

    def save_via_service(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("parent", "kind", "name")}
        if change:
            node_update(actor=request.user, node=obj, name=form.cleaned_data["name"], **data)
        else:
            parent = form.cleaned_data.get("parent")
            if parent is None and not request.user.is_superuser:
                raise PermissionDenied(_("Only an administrator can add a base Party committee."))
            created = node_create(
                actor=request.user,
                parent=parent,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                **data,
            )
            obj.pk = created.pk


@admin.register(OrgPolicy)
class OrgPolicyAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "committee__path"
    change_perm = MANAGE_ORG
    list_display = ["committee", "min_full_members", "committee_threshold", "term_years_branch", "term_warning_days"]
    readonly_fields = ["committee"]

    def has_add_permission(self, request):
        return False  # one policy per committee, created with it

    def save_via_service(self, request, obj, form, change):
        policy_update(actor=request.user, policy=obj, fields={k: form.cleaned_data[k] for k in form.changed_data})


@admin.register(Term)
class TermAdmin(ServiceSaveMixin, ScopedHistoryAdmin, admin.ModelAdmin):
    change_perm = MANAGE_ORG
    list_display = ["node", "number", "elected_on", "term_years", "shift_months", "expires_on", "closed_on"]
    list_filter = [ScopedNodeFilter, "closed_on"]
    list_select_related = ["node"]
    date_hierarchy = "expires_on"
    search_fields = ["node__name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = TermChangeForm if obj else TermAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["shift_months", "shift_approval"] if obj else ["node", "elected_on"]

    def get_readonly_fields(self, request, obj=None):
        return ["node", "number", "elected_on", "term_years", "expires_on", "closed_on"] if obj else []

    def save_via_service(self, request, obj, form, change):
        if change:
            term_shift(
                actor=request.user,
                term=obj,
                months=form.cleaned_data["shift_months"],
                approval=form.cleaned_data["shift_approval"],
            )
        else:
            obj.pk = term_open(
                actor=request.user,
                node=form.cleaned_data["node"],
                elected_on=form.cleaned_data["elected_on"],
                today=timezone.localdate(),
            ).pk


@admin.register(Post)
class PostAdmin(ServiceSaveMixin, ScopedHistoryAdmin, admin.ModelAdmin):
    change_perm = MANAGE_ORG
    list_display = ["person", "title", "node", "started_on", "ended_on"]
    list_filter = [ScopedNodeFilter, "title"]
    list_select_related = ["person", "node", "title"]
    search_fields = ["person__name", "node__name"]
    autocomplete_fields = ["person"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PostChangeForm if obj else PostAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["ended_on"] if obj else ["person", "node", "title", "started_on"]

    def get_readonly_fields(self, request, obj=None):
        return ["person", "node", "title", "started_on"] if obj else []

    def save_via_service(self, request, obj, form, change):
        if change:
            post_end(actor=request.user, post=obj, ended_on=form.cleaned_data["ended_on"], today=timezone.localdate())
        else:
            obj.pk = post_assign(
                actor=request.user,
                person=form.cleaned_data["person"],
                node=form.cleaned_data["node"],
                title=form.cleaned_data["title"],
                started_on=form.cleaned_data["started_on"],
                today=timezone.localdate(),
            ).pk


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Configuration shared by every committee: only administrators change it."""

    formfield_overrides = FORM_FIELDS

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_change_permission = has_add_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(PermissionLabelsMixin, SuperuserOnlyAdmin):
    list_display = ["code", "name", "admin_access"]
    filter_horizontal = ["permissions"]


@admin.register(PostTitle)
class PostTitleAdmin(SuperuserOnlyAdmin):
    list_display = ["code", "name", "role", "is_committee_member", "order"]
    list_select_related = ["role"]


# The apps below the tree (audit, working days) hold data whose pages are opened by the roles held on the tree:
# their admin is registered here, so that they import nothing above them.


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only and filterable. Staff read the entries of their subtree; entries about no organisation
    (sign-ins, system jobs) only administrators."""

    view_perm = change_perm = VIEW_AUDIT
    list_display = ["at", "actor_repr", "action_text", "target_repr", "node", "ip_address", "times"]
    list_filter = [ActionListFilter, ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_repr", "target_repr", "action", "target_id"]
    date_hierarchy = "at"
    list_select_related = ["node", "denials"]
    fields = [
        "at",
        "actor",
        "actor_repr",
        "action_text",
        "target_type",
        "target_id",
        "target_repr",
        "node",
        "changes_text",
        "note",
        "ip_address",
        "times",
    ]
    readonly_fields = fields

    @admin.display(description=_("action"), ordering="action")
    def action_text(self, obj):
        return action_label(obj.action)

    @admin.display(description=_("changes"))
    def changes_text(self, obj):
        return changes_table(obj)

    @admin.display(description=_("times"))
    def times(self, obj):
        """A denied access: how often the user was denied the same kind of page within the hour of this entry."""
        try:
            return obj.denials.count
        except ObjectDoesNotExist:
            return ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
