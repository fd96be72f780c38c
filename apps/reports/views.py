"""The reports page: the catalogue the user may run, the parameter form, the user's runs with a progress bar
(polled, no external assets) and the download. Views read the clock once; runs go to their worker on commit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.audit.services import audit_record
from apps.organisations.choices import MANAGE_PEOPLE
from apps.organisations.permissions import has_any_scope

from . import catalogue
from .choices import RunStatus
from .forms import FormatForm, RosterImportForm
from .roster_import import roster_import
from .selectors import RUNS_SHOWN, run_get_for, runs_of, schedules_of
from .services import run_request
from .tasks import start


def _run_json(run) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "progress": run.progress,
        "rows": run.rows,
        "error": run.error,
        "download": reverse("reports:download", args=[run.pk]) if run.downloadable else "",
        "size": filesizeformat(run.size) if run.downloadable else "",
    }


@require_http_methods(["GET", "POST"])
def home(request):
    reports = catalogue.for_user(request.user)
    if not reports:
        raise PermissionDenied
    names = {r.name: r for r in reports}
    chosen = names.get(request.POST.get("report") or request.GET.get("report") or "")
    params_form = chosen.params_form(request.POST or None, user=request.user) if chosen else None
    fmt_form = FormatForm(request.POST or None, formats=chosen.formats if chosen else None)
    if request.method == "POST":
        if chosen is None:
            messages.error(request, _("Choose a report."))
            return redirect("reports:home")
        raw = {k[2:]: v for k, v in request.POST.items() if k.startswith("p-")}
        fmt = request.POST.get("fmt", "")
        try:
            run = run_request(actor=request.user, report_name=chosen.name, params=raw, fmt=fmt, now=timezone.now())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            start(run.pk)
            messages.success(request, _("The report is being written; it appears below when done."))
            return redirect("reports:home")
    known = {r.name: r for r in catalogue.all_reports()}
    titles = {name: r.title for name, r in known.items()}
    runs = list(runs_of(user=request.user)[:RUNS_SHOWN])
    for run in runs:  # what each file is of: its report and its parameters in words (an exchange roster says so)
        run.title = titles.get(run.report, run.report)
        run.described = known[run.report].describe(run.params) if run.report in known else ""
    schedules = list(schedules_of(user=request.user))
    for schedule in schedules:
        schedule.title = titles.get(schedule.report, schedule.report)
    return render(
        request,
        "reports/home.html",
        {
            "reports": reports,
            "chosen": chosen,
            "params_form": params_form,
            "fmt_form": fmt_form,
            "runs": runs,
            "schedules": schedules,
            "active": [r.pk for r in runs if r.status in (RunStatus.QUEUED, RunStatus.RUNNING)],
            "can_import": has_any_scope(request.user, MANAGE_PEOPLE),
        },
    )


@require_GET
def run_status(request, pk: int):
    run = run_get_for(user=request.user, pk=pk, request=request)
    return JsonResponse(_run_json(run))


@require_GET
def download(request, pk: int):
    run = run_get_for(user=request.user, pk=pk, request=request)
    if not run.downloadable or not default_storage.exists(run.file):
        raise Http404
    audit_record(actor=request.user, action="reports.downloaded", target=run, request=request)
    response = FileResponse(default_storage.open(run.file, "rb"), as_attachment=True, filename=run.filename)
    response["X-Content-SHA256"] = run.sha256
    return response


@require_http_methods(["GET", "POST"])
def roster_import_view(request):
    """Import a roster exported for exchange: a check first, then all rows or none."""
    if not has_any_scope(request.user, MANAGE_PEOPLE):
        raise PermissionDenied
    form = RosterImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = roster_import(
                actor=request.user,
                upload=form.cleaned_data["file"],
                today=timezone.localdate(),
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        if result is not None and result.errors:
            status = 422
    elif request.method == "POST":
        status = 422
    return render(request, "reports/roster_import.html", {"form": form, "result": result}, status=status)
