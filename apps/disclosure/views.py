from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.documents.official import DOCX_TYPE
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_AUDIT, VIEW_SCOPE
from apps.organisations.overview_cache import cached_fragment, fragment_key
from apps.organisations.permissions import covers, has_any_scope
from apps.people.selectors import person_for_user

from .chain import chain_breaks
from .forms import ObjectionForm, ReplyForm
from .models import Category, ChainHead, Notice, NoticeVersion, Objection
from .pdf import notice_pdf, page_size
from .selectors import my_objections, notice_board_for, notice_get_for_board, periodic_due_for, public_html, public_text
from .services import objection_file, objection_reply
from .word import notice_docx


def board(request):
    """The boards the user may read: the unit's, their organisations', and notices addressed to them.

    The list is cached per user, language, day and parameters under the organisation's and the notices' data
    versions (docs/adr/0004): any committed change of a notice, or of the people and posts that decide who reads it,
    shows on the next request."""
    today = timezone.localdate()
    user = request.user
    category_code, page_number = request.GET.get("category", ""), request.GET.get("page", "")
    key = fragment_key("board", ("org", "disclosure"), user.pk, get_language(), today, category_code, page_number)

    def render_list() -> str:
        categories = list(Category.objects.all())
        chosen = next((c for c in categories if c.code == category_code), None)
        page = Paginator(notice_board_for(user=user, category=chosen), 30).get_page(page_number)
        rows = [(n, public_text(n, n.title, today), n.board_status(today)) for n in page]
        context = {
            "page": page,
            "rows": rows,
            "categories": categories,
            "chosen": chosen,
            "today": today,
            "can_see_due": has_any_scope(user, MANAGE_PEOPLE),  # who may open `periodic_due`
        }
        return render_to_string("disclosure/_board_list.html", context, request=request)

    return render(request, "disclosure/board.html", {"body": mark_safe(cached_fragment(key, render_list))})


def notice_detail(request, pk: int, number: int | None = None):
    notice = notice_get_for_board(user=request.user, pk=pk, request=request)
    versions = sorted(notice.versions.all(), key=lambda v: v.number)
    if not versions:
        raise Http404
    version = versions[-1] if number is None else next((v for v in versions if v.number == number), None)
    if version is None:
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "disclosure/notice.html",
        {
            "workflow": _workflow_for_staff(request.user, notice),
            "notice": notice,
            "version": version,
            "versions": versions,
            "latest": versions[-1],
            "title": public_text(notice, version.title, today),
            "content": mark_safe(public_html(notice, version.content, today)),
            "status": notice.board_status(today),
            "form": ObjectionForm() if notice.is_open_on(today) and person_for_user(request.user) else None,
            "attachments": list(notice.attachments.all()),
        },
    )


def _workflow_for_staff(user, notice):
    """Who drafted, checked and approved the notice, for those who oversee its organisation (not for every reader of
    the board)."""
    if not covers(user, VIEW_SCOPE, notice.node.path):
        return None
    return Notice.objects.select_related("created_by__person", "checked_by__person", "approved_by__person").get(
        pk=notice.pk
    )


@require_POST
def object_to(request, pk: int):
    notice = notice_get_for_board(user=request.user, pk=pk, request=request)
    form = ObjectionForm(request.POST)
    reporter = person_for_user(request.user)
    if reporter is None:
        raise PermissionDenied
    if form.is_valid():
        try:
            objection_file(
                actor=request.user,
                notice=notice,
                content=form.cleaned_data["content"],
                reporter=reporter,
                today=timezone.localdate(),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your objection was received. You will find the answer under “My objections”."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("disclosure:notice", pk=notice.pk)


def notice_print(request, pk: int):
    notice = notice_get_for_board(user=request.user, pk=pk, request=request)
    version = max(notice.versions.all(), key=lambda v: v.number, default=None)
    if version is None:
        raise Http404
    size = page_size(request.GET.get("size"))
    pdf = notice_pdf(notice=notice, version=version, size=size, today=timezone.localdate(), request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"notice-{notice.pk}-{size}.pdf")
    return response


def notice_word(request, pk: int):
    """The notice as it shows on the board today, as an official document in Word (GB/T 9704 layout)."""
    notice = notice_get_for_board(user=request.user, pk=pk, request=request)
    version = max(notice.versions.all(), key=lambda v: v.number, default=None)
    if version is None:
        raise Http404
    response = HttpResponse(
        notice_docx(notice=notice, version=version, today=timezone.localdate()), content_type=DOCX_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(True, f"notice-{notice.pk}.docx")
    return response


def objections_mine(request):
    """The reporter's objections with their answers; for the person concerned, findings to reply to."""
    person = person_for_user(request.user)
    concerning = []
    if person is not None:
        concerning = list(
            Objection.objects.filter(notice__case__person=person).exclude(outcome="").select_related("notice")
        )
    return render(
        request,
        "disclosure/objections_mine.html",
        {"mine": list(my_objections(user=request.user)), "concerning": concerning, "form": ReplyForm()},
    )


@require_POST
def objection_reply_view(request, pk: int):
    objection = Objection.objects.filter(pk=pk, notice__case__person__user_id=request.user.pk).first()
    if objection is None:
        raise Http404
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            objection_reply(actor=request.user, objection=objection, reply=form.cleaned_data["reply"])
            messages.success(request, _("Your reply was recorded."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("disclosure:objections_mine")


def periodic_due(request):
    """Periodic disclosures that are due: what the catalogue says should be on the boards by now."""
    if not has_any_scope(request.user, MANAGE_PEOPLE):
        raise PermissionDenied
    rows = periodic_due_for(user=request.user, today=timezone.localdate())
    return render(request, "disclosure/due.html", {"rows": rows})


def archive_verify(request):
    """Staff check the archive chain of published notices (the same check as ``manage.py disclosure_verify``)."""
    if not (request.user.is_staff and has_any_scope(request.user, VIEW_AUDIT)):
        raise PermissionDenied
    head = ChainHead.objects.filter(key="head").values_list("hash", flat=True).first()
    versions = NoticeVersion.objects.order_by("id")
    breaks = list(chain_breaks(versions.iterator(chunk_size=2000), head))
    return render(request, "disclosure/verify.html", {"breaks": breaks, "count": versions.count(), "head": head})
