"""Committee staff's view of transfers (the queue, a year's export) and membership periods: read-only here, since
every change is a decision recorded on the portal through the services."""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.organisations.admin_scope import FORM_FIELDS, ScopedAdminMixin
from apps.organisations.choices import VIEW_SCOPE
from apps.organisations.permissions import has_any_scope
from apps.spreadsheets.export import xlsx_response

from .models import MembershipPeriod, Transfer
from .selectors import transfers_for


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(_ReadOnly, admin.ModelAdmin):
    formfield_overrides = FORM_FIELDS
    list_display = ["person", "kind", "state", "from_node", "to_node", "other_organisation", "report_by"]
    list_filter = ["state", "kind"]
    date_hierarchy = "requested_on"
    search_fields = ["person__name", "letter_number", "other_organisation"]
    actions = ["export_xlsx"]

    def get_queryset(self, request):
        return transfers_for(user=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # out of scope or unknown: the same answer

    @admin.action(description=_("Export to Excel"))
    def export_xlsx(self, request, queryset):
        """The selected transfers (every filtered one with "select all"), through the one export helper."""
        transfers = queryset.select_related("person", "from_node", "to_node").order_by("requested_on", "pk")
        header = [
            _("Member"), _("Kind"), _("State"), _("From"), _("To"), _("Letter number"), _("Dues paid up to (month)"),
            _("Requested on"), _("To report by"), _("Decided on"),
        ]  # fmt: skip
        rows = (
            [
                t.person.name,
                t.get_kind_display(),
                t.get_state_display(),
                t.from_node.name if t.from_node else t.other_organisation,
                t.to_node.name if t.to_node else t.other_organisation,
                t.letter_number,
                t.dues_paid_until,
                t.requested_on,
                t.report_by,
                t.decided_on,
            ]  # fmt: skip
            for t in transfers.iterator(chunk_size=2000)
        )
        return xlsx_response(filename="transfers.xlsx", title=_("Transfers"), header=header, rows=rows)


@admin.register(MembershipPeriod)
class MembershipPeriodAdmin(_ReadOnly, ScopedAdminMixin, admin.ModelAdmin):
    formfield_overrides = FORM_FIELDS
    scope_path = "node__path"
    list_display = ["person", "node", "started_on", "ended_on", "began", "ended"]
    list_filter = ["began", "ended"]
    list_select_related = ["person", "node"]
    search_fields = ["person__name"]
    date_hierarchy = "started_on"
