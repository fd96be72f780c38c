from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.organisations.admin import ServiceSaveMixin
from apps.organisations.admin_scope import ScopedHistoryAdmin, ScopedNodeFilter
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SENSITIVE
from apps.organisations.permissions import covers

from .forms import PersonAdminForm
from .models import SENSITIVE_FIELDS, FamilyMember, Person
from .services import PROFILE_FIELDS, person_create, person_id_number_check, person_move, person_update


class PersonForm(PersonAdminForm):
    """A used ID card number is refused by the service, before the model's constraint would answer with its name
    and tell where the number is used; the refusal and its audit entry are kept (the form is shown again)."""

    actor = None  # the signed-in user, set by ``PersonAdmin.get_form``

    def clean(self):
        data = super().clean()
        number = data.get("id_number")
        node = data.get("node") or getattr(self.instance, "node", None)
        if number and node is not None and number != self.instance.id_number:
            try:
                person_id_number_check(actor=self.actor, id_number=number, node=node, person=self.instance)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class FamilyInline(admin.TabularInline):
    model = FamilyMember
    extra = 0
    fields = ["relation", "name", "political_status", "work_unit"]

    def _sensitive_ok(self, request, obj):
        return obj is not None and covers(request.user, VIEW_SENSITIVE, obj.node.path)

    def has_view_permission(self, request, obj=None):
        return self._sensitive_ok(request, obj)

    def has_add_permission(self, request, obj=None):
        return False  # family data is entered through the political review, with its audit

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ServiceSaveMixin, ScopedHistoryAdmin, admin.ModelAdmin):
    change_perm = MANAGE_PEOPLE
    list_display = ["name", "political_status", "node", "work_unit", "phone", "is_active"]
    list_filter = [ScopedNodeFilter, "political_status", "is_active"]
    list_select_related = ["node"]
    search_fields = ["name", "phone"]
    list_per_page = 50
    list_data = ("org", "person_list")  # the count and the rows cached under these versions (apps.py)
    list_only = ("name", "political_status", "node", "node__name", "work_unit", "phone", "is_active")
    inlines = [FamilyInline]
    readonly_fields = ["political_status", "joined_on", "full_member_on", "user"]
    form = PersonForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a class made for this request by modelform_factory
        return form

    def get_fields(self, request, obj=None):
        fields = ["node", "name", "political_status", *PROFILE_FIELDS[1:]]
        if obj is not None:
            fields += ["joined_on", "full_member_on", "user"]
            if not covers(request.user, VIEW_SENSITIVE, obj.node.path):
                fields = [f for f in fields if f not in SENSITIVE_FIELDS]
        return list(dict.fromkeys(fields))

    def get_readonly_fields(self, request, obj=None):
        # Political status changes belong to the membership lifecycle, never to a form.
        return self.readonly_fields if obj else []

    def save_via_service(self, request, obj, form, change):
        data = {k: form.cleaned_data[k] for k in form.changed_data if k in PROFILE_FIELDS}
        if change:
            if "node" in form.changed_data:
                person_move(actor=request.user, person=obj, node=form.cleaned_data["node"])
            if data:
                person_update(actor=request.user, person=obj, fields=data, today=timezone.localdate())
        else:
            created = person_create(
                actor=request.user,
                node=form.cleaned_data["node"],
                name=form.cleaned_data["name"],
                political_status=form.cleaned_data["political_status"],
                today=timezone.localdate(),
                **{k: v for k, v in data.items() if k != "name"},
            )
            obj.pk = created.pk


admin.site.empty_value_display = _("(none)")
