"""The secret ballots on the portal: a member's ballots, self-assessment and own grade; the secretary's appraisal
(counts, paper ballots, the meeting's grades, the notice), surveys and reports; the committee's review. Pages show
counts only, and none below the fewest voters. Views read the clock once and pass the day on; every write is a
service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.organisations.choices import MANAGE_PEOPLE
from apps.organisations.permissions import has_any_scope, restrict
from apps.people.choices import MEMBER_STATUSES
from apps.people.models import Person
from apps.people.selectors import person_for_user
from apps.spreadsheets.export import xlsx_response

from .choices import REVIEWED_GRADES, Grade, ReportGrade, ReviewState
from .forms import (
    GRADE_CHOICES,
    AppraisalForm,
    CorrectionForm,
    FollowUpForm,
    ReportForm,
    ReportGradeForm,
    ReviewForm,
    SelfAssessmentForm,
    SurveyForm,
)
from .models import AppraisalVoter, Appraisee, Report, ReportVoter, Survey, SurveyRespondent
from .selectors import (
    appraisal_get_for,
    appraisal_list_for,
    appraisal_results,
    branches_for,
    report_get_for,
    report_list_for,
    report_result,
    reviews_for,
    survey_get_for,
    survey_list_for,
    survey_results,
    waiting_for,
)
from .services import (
    appraisal_close,
    appraisal_fix_grades,
    appraisal_notice_draft,
    appraisal_open,
    appraisal_paper_counts,
    appraisal_vote,
    appraisee_follow_up,
    appraisee_grade_correct,
    appraisee_review,
    manages,
    may_answer,
    may_grade,
    report_close,
    report_grade,
    report_open,
    report_paper_counts,
    reviews,
    self_assessment_save,
    survey_answer,
    survey_close,
    survey_open,
    survey_paper_counts,
    survey_weights_save,
)

LIST_LIMIT = 100


def _flash(request, exc) -> None:
    for message in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _int(value, default=0) -> int:
    if value is None or not str(value).strip():
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError(_("Counts are whole numbers.")) from None


def _closing(request) -> dict:
    """The day and whether the official ticked "close early" (the services refuse an early close without it)."""
    return {"today": timezone.localdate(), "early": request.POST.get("early") == "1"}


def _weight(value):
    text = (value or "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("A weight is a number between 0 and 100, or empty (not counted).")) from None


# --- home ---------------------------------------------------------------------------------------------------------


@require_GET
def home(request):
    """What waits for the person (ballots open to them), their own appraisals and grades; for officials, the ballots
    of their organisations and the way to open new ones; for the committee, the grades to review."""
    today = timezone.localdate()
    me = person_for_user(request.user)
    official = has_any_scope(request.user, MANAGE_PEOPLE)
    context = {
        "today": today,
        "waiting": waiting_for(person=me, today=today),
        "official": official,
        "appraisals": list(appraisal_list_for(user=request.user)[:LIST_LIMIT]) if official else [],
        "surveys": list(survey_list_for(user=request.user)[:LIST_LIMIT]) if official else [],
        "reports": list(report_list_for(user=request.user)[:LIST_LIMIT]) if official else [],
        "reviews": list(reviews_for(user=request.user)[:LIST_LIMIT]) if official else [],
    }
    return render(request, "appraisal/home.html", context)


# --- opening ------------------------------------------------------------------------------------------------------

KINDS = {"appraisal": AppraisalForm, "survey": SurveyForm, "report": ReportForm}


@require_http_methods(["GET", "POST"])
def new(request, kind):
    """Open an appraisal, a survey or a secretary's report for an organisation the user runs."""
    if kind not in KINDS:
        raise Http404
    if not has_any_scope(request.user, MANAGE_PEOPLE):
        raise PermissionDenied
    today = timezone.localdate()
    nodes = branches_for(user=request.user, perm=MANAGE_PEOPLE)
    extra = {}
    if kind == "report":
        extra["people"] = restrict(
            Person.objects.filter(political_status__in=MEMBER_STATUSES, is_active=True),
            user=request.user,
            perm=MANAGE_PEOPLE,
            path_field="node__path",
        ).order_by("name")
    initial = {"year": today.year, "opens_on": today, "closes_on": today, "held_on": today}
    form = KINDS[kind](request.POST or None, nodes=nodes, initial=initial, **extra)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "actor": request.user,
                "node": data["node"],
                "year": data["year"],
                "opens_on": data["opens_on"],
                "closes_on": data["closes_on"],
            }
            try:
                if kind == "appraisal":
                    obj = appraisal_open(**common, held_on=data["held_on"])
                    target = "appraisal:appraisal"
                elif kind == "survey":
                    obj = survey_open(
                        **common,
                        title=data["title"],
                        audience=data["audience"],
                        questions=data["questions"],
                        options=data["options"],
                    )
                    target = "appraisal:survey"
                else:
                    obj = report_open(
                        **common, reporter=data["reporter"], held_on=data["held_on"], summary=data["summary"]
                    )
                    target = "appraisal:report"
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
            else:
                messages.success(request, _("Opened."))
                return redirect(target, pk=obj.pk)
        else:
            _form_errors(request, form)
    titles = {
        "appraisal": _("Open a democratic appraisal"),
        "survey": _("Open a satisfaction survey"),
        "report": _("Open a secretary's report for grading"),
    }
    return render(
        request, "appraisal/new.html", {"form": form, "title": titles[kind]}, status=422 if form.errors else 200
    )


# --- the appraisal --------------------------------------------------------------------------------------------------


def _count_cells(row: list[int]) -> str:
    """A member's counts as table cells, built once in Python (numbers only: nothing to escape)."""
    return mark_safe("".join(f"<td>{int(n)}</td>" for n in row))


def _appraisal_rows(results) -> list[tuple]:
    """The members' rows as plain tuples (the page of a 300-member branch renders them without a lookup chain)."""
    grades = {v: str(label) for v, label in Grade.choices}
    reviews_ = {v: str(label) for v, label in ReviewState.choices}
    return [
        (a.pk, a.person.name, a.self_assessment, _count_cells(m.row) if results.shown else None,
         grades.get(a.grade, ""),
         reviews_.get(a.review_state, ""), a.review_note, a.follow_up_due, a.follow_up,
         a.review_state == ReviewState.REPORTED, a.grade in REVIEWED_GRADES)
        for m in results.members
        for a in (m.appraisee,)
    ]  # fmt: skip


def _appraisal_page(request, appraisal):
    results = appraisal_results(appraisal)
    return {
        "rows": _appraisal_rows(results),
        "appraisal": appraisal,
        "results": results,
        "grades": [(v, str(label)) for v, label in Grade.choices],  # resolved once, not per row
        "grade_choices": [(v, str(label)) for v, label in GRADE_CHOICES[1:]],
        "show_paper": request.GET.get("paper") == "1",
        "manages": manages(request.user, appraisal.node),
        "review_form": ReviewForm(),
        "follow_up_form": FollowUpForm(),
        "correction_form": CorrectionForm(),
        "reviewed_grades": REVIEWED_GRADES,
        "reviews": reviews(request.user, appraisal.node),
        "today": timezone.localdate(),
    }


@require_GET
def appraisal_detail(request, pk):
    appraisal = appraisal_get_for(user=request.user, pk=pk, request=request)
    return render(request, "appraisal/appraisal.html", _appraisal_page(request, appraisal))


@require_POST
def appraisal_action(request, pk, action):
    appraisal = appraisal_get_for(user=request.user, pk=pk, request=request)
    if action not in ("close", "paper", "fix", "notice"):
        raise Http404
    if not manages(request.user, appraisal.node):
        raise PermissionDenied
    try:
        if action == "close":
            appraisal_close(actor=request.user, appraisal=appraisal, **_closing(request))
            messages.success(request, _("Voting is closed."))
        elif action == "paper":
            pks = list(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", flat=True))
            counts = {pk: {g: _int(request.POST.get(f"c-{pk}-{g}")) for g in Grade.values} for pk in pks}
            appraisal_paper_counts(
                actor=request.user,
                appraisal=appraisal,
                handed_out=_int(request.POST.get("handed_out")),
                returned=_int(request.POST.get("returned")),
                counts={pk: {g: n for g, n in c.items() if n} for pk, c in counts.items() if any(c.values())},
            )
            messages.success(request, _("The paper ballots are counted."))
        elif action == "fix":
            pks = list(Appraisee.objects.filter(appraisal=appraisal).values_list("pk", flat=True))
            grades = {pk: request.POST.get(f"g-{pk}", "") for pk in pks}
            appraisal_fix_grades(
                actor=request.user,
                appraisal=appraisal,
                grades={pk: g for pk, g in grades.items() if g},
                feedback={pk: request.POST.get(f"f-{pk}", "") for pk in pks},
            )
            messages.success(request, _("The grades of the branch meeting are recorded."))
        else:
            notice = appraisal_notice_draft(actor=request.user, appraisal=appraisal, today=timezone.localdate())
            messages.success(request, _("The notice is drafted: “%(title)s”.") % {"title": notice.title})
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    return redirect("appraisal:appraisal", pk=appraisal.pk)


@require_POST
def appraisee_action(request, pk, action):
    appraisee = Appraisee.objects.select_related("appraisal__node", "person").filter(pk=pk).first()
    if appraisee is None or action not in ("review", "follow_up", "correct"):
        raise Http404
    appraisal_get_for(user=request.user, pk=appraisee.appraisal_id, request=request)  # 404 outside the subtree
    forms_ = {"review": ReviewForm, "follow_up": FollowUpForm, "correct": CorrectionForm}
    form = forms_[action](request.POST)
    if form.is_valid():
        try:
            if action == "review":
                appraisee_review(actor=request.user, appraisee=appraisee, note=form.cleaned_data["note"])
            elif action == "correct":
                appraisee_grade_correct(
                    actor=request.user,
                    appraisee=appraisee,
                    grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                )
            else:
                appraisee_follow_up(
                    actor=request.user,
                    appraisee=appraisee,
                    measures=form.cleaned_data["measures"],
                    due=form.cleaned_data["due"],
                )
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Recorded."))
    else:
        _form_errors(request, form)
    return redirect("appraisal:appraisal", pk=appraisee.appraisal_id)


@require_GET
def appraisal_export(request, pk):
    """The counts of each member as a workbook — counts only, and none below the fewest voters."""
    appraisal = appraisal_get_for(user=request.user, pk=pk, request=request)
    results = appraisal_results(appraisal)
    header = [_("Member"), *(label for _v, label in Grade.choices), _("Grade fixed")]
    rows = [
        [m.appraisee.person.name, *(m.row if results.shown else ["" for _g in Grade.values]),
         m.appraisee.get_grade_display()]
        for m in results.members
    ]  # fmt: skip
    return xlsx_response(
        filename=f"appraisal-{appraisal.year}-{appraisal.node_id}.xlsx", title=_("Appraisal"), header=header, rows=rows
    )


@require_http_methods(["GET", "POST"])
def ballot(request, pk):
    """A member's ballot and self-assessment: every other member appraised, a grade each (or none: abstain)."""
    today = timezone.localdate()
    me = person_for_user(request.user)
    mine = (
        Appraisee.objects.select_related("appraisal__node").filter(appraisal_id=pk, person=me).first() if me else None
    )
    if mine is None:
        raise Http404
    appraisal = mine.appraisal
    others = list(
        Appraisee.objects.filter(appraisal=appraisal)
        .exclude(pk=mine.pk)
        .select_related("person")
        .order_by("person__name")
    )
    voted = AppraisalVoter.objects.filter(appraisal=appraisal, person=me).exists()
    self_form = SelfAssessmentForm(initial={"text": mine.self_assessment})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "self":
                self_form = SelfAssessmentForm(request.POST)
                if not self_form.is_valid():
                    raise ValidationError(self_form.errors["text"])
                self_assessment_save(actor=request.user, appraisee=mine, text=self_form.cleaned_data["text"])
                messages.success(request, _("Your self-assessment is saved."))
            else:
                grades = {a.pk: request.POST.get(f"g-{a.pk}", "") for a in others}
                appraisal_vote(
                    actor=request.user, appraisal=appraisal, grades={k: g for k, g in grades.items() if g}, today=today
                )
                messages.success(request, _("Your ballot is cast. Nobody can see how you voted."))
            return redirect("appraisal:ballot", pk=appraisal.pk)
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
    context = {
        "appraisal": appraisal,
        "mine": mine,
        "others": others,
        "voted": voted,
        "open": appraisal.is_open_on(today),
        "grade_choices": GRADE_CHOICES,
        "self_form": self_form,
    }
    return render(request, "appraisal/ballot.html", context, status=422 if request.method == "POST" else 200)


# --- surveys --------------------------------------------------------------------------------------------------------


@require_GET
def survey_detail(request, pk):
    survey = survey_get_for(user=request.user, pk=pk, request=request)
    context = {
        "survey": survey,
        "results": survey_results(survey),
        "manages": manages(request.user, survey.node),
        "questions": list(survey.questions.all()),
        "options": list(survey.options.all()),
        "today": timezone.localdate(),
    }
    context["weights_open"] = context["manages"] and survey.state == "open" and not context["results"].respondents
    return render(request, "appraisal/survey.html", context)


@require_POST
def survey_action(request, pk, action):
    survey = survey_get_for(user=request.user, pk=pk, request=request)
    if action not in ("close", "paper", "weights"):
        raise Http404
    if not manages(request.user, survey.node):
        raise PermissionDenied
    try:
        if action == "close":
            survey_close(actor=request.user, survey=survey, **_closing(request))
            messages.success(request, _("The survey is closed."))
        elif action == "weights":
            options = survey.options.values_list("pk", flat=True)
            survey_weights_save(
                actor=request.user, survey=survey, weights={o: _weight(request.POST.get(f"w-{o}")) for o in options}
            )
            messages.success(request, _("The weights are saved."))
        else:
            pairs = [(q, o) for q in survey.questions.values_list("pk", flat=True)
                     for o in survey.options.values_list("pk", flat=True)]  # fmt: skip
            counts = {(q, o): _int(request.POST.get(f"c-{q}-{o}")) for q, o in pairs}
            survey_paper_counts(
                actor=request.user,
                survey=survey,
                handed_out=_int(request.POST.get("handed_out")),
                returned=_int(request.POST.get("returned")),
                counts={k: n for k, n in counts.items() if n},
            )
            messages.success(request, _("The paper questionnaires are counted."))
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    return redirect("appraisal:survey", pk=survey.pk)


@require_GET
def survey_export(request, pk):
    survey = survey_get_for(user=request.user, pk=pk, request=request)
    results = survey_results(survey)
    header = [_("Question"), *(o.label for o in results.options), _("Score")]
    rows = [[q.text, *(q.counts if results.shown else ["" for _o in results.options]), q.score or ""]
            for q in results.questions]  # fmt: skip
    rows.append([_("Overall"), *("" for _o in results.options), results.score or ""])
    return xlsx_response(filename=f"survey-{survey.pk}.xlsx", title=_("Survey"), header=header, rows=rows)


@require_http_methods(["GET", "POST"])
def survey_answer_view(request, pk):
    """The questionnaire for a person of its audience; answered once."""
    today = timezone.localdate()
    me = person_for_user(request.user)
    survey = Survey.objects.select_related("node").filter(pk=pk).first()
    if survey is None or not may_answer(me, survey):
        raise Http404
    questions = list(survey.questions.all())
    options = list(survey.options.all())
    answered = SurveyRespondent.objects.filter(survey=survey, person=me).exists()
    if request.method == "POST":
        try:
            answers = {q.pk: _int(request.POST.get(f"q-{q.pk}")) for q in questions}
            survey_answer(
                actor=request.user, survey=survey, answers={k: v for k, v in answers.items() if v}, today=today
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Thank you: your answers are counted. Nobody can see what you answered."))
            return redirect("appraisal:home")
    context = {"survey": survey, "questions": questions, "options": options, "answered": answered,
               "open": survey.is_open_on(today)}  # fmt: skip
    return render(request, "appraisal/answer.html", context, status=422 if request.method == "POST" else 200)


# --- 述职评议 --------------------------------------------------------------------------------------------------------


@require_GET
def report_detail(request, pk):
    report = report_get_for(user=request.user, pk=pk, request=request)
    context = {
        "report": report,
        "result": report_result(report),
        "grades": ReportGrade.choices,
        "manages": manages(request.user, report.node),
        "today": timezone.localdate(),
    }
    return render(request, "appraisal/report.html", context)


@require_POST
def report_action(request, pk, action):
    report = report_get_for(user=request.user, pk=pk, request=request)
    if action not in ("close", "paper"):
        raise Http404
    if not manages(request.user, report.node):
        raise PermissionDenied
    try:
        if action == "close":
            report_close(actor=request.user, report=report, **_closing(request))
            messages.success(request, _("Grading is closed."))
        else:
            report_paper_counts(
                actor=request.user,
                report=report,
                handed_out=_int(request.POST.get("handed_out")),
                returned=_int(request.POST.get("returned")),
                counts={g: n for g in ReportGrade.values if (n := _int(request.POST.get(f"c-{g}")))},
            )
            messages.success(request, _("The paper ballots are counted."))
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    return redirect("appraisal:report", pk=report.pk)


@require_http_methods(["GET", "POST"])
def report_grade_view(request, pk):
    today = timezone.localdate()
    me = person_for_user(request.user)
    report = Report.objects.select_related("node", "reporter").filter(pk=pk).first()
    if report is None or not may_grade(me, report):
        raise Http404
    form = ReportGradeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                report_grade(actor=request.user, report=report, grade=form.cleaned_data["grade"], today=today)
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
            else:
                messages.success(request, _("Your grade is counted. Nobody can see how you graded."))
                return redirect("appraisal:home")
        else:
            _form_errors(request, form)
    context = {
        "report": report,
        "form": form,
        "voted": ReportVoter.objects.filter(report=report, person=me).exists(),
        "open": report.is_open_on(today),
    }
    return render(request, "appraisal/grade.html", context, status=422 if request.method == "POST" else 200)
