"""The admin's side of subtree permissions: one mixin that every protected ModelAdmin uses (and one that names
permissions in the user's language where the admin offers them).

Changelists, change pages, autocomplete, list filters and foreign-key choices all go through ``restrict``;
an object outside the user's subtree answers 404, as in the portal.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Permission
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Model, Q
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.audit.services import access_denied_note
from apps.workdays.forms import DateField

from .choices import MANAGE_PEOPLE, NODE_PERMISSIONS, VIEW_SCOPE
from .models import OrgNode
from .overview_cache import cached_fragment, data_versions, fragment_key, read_ahead
from .permissions import grants_key, has_any_scope, restrict, scope_paths
from .validators import validate_one_line

# Foreign keys to these models offer only the rows in the user's subtree: model -> (node path field, joined
# relations). The apps above the tree register theirs at AppConfig.ready (apps.people: Person).
_SCOPED_CHOICES: dict[type[Model], tuple[str, tuple[str, ...]]] = {}
# The admin's form fields (``ModelAdmin.formfield_overrides``): every date within the plausible range, every text
# input one line (names and titles end up in e-mail subjects and the calendar feed).
FORM_FIELDS = {
    models.DateField: {"form_class": DateField},
    models.CharField: {"validators": [validate_one_line]},
}


# What the admin's node filter and sidebar are computed from: the grants and the tree ("org", bumped by the
# services), and any write to the users, groups, permissions and organisation tables ("admin", watched in apps.py).
ADMIN_DATA = ("org", "admin")


def scope_choices(model: type[Model], *, path_field: str, select_related: tuple[str, ...] = ()) -> None:
    """Restrict every scoped admin's foreign-key choices of ``model`` to the user's subtree (by ``view_perm``)."""
    _SCOPED_CHOICES[model] = (path_field, select_related)


class CheckedListFilter(admin.SimpleListFilter):
    """A list filter that takes only the values it offers: anything else in the query string (``?node=abc``) is an
    invalid lookup, the admin's own answer for a bad filter, never a query built from it (a 500)."""

    def value(self):
        value = super().value()  # a string from the query string; the facet counts pass each choice's own key
        if value is not None and str(value) not in {str(key) for key, _label in self.lookup_choices}:
            raise IncorrectLookupParameters(f"{self.parameter_name}={str(value)[:50]}")
        return value


class ScopedNodeFilter(CheckedListFilter):
    """Filter by organisation, offering only the nodes in the user's subtree (subtree match)."""

    title = OrgNode._meta.verbose_name
    parameter_name = "node"
    path_field = "node__path"

    # A tree of thousands of organisations is not a list of links (rendering them was most of a changelist's time):
    # the filter offers the top of the user's subtree, with the level below when it is short, and once a node is
    # chosen, the nodes above it, itself and the level below it.
    SHORT = 60

    def lookups(self, request, model_admin):
        # the tree and the user's grants: cached under the versions of both (docs/adr/0004)
        chosen = self.used_parameters.get(self.parameter_name)
        chosen = chosen[-1] if isinstance(chosen, list) else chosen
        return cached_fragment(self.choices_key(request, chosen), lambda: self._lookups(request))

    @staticmethod
    def choices_key(request, chosen) -> str:
        return fragment_key("admin-node-filter", ADMIN_DATA, request.user.pk, get_language(), chosen or "")

    def _lookups(self, request):
        scoped = restrict(OrgNode.objects.all(), user=request.user, perm=VIEW_SCOPE, path_field="path")
        scoped = scoped.order_by("path").only("pk", "name", "depth", "path")
        chosen = self._chosen(scoped)
        if chosen is not None:
            steplen = OrgNode.steplen
            above = [chosen.path[:i] for i in range(steplen, len(chosen.path) + 1, steplen)]
            nodes = list(scoped.filter(Q(path__in=above) | Q(path__startswith=chosen.path, depth=chosen.depth + 1)))
        else:
            roots = scope_paths(request.user, VIEW_SCOPE)
            top = min((len(p) // OrgNode.steplen for p in roots), default=1) if roots is not None else 1
            nodes = list(scoped.filter(depth=top))
            below = list(scoped.filter(depth=top + 1)[: self.SHORT + 1])
            if len(nodes) + len(below) <= self.SHORT:
                nodes = sorted(nodes + below, key=lambda n: n.path)
        return [(n.pk, "\u2003" * (n.depth - 1) + n.name) for n in nodes]

    def _chosen(self, scoped):
        value = self.used_parameters.get(self.parameter_name)
        value = value[-1] if isinstance(value, list) else value
        if not value or not str(value).isdigit():
            return None
        return scoped.filter(pk=value).first()

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        node = restrict(OrgNode.objects.all(), user=request.user, perm=VIEW_SCOPE, path_field="path").filter(
            pk=self.value()
        )
        path = node.values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(**{f"{self.path_field}__startswith": path})


class CountCachedPaginator(Paginator):
    """A changelist's paginator whose count (of tens of thousands of rows, on every page) is cached under ``key``: the
    data versions of what it counts, the user (their scope) and the query string (the filters and the search)."""

    def __init__(self, *args, key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key

    @cached_property
    def count(self) -> int:
        return cached_fragment(self.key, lambda: Paginator.count.func(self))


class OnlyListedChangeList(ChangeList):
    """A changelist reading only the columns its rows show (``list_only`` of its admin): fifty rows of every column of
    a wide table (a person has thirty) were most of a warm changelist's query."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).only(*self.model_admin.list_only)


class ScopedAdminMixin:
    """Restricts a ModelAdmin to the user's subtree. ``scope_path`` names the node path of a row.

    ``list_data``: the data versions (``overview_cache``) its changelist's rows are computed from; when given, the
    count and the rendered rows are cached under them (per user, language and query string; docs/adr/0004)."""

    scope_path = "node__path"
    view_perm = VIEW_SCOPE
    change_perm = MANAGE_PEOPLE
    show_full_result_count = False
    formfield_overrides = FORM_FIELDS
    list_data: tuple[str, ...] | None = None
    list_only: tuple[str, ...] | None = None  # the fields the changelist's rows show (``OnlyListedChangeList``)

    def get_changelist(self, request, **kwargs):
        return OnlyListedChangeList if self.list_only else super().get_changelist(request, **kwargs)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if self.list_data is None:
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        key = self.list_keys(request)["count"]
        return CountCachedPaginator(queryset, per_page, orphans, allow_empty_first_page, key=key)

    def list_keys(self, request) -> dict[str, str]:
        """The keys of the changelist's cached count, rows and filters: its data versions, the user, the language and
        the query string (which holds the filters, the search, the order and the page)."""
        parts = (request.user.pk, get_language(), request.get_full_path())
        return {part: fragment_key(f"admin-{part}", self.list_data, *parts) for part in ("count", "rows", "filters")}

    def changelist_view(self, request, extra_context=None):
        if self.list_data is not None:
            from .admin_site import nav_sidebar_key

            data_versions(*ADMIN_DATA, *self.list_data)  # every version the page is keyed by, in one round trip
            keys = self.list_keys(request)
            extra_context = {**(extra_context or {}), "rows_key": keys["rows"], "filters_key": keys["filters"]}
            # and every fragment the page will ask for, in one more
            chosen = request.GET.get(ScopedNodeFilter.parameter_name)
            user_keys = [grants_key(request.user.pk), nav_sidebar_key(request)]
            read_ahead([*user_keys, ScopedNodeFilter.choices_key(request, chosen), *keys.values()])
        return super().changelist_view(request, extra_context=extra_context)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return restrict(qs, user=request.user, perm=self.view_perm, path_field=self.scope_path)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, self.view_perm)

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        if obj is None:
            return has_any_scope(request.user, self.change_perm)
        return self.get_change_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, self.change_perm)

    def has_delete_permission(self, request, obj=None):
        # Records are closed or ended through services, never deleted from the admin.
        return False

    def get_change_queryset(self, request):
        return restrict(
            super().get_queryset(request), user=request.user, perm=self.change_perm, path_field=self.scope_path
        )

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Out of scope and non-existent look the same: 404, and the attempt is logged.
        denied = self.model._default_manager.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if denied is not None:
            access_denied_note(actor=request.user, target=denied, request=request)
        raise Http404

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is OrgNode:
            kwargs["queryset"] = restrict(
                OrgNode.objects.all(), user=request.user, perm=self.change_perm, path_field="path"
            ).order_by("path")
        elif related in _SCOPED_CHOICES:
            path_field, joined = _SCOPED_CHOICES[related]
            kwargs["queryset"] = restrict(
                related._default_manager.select_related(*joined),
                user=request.user,
                perm=self.view_perm,
                path_field=path_field,
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """A scoped admin with django-simple-history's history pages, which answer 404 outside the subtree too."""

    def _in_scope_or_404(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            self._get_obj_does_not_exist_redirect(request, self.model._meta, unquote(object_id))

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


# --- permissions in the admin's choices ----------------------------------------------------------------------------

# Django stores the names of permissions in English when it creates them; the admin's choices name them again here,
# in the reader's language: the node permissions by their label, the model permissions by action and model.
MODEL_PERMISSION_LABELS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """``app | model | what it allows``, in the active language."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    node_labels = dict(NODE_PERMISSIONS)
    if model is OrgNode and permission.codename in node_labels:
        name = node_labels[permission.codename]
    elif model is not None and action in MODEL_PERMISSION_LABELS and model_name == model._meta.model_name:
        name = MODEL_PERMISSION_LABELS[action] % {"model": model._meta.verbose_name}
    else:
        name = permission.name
    return f"{permission.content_type} | {name}"


class PermissionLabelsMixin:
    """A ModelAdmin whose permission choices (roles, users, groups) read in the user's language. The permissions on
    django-guardian's generic tables are left out: grants live in the direct foreign-key table on nodes (ADR 2)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.queryset = field.queryset.exclude(content_type__app_label="guardian").select_related("content_type")
            field.label_from_instance = permission_label
        return field
