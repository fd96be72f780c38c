from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.audit.services import audit_record
from apps.people.selectors import person_get_for

from .forms import DocumentUploadForm
from .selectors import document_get_for
from .services import document_upload


@require_GET
def download(request, pk: int):
    document = document_get_for(user=request.user, pk=pk, request=request)
    audit_record(actor=request.user, action="documents.downloaded", target=document, node=document.node)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def upload(request, person_pk: int):
    person = person_get_for(user=request.user, pk=person_pk, request=request)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document_upload(
                actor=request.user,
                person=person,
                uploaded=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                sensitive=form.cleaned_data["sensitive"],
                now=timezone.now(),
            )
            messages.success(request, _("The document was uploaded."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("portal:person_detail", pk=person.pk)
