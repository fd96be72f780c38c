"""The assessment in the admin: band sets (reference data, changed by administrators; gaps and overlaps refused),
and schemes of the user's subtree with their indicator tree (ordered inline rows, each under its category or item)
and weights. A published scheme is read-only here: a change is a new version, made on the portal with its reason.
Indicators and weights are saved through the services (checked by the scoring engine, audited)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from apps.audit.services import audit_record
from apps.organisations.admin import ServiceSaveMixin
from apps.organisations.admin_scope import FORM_FIELDS, ScopedHistoryAdmin, ScopedNodeFilter
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE
from apps.organisations.permissions import covers, has_any_scope

from . import components, scoring, sources
from .choices import TARGET, Mode
from .models import Band, BandSet, Indicator, Scheme, Sheet, Weight
from .selectors import assesses
from .services import (
    INDICATOR_FIELDS,
    bands_check,
    indicator_check,
    indicator_delete,
    indicator_save,
    scheme_create,
    scheme_update,
    weights_check,
    weights_save,
)
from .views import scoring_text


class BandFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("grade")
        ]
        if any(self.errors):
            return
        bands_check(rows)


class BandInline(admin.TabularInline):
    model = Band
    formset = BandFormSet
    extra = 0
    fields = ["grade", "min_points", "quota_numerator", "quota_denominator"]


@admin.register(BandSet)
class BandSetAdmin(admin.ModelAdmin):
    """Grade and star bands: every staff member reads them, administrators change them."""

    formfield_overrides = FORM_FIELDS
    list_display = ["name", "is_star", "bands_text"]
    inlines = [BandInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bands")

    @admin.display(description=_("bands"))
    def bands_text(self, obj):
        return " · ".join(f"{b.grade} ≥ {b.min_points}" for b in obj.bands.all())

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and has_any_scope(request.user, VIEW_SCOPE)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # schemes refer to their bands

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        audit_record(
            actor=request.user,
            action="assessment.bands_saved",
            target=form.instance,
            note=" · ".join(f"{b.grade} ≥ {b.min_points}" for b in form.instance.bands.all()),
        )


# The scoring parameters as fields of their own (the stored JSON is never typed by hand): each mode reads some.
PARAM_FIELDS = ["scored_as", "points", "cap", "factor", "grades", "caps_grade_at"]
FORM_FIELDS_OF_INDICATOR = [f for f in INDICATOR_FIELDS if f != "params"]


def _number_text(value) -> str:
    return format(value.normalize(), "f") if value is not None else ""


def grades_from_text(text: str) -> dict[str, str]:
    """“好=10; 较好=8, 一般=6” (or one per line; ：/: for =) → {"好": "10", …}, in the order typed."""
    table: dict[str, str] = {}
    for part in re.split(r"[;；,，\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.match(r"^(.+?)\s*[=＝:：]\s*(.+)$", part)
        if not match:
            raise ValidationError(_("Write each grade as grade=points, e.g. 好=10; 较好=8."))
        table[match.group(1).strip()] = match.group(2).strip()
    return table


class IndicatorForm(forms.ModelForm):
    """An indicator with its scoring parameters as plain fields: points per event (deduct, bonus, and a data
    indicator scored so), the cap of a bonus, the factor of a multiplier, the grades and their points, the grade a
    veto caps the result at; a data indicator also names the mode its facts are scored by."""

    scored_as = forms.ChoiceField(
        label=_("data scored as"),
        required=False,
        choices=[("", "—"), *[(m.value, m.label) for m in Mode if m != Mode.DATA]],
        help_text=_("For a data indicator: how its facts are scored."),
    )
    points = forms.DecimalField(
        label=_("points per event"), required=False, min_value=0, max_digits=7, decimal_places=2
    )
    cap = forms.DecimalField(label=_("cap of the bonus"), required=False, min_value=0, max_digits=7, decimal_places=2)
    factor = forms.DecimalField(label=_("factor"), required=False, min_value=0, max_digits=7, decimal_places=3)
    grades = forms.CharField(
        label=_("grades and their points"),
        required=False,
        max_length=500,
        help_text=_("E.g. 好=10; 较好=8; 一般=6; 较差=0"),
    )
    caps_grade_at = forms.CharField(
        label=_("the veto caps the grade at"), required=False, max_length=20, help_text=_("E.g. 一般")
    )

    class Meta:
        model = Indicator
        fields = FORM_FIELDS_OF_INDICATOR
        widgets = {"standard": forms.Textarea(attrs={"rows": 2, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"] = forms.ChoiceField(
            label=_("indicator source"), required=False, choices=[("", "—"), *sources.source_choices()]
        )
        params = dict(self.instance.params or {}) if self.instance.pk else {}
        self.initial.setdefault("scored_as", params.get("mode", ""))
        for key in ("points", "cap", "factor"):
            if params.get(key) not in (None, ""):
                self.initial.setdefault(key, params[key])
        if params.get("grades"):  # best first (PostgreSQL's jsonb keeps no order of keys)
            table = sorted(params["grades"].items(), key=lambda item: -scoring.to_decimal(item[1], what=""))
            self.initial.setdefault("grades", "; ".join(f"{g}={n}" for g, n in table))
        self.initial.setdefault("caps_grade_at", params.get("caps_grade_at", ""))

    def clean_grades(self):
        return grades_from_text(self.cleaned_data.get("grades", ""))

    def clean(self):
        data = super().clean()
        mode = data.get("mode") or ""
        scored = (data.get("scored_as") or "") if mode == Mode.DATA else mode
        params: dict = {}
        if mode == Mode.DATA:
            params["mode"] = scored
        if scored in (Mode.DEDUCT, Mode.BONUS) and data.get("points") is not None:
            params["points"] = _number_text(data["points"])
        if scored == Mode.BONUS and data.get("cap") is not None:
            params["cap"] = _number_text(data["cap"])
        if scored == Mode.MULTIPLIER and data.get("factor") is not None:
            params["factor"] = _number_text(data["factor"])
        if scored == Mode.GRADED and data.get("grades"):
            params["grades"] = data["grades"]
        if scored == Mode.VETO and (data.get("caps_grade_at") or "").strip():
            params["caps_grade_at"] = data["caps_grade_at"].strip()
        data["params"] = params
        return data


class IndicatorFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            try:
                indicator_check(self.instance, {f: data.get(f) for f in INDICATOR_FIELDS})
            except ValidationError as exc:
                form.add_error(None, exc)


class IndicatorInline(admin.StackedInline):
    """The tree as ordered rows: a row with a scoring mode is a standard; without, a category or item that others
    sit under (``under``). Saved through ``indicator_save``."""

    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    fk_name = "scheme"
    extra = 0
    fieldsets = [
        (None, {"fields": [("parent", "code", "order"), "title", ("max_points", "responsible_post")]}),
        (_("Standard and check"), {"fields": ["standard", ("check_method", "sample_size", "evidence_required")]}),
        (_("Scoring"), {"fields": [("mode", "source", "scored_as"), tuple(PARAM_FIELDS[1:])]}),
    ]
    ordering = ["order", "id"]
    readonly_fields = ["scoring_in_words"]

    def get_fieldsets(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fieldsets
        # read only (a published scheme): the scoring in words, as the scheme's page says it, not the form's fields
        return [
            *self.fieldsets[:2],
            (_("Scoring"), {"fields": [("mode", "scoring_in_words")]}),
        ]

    @admin.display(description=_("scoring"))
    def scoring_in_words(self, obj):
        text = scoring_text(obj) if obj is not None and obj.pk else {}
        return " · ".join(str(part) for part in (text.get("source"), text.get("rule")) if part) or "—"

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.frozen

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.frozen

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.frozen

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            scheme_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Indicator.objects.filter(scheme_id=scheme_id or 0, mode="")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WeightFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        weights = {
            f.cleaned_data["part"]: f.cleaned_data["percent"]
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("part")
        }
        weights_check(weights)


class WeightForm(forms.ModelForm):
    class Meta:
        model = Weight
        fields = ["part", "percent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"] = forms.ChoiceField(
            label=_("part"), choices=[(TARGET, _("Target score (the sheet total)")), *components.component_choices()]
        )


class WeightInline(admin.TabularInline):
    model = Weight
    form = WeightForm
    formset = WeightFormSet
    extra = 0
    readonly_fields = ["part_name"]

    def get_fields(self, request, obj=None):
        # A frozen scheme's weights are read-only: the part by its name, not its code.
        return ["part_name", "percent"] if obj is not None and obj.frozen else ["part", "percent"]

    @admin.display(description=_("part"))
    def part_name(self, weight):
        return weight.part_label

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.frozen

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.frozen

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.frozen


@admin.register(Scheme)
class SchemeAdmin(ServiceSaveMixin, ScopedHistoryAdmin, admin.ModelAdmin):
    """Schemes of the organisations in the user's subtree; published ones read-only."""

    scope_path = "assessing_node__path"
    list_display = ["year", "name", "version", "assessing_node", "status", "portal_link"]
    list_filter = ["year", "status"]
    list_select_related = ["assessing_node"]
    search_fields = ["name", "assessing_node__name"]
    fields = ["assessing_node", "year", "name", "band_set", "star_band_set", "self_due_on", "review_due_on"]
    readonly_fields = ["portal_link", "sources_text"]
    inlines = [IndicatorInline, WeightInline]

    @staticmethod
    def _opens_on_portal(request, obj=None) -> bool:
        """The scheme's portal page is for its assessors (who manage people over the assessing organisation): a
        link is shown only to those it opens for."""
        if obj is None:
            return has_any_scope(request.user, MANAGE_PEOPLE)
        return assesses(request.user, obj)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return shown if self._opens_on_portal(request) else [f for f in shown if f != "portal_link"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        link = ["portal_link"] if self._opens_on_portal(request, obj) else []
        return [*self.fields, *link, "sources_text"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        frozen = ["assessing_node", "year", "band_set", "star_band_set"] if obj.frozen else ["assessing_node", "year"]
        return [*frozen, "portal_link", "sources_text"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("on the portal"))
    def portal_link(self, obj):
        if obj.pk is None:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("assessment:scheme", args=[obj.pk]), _("Open the scheme"))

    @admin.display(description=_("indicator sources"))
    def sources_text(self, obj):
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((s.label, s.definition) for s in sources.all_sources()),
            ),
        )

    def save_via_service(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = scheme_create(
                actor=request.user,
                assessing_node=data["assessing_node"],
                year=data["year"],
                name=data["name"],
                band_set=data["band_set"],
            )
            obj.pk = created.pk
            obj._state.adding = False
            fields = {k: data.get(k) for k in ("star_band_set", "self_due_on", "review_due_on") if data.get(k)}
            if fields:
                scheme_update(actor=request.user, scheme=created, fields=fields)
            obj.refresh_from_db()
            return
        fields = {k: data[k] for k in form.changed_data if k in data}
        scheme_update(actor=request.user, scheme=Scheme.objects.get(pk=obj.pk), fields=fields)

    def save_formset(self, request, form, formset, change):
        # Saved through the services below, not the formset's own save: what the admin's change message reads
        # (``construct_change_message``) is filled in here.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        scheme = form.instance
        if formset.model is Weight:
            weights = {
                f.cleaned_data["part"]: f.cleaned_data["percent"]
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("part")
            }
            if weights:
                weights_save(actor=request.user, scheme=scheme, weights=weights)
            return
        if formset.model is Indicator:
            for f in formset.forms:
                data = getattr(f, "cleaned_data", None)
                if not data:
                    continue
                if data.get("DELETE"):
                    if f.instance.pk:
                        indicator_delete(actor=request.user, indicator=f.instance)
                        formset.deleted_objects.append(f.instance)
                    continue
                if not f.has_changed():
                    continue
                values = {k: data.get(k) for k in INDICATOR_FIELDS}
                existing = f.instance if f.instance.pk else None
                saved = indicator_save(actor=request.user, scheme=scheme, values=values, indicator=existing)
                if existing is None:
                    formset.new_objects.append(saved)
                else:
                    formset.changed_objects.append((saved, f.changed_data))
            return
        super().save_formset(request, form, formset, change)


@admin.register(Sheet)
class SheetAdmin(ScopedHistoryAdmin, admin.ModelAdmin):
    """The sheets of the organisations in the user's subtree, read only: where each stands (status, level, the
    total of each column, the result). Sheets are filled, reviewed and graded on the portal, through the services."""

    scope_path = "node__path"
    list_display = ["node", "scheme", "status", "level", "grade", "rank", "locked"]
    list_filter = ["status", "locked", ScopedNodeFilter]
    list_select_related = ["node", "scheme"]
    search_fields = ["node__name", "scheme__name"]
    fields = ["scheme", "node", "peer_group_text", "status", "level", "return_reason", "locked", "grade", "star",
              "rank", "updated_at", "column_totals"]  # fmt: skip
    readonly_fields = fields

    def get_fields(self, request, obj=None):
        link = ["portal_link"] if obj is not None and covers(request.user, MANAGE_PEOPLE, obj.node.path) else []
        return [*self.fields, *link]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False  # assigned on the portal (a scheme's organisations)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("peer group"))
    def peer_group_text(self, obj):
        return obj.peer_group_label

    @admin.display(description=_("totals of the columns"))
    def column_totals(self, obj):
        columns = sorted(obj.columns.select_related("reviewer_node"), key=lambda c: c.level)
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            (
                (
                    _("Self-assessment") if c.level == 0 else c.reviewer_node.name,
                    c.total if c.total is not None else "—",
                )
                for c in columns
            ),
        )

    @admin.display(description=_("on the portal"))
    def portal_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("assessment:sheet", args=[obj.pk]), _("Open the sheet"))
