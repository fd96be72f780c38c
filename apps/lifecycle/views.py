import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.organisations.choices import MANAGE_PEOPLE, VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.permissions import covers, has_any_scope
from apps.people.selectors import person_for_user, person_list_for
from apps.workdays.selectors import calendar_load

from .forms import OpenCaseForm, PlanForm, RecordStepForm, SubmissionForm
from .models import DevelopmentCase
from .plan import compute_plan, facts_from_dict
from .rules import Rules
from .selectors import (
    case_get_for,
    case_list_for,
    case_plan,
    case_prefetched,
    helper_cases_for,
    pipeline_for,
    with_warning_count,
)
from .services import SELF_SERVICE_STEPS, case_open, case_record_step, case_submit
from .steps import OPEN_STAGES, STEP_BY_CODE, Stage, WarningCode


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
    if current is not None and current.stage in OPEN_STAGES:
        kinds.append(("thought_report", _("Thought report")))
        if current.stage == Stage.PROBATIONARY and not any(
            r.step == "conversion_applied" for r in current.records.all()
        ):
            kinds.append(("conversion_applied", _("Application for full membership")))
    context = {
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
    form = SubmissionForm(request.POST, request.FILES, kinds=[(k, k) for k in SELF_SERVICE_STEPS])
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
    cases = pipeline_for(user=request.user)
    counts = {
        row["stage"]: row
        for row in cases.order_by()
        .values("stage")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(next_due_on__lt=today)))
    }
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
            "case_base": reverse("lifecycle:case_detail", args=[0]).removesuffix("0/"),
            "can_open": has_any_scope(request.user, MANAGE_PEOPLE),
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


def case_detail(request, pk: int):
    """The case timeline: actual dates, legal limits and the reference plan, with the warnings."""
    case = case_get_for(user=request.user, pk=pk, request=request)
    today = timezone.localdate()
    plan = case_plan(case, today=today)
    can_record = covers(request.user, MANAGE_PEOPLE, case.branch.path) and case.is_open
    form = None
    if can_record:
        form = _record_form(request, case, plan, today=today)
    records = list(case.records.all())
    context = {
        "case": case,
        "plan": plan,
        "warnings": _warning_labels(plan),
        "records": records,
        "helpers": list(case.helpers.all()),
        "notices": list(case.notices.all()),
        "form": form,
        "people_q": request.GET.get("people_q", ""),
        "sensitive": covers(request.user, VIEW_SENSITIVE, case.branch.path),
        "review": getattr(case, "political_review", None)
        if covers(request.user, VIEW_SENSITIVE, case.branch.path)
        else None,
        "today": today,
    }
    return render(request, "lifecycle/case_detail.html", context)


PEOPLE_SHOWN = 50


def _record_form(request, case, plan, *, today, data=None):
    """The record form. Its list of members to pick as contacts or sponsors shows those matching the name searched
    (at most 50); a submitted choice is checked against every full member of the branch."""
    taken = {r.step for r in case.records.all()}
    steps = [
        (s.code, s.label)
        for s in plan.steps
        if s.code not in taken or s.code in ("activist_evaluation", "probation_evaluation")
    ]
    steps += [
        ("probation_extended", _("Probation extended")),
        ("reopened", _("Resumed after a decision")),
        ("withdrawn", _("Withdrawn")),
        ("transferred_out", _("Transferred out")),
        ("deceased", _("Deceased")),
    ]
    upcoming = plan.next_step()
    people = person_list_for(user=request.user).filter(node__path__startswith=case.branch.path).order_by("name")
    initial = {"step": upcoming.code if upcoming else None, "on": today}
    form = RecordStepForm(data, steps=steps, people=people, initial=initial)
    if data is None:
        query = request.GET.get("people_q", "").strip()
        shown = form.fields["people"].queryset
        shown = shown.filter(name__contains=query) if query else shown.filter(pk__in=[])
        form.fields["people"].queryset = shown[:PEOPLE_SHOWN]
    return form


@require_POST
def case_record(request, pk: int):
    case = case_get_for(user=request.user, pk=pk, request=request)
    if not covers(request.user, MANAGE_PEOPLE, case.branch.path):
        raise Http404
    now = timezone.now()
    today = timezone.localdate(now)
    form = _record_form(request, case, case_plan(case, today=today), today=today, data=request.POST)
    if form.is_valid():
        try:
            record = case_record_step(actor=request.user, case=case, now=now, **form.service_kwargs())
        except (ValidationError, PermissionDenied) as exc:
            for message in _error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(
                request, _("Recorded: %(step)s on %(date)s.") % {"step": record.get_step_display(), "date": record.on}
            )
    else:
        for field, errors in form.errors.items():
            for message in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {message}")
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
