import datetime

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.notifications.context_processors import unread_key
from apps.organisations.choices import APPROVE, MANAGE_PEOPLE, VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.overview_cache import TTL_SECONDS, cached, fragment_key, read_ahead
from apps.organisations.permissions import covers, grants_key, has_any_scope
from apps.people.choices import MEMBER_STATUSES
from apps.people.selectors import person_for_user, person_list_for
from apps.workdays.selectors import calendar_load

from .forms import DocumentForm, OpenCaseForm, PlanForm, SubmissionForm, proposed_step, record_form_of
from .models import DevelopmentCase
from .plan import compute_plan, facts_from_dict
from .rules import Rules
from .selectors import (
    case_get_for,
    case_list_for,
    case_plan,
    case_prefetched,
    committee_cases_for,
    helper_cases_for,
    pipeline_counts,
    pipeline_for,
    record_origins,
    with_warning_count,
)
from .services import (
    after_the_fact_days,
    case_open,
    case_record_step,
    case_submit,
    may_record,
    record_attach_document,
    recordable_kinds,
)
from .steps import KIND_BY_CODE, OPEN_STAGES, SELF_SERVICE_KINDS, STEP_BY_CODE, WarningCode


def _error_messages(exc) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def _warning_labels(plan) -> list:
    """``(label, step)`` of each warning of a plan, for the templates."""
    return [(WarningCode(c).label if c in WarningCode.values else c, STEP_BY_CODE.get(s)) for c, s in plan.warnings]


def my_development(request):
    """The applicant's, activist's or probationary member's own timeline, and the people one accompanies."""
    me = person_for_user(request.user)
    cases = list(case_prefetched(DevelopmentCase.objects.filter(person=me)).order_by("-opened_on")) if me else []
    current = next((c for c in cases if c.stage in OPEN_STAGES), cases[0] if cases else None)
    today = timezone.localdate()
    plan = case_plan(current, today=today) if current else None
    kinds = []
    if current is not None:
        kinds = [(k.code, k.label) for k in recordable_kinds(request.user, current, as_person=True)]
    context = {
        "me": me,
        # a member without a case (admitted before the portal, or their case closed) is not told to apply
        "is_member": me is not None and me.political_status in MEMBER_STATUSES,
        "case": current,
        "plan": plan,
        "next_step": plan.next_step() if plan else None,
        "submission_form": SubmissionForm(kinds=kinds) if kinds else None,
        "helping": list(helper_cases_for(user=request.user)),
        "today": today,
    }
    return render(request, "lifecycle/my_development.html", context)


@require_POST
def submit(request, pk: int):
    case = case_get_for(user=request.user, pk=pk, request=request)
    form = SubmissionForm(request.POST, request.FILES, kinds=[(k, KIND_BY_CODE[k].label) for k in SELF_SERVICE_KINDS])
    if form.is_valid():
        try:
            case_submit(
                actor=request.user,
                case=case,
                kind=form.cleaned_data["kind"],
                uploaded=form.cleaned_data["file"],
                now=timezone.now(),
            )
            messages.success(request, _("Received. Your branch can see it now."))
        except (ValidationError, PermissionDenied) as exc:
            for message in _error_messages(exc):
                messages.error(request, message)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("lifecycle:my_development")


PIPELINE_PAGE = 100


def pipeline(request):
    """The pipeline: open cases of the subtree by stage, overdue first, a hundred to a page (a base committee
    has a thousand or more); the counts cover them all."""
    if not has_any_scope(request.user, VIEW_SCOPE):
        raise PermissionDenied
    today = timezone.localdate()
    # ?waiting=committee: only the cases waiting for the committee's filing, review or approval (the home to-do's)
    committee = request.GET.get("waiting") == "committee" and has_any_scope(request.user, APPROVE)
    cases = committee_cases_for(user=request.user) if committee else pipeline_for(user=request.user)
    counts = {row["stage"]: row for row in pipeline_counts(cases, today=today)}
    page = Paginator(with_warning_count(cases), PIPELINE_PAGE).get_page(request.GET.get("page"))
    shown = list(page)
    by_stage = [
        (stage, [c for c in shown if c.stage == stage], counts.get(stage, {}).get("n", 0)) for stage in OPEN_STAGES
    ]
    return render(
        request,
        "lifecycle/pipeline.html",
        {
            "by_stage": by_stage,
            "page": page,
            "today": today,
            "total": sum(row["n"] for row in counts.values()),
            "overdue": sum(row["overdue"] for row in counts.values()),
            "can_open": has_any_scope(request.user, MANAGE_PEOPLE),
            "committee": committee,
        },
    )


@require_http_methods(["GET", "POST"])
def case_new(request):
    if not has_any_scope(request.user, MANAGE_PEOPLE):
        raise PermissionDenied
    people = person_list_for(user=request.user, perm=MANAGE_PEOPLE).filter(is_active=True)
    form = OpenCaseForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        branch = person.node if person.node.kind == "branch" else person.node.get_parent()
        try:
            case = case_open(
                actor=request.user,
                person=person,
                branch=branch,
                application_on=form.cleaned_data["application_on"],
                today=timezone.localdate(),
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _error_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("The development case was opened."))
            return redirect("lifecycle:case_detail", pk=case.pk)
    return render(request, "lifecycle/case_new.html", {"form": form})


# The case page's parts computed from the case's records (docs/adr/0004): cached per user (their grants decide what
# they see and may record), language, day and case, under the versions of the data they are read from: the grants
# ("org") and every table the page shows ("case_page", watched in apps.py). No form and no CSRF token in them.
CASE_PAGE_DATA = ("org", "case_page")


def case_detail(request, pk: int):
    """The case timeline: actual dates, legal limits and the reference plan, with the warnings.

    A user who opened the case under the same data versions today finds its parts cached and reads no row: the
    access check is part of what was cached (the grants, the case's branch and helpers are all under the key's
    versions); anyone else goes through ``case_get_for`` as before (a 404 outside the subtree, noted)."""
    today = timezone.localdate()
    key = _case_parts_key(request, pk, today=today)
    parts = cached(key)
    if parts is None:
        case = case_get_for(user=request.user, pk=pk, request=request)
        parts = _case_parts(request, case, today=today)
        cache.set(key, parts, timeout=TTL_SECONDS)
    return _render_case(request, pk, parts, today=today)


def _case_parts_key(request, pk, *, today) -> str:
    user = request.user
    key = fragment_key("case-page", CASE_PAGE_DATA, user.pk, get_language(), today, pk)
    read_ahead([key, grants_key(user.pk), unread_key(user.pk)])  # with what the frame asks for: one round trip
    return key


def _case_parts(request, case, *, today) -> dict:
    """What the case page shows of a prefetched case, rendered: its head and timeline, its records, and what the
    frame needs to add the forms (the records awaiting a document, the kinds the user may record, the step
    proposed)."""
    plan = case_plan(case, today=today)
    kinds = recordable_kinds(request.user, case)
    sensitive = covers(request.user, VIEW_SENSITIVE, case.branch.path)
    records = list(case.records.all())
    origins = record_origins([r.pk for r in records if getattr(r, "vote", None) is not None])
    for r in records:
        r.origin = origins.get(r.pk)
    attachable = [
        r.pk
        for r in records
        if r.step in KIND_BY_CODE
        and KIND_BY_CODE[r.step].documents
        and not r.documents.all()
        and may_record(request.user, case, KIND_BY_CODE[r.step], as_person=False)
    ]
    context = {
        "case": case,
        "plan": plan,
        "warnings": _warning_labels(plan),
        "records": records,
        "attachable": set(attachable),
        "helpers": list(case.helpers.all()),
        "notices": list(case.notices.all()),
        "review": getattr(case, "political_review", None) if sensitive else None,
        "today": today,
        "after_the_fact_days": after_the_fact_days(),
    }
    return {
        "title": case.person.name,
        "head": render_to_string("lifecycle/_case_head.html", context),
        "records": render_to_string("lifecycle/_case_records.html", context),
        "attachable": attachable,
        "kinds": [k.code for k in kinds],
        "proposed": proposed_step(plan, kinds),
        "branch_path": case.branch.path,
    }


def _render_case(request, pk, parts, *, today, form=None, status=200):
    if form is None and parts["kinds"]:
        kinds = [KIND_BY_CODE[code] for code in parts["kinds"]]
        form = _record_form(request, parts["branch_path"], kinds, parts["proposed"], today=today)
    context = {
        "case_pk": pk,
        "parts": {**parts, "head": mark_safe(parts["head"]), "records": mark_safe(parts["records"])},
        "form": form,
        "people_q": request.GET.get("people_q", ""),
        "after_the_fact_days": after_the_fact_days(),
    }
    return render(request, "lifecycle/case_detail.html", context, status=status)


PEOPLE_SHOWN = 50


def _record_form(request, branch_path, kinds, proposed, *, today, data=None):
    """The record form offering ``kinds`` (``recordable_kinds``). Its list of members to pick as contacts or sponsors
    shows those matching the name searched (at most 50); a submitted choice is checked against every full member of
    the branch."""
    people = person_list_for(user=request.user).filter(node__path__startswith=branch_path).order_by("name")
    files = request.FILES if data is not None else None
    form = record_form_of(kinds=kinds, proposed=proposed, today=today, people=people, data=data, files=files)
    if data is None:
        query = request.GET.get("people_q", "").strip()
        shown = form.fields["people"].queryset
        shown = shown.filter(name__contains=query) if query else shown.filter(pk__in=[])
        form.fields["people"].queryset = shown[:PEOPLE_SHOWN]
    return form


@require_POST
def case_record(request, pk: int):
    """Record a decision. Refused (by the form or the service): the case page again, with the reason next to the
    input as typed, and nothing saved."""
    case = case_get_for(user=request.user, pk=pk, request=request)
    kinds = recordable_kinds(request.user, case)
    if not kinds:
        raise Http404
    now = timezone.now()
    today = timezone.localdate(now)
    proposed = proposed_step(case_plan(case, today=today), kinds)
    form = _record_form(request, case.branch.path, kinds, proposed, today=today, data=request.POST)
    if form.is_valid():
        try:
            record = case_record_step(actor=request.user, case=case, entry=form.entry(), now=now)
        except (ValidationError, PermissionDenied) as exc:
            for message in _error_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Recorded: %(step)s, decided on %(date)s.") % {"step": record.get_step_display(), "date": record.on},
            )
            return redirect("lifecycle:case_detail", pk=case.pk)
    case = case_prefetched(DevelopmentCase.objects.filter(pk=case.pk)).get()
    return _render_case(request, pk, _case_parts(request, case, today=today), today=today, form=form, status=422)


@require_POST
def record_document(request, pk: int, record_pk: int):
    """Attach the archive document a recorded step needs (see ``record_attach_document``)."""
    case = case_get_for(user=request.user, pk=pk, request=request)
    record = next((r for r in case.records.all() if r.pk == record_pk), None)
    kind = KIND_BY_CODE.get(record.step) if record is not None else None
    if kind is None or not kind.documents or not may_record(request.user, case, kind, as_person=False):
        raise Http404
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            record_attach_document(
                actor=request.user, record=record, uploaded=form.cleaned_data["file"], now=timezone.now()
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in _error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Attached to “%(step)s”.") % {"step": kind.label})
    else:
        for message in form.errors.get("file", []):
            messages.error(request, message)
    return redirect("lifecycle:case_detail", pk=case.pk)


@require_http_methods(["GET", "POST"])
def plan_calculator(request):
    """Enter the known dates of a person and see the plan (the same calculator as every case timeline)."""
    form = PlanForm(request.POST or None, initial={"edition": Rules().edition})
    plan = None
    if request.method == "POST" and form.is_valid():
        facts = facts_from_dict(form.facts(), today=timezone.localdate())
        rules = Rules.from_model(form.cleaned_data["edition"])
        start = facts.steps["application_received"] - datetime.timedelta(days=1)
        plan = compute_plan(rules=rules, facts=facts, calendar=calendar_load(start=start))
    warnings = _warning_labels(plan) if plan else []
    return render(request, "lifecycle/plan.html", {"form": form, "plan": plan, "warnings": warnings})


def compliance(request):
    """Cases of the subtree with what an archive inspection would find (the stored warnings, refreshed nightly)."""
    if not has_any_scope(request.user, VIEW_SCOPE):
        raise PermissionDenied
    code = request.GET.get("code", "")
    cases = case_list_for(user=request.user).filter(warnings__isnull=False)
    if code in WarningCode.values:
        cases = cases.filter(warnings__code=code)
    cases = cases.distinct().prefetch_related("warnings").order_by("branch__path", "person__name")
    counts = dict(
        case_list_for(user=request.user)
        .filter(warnings__isnull=False)
        .values_list("warnings__code")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "lifecycle/compliance.html",
        {
            "page": page,
            "code": code,
            "codes": [(c, label, counts.get(c, 0)) for c, label in WarningCode.choices if counts.get(c)],
            "labels": dict(WarningCode.choices),
            "steps": {s: v.label for s, v in STEP_BY_CODE.items()},
        },
    )
