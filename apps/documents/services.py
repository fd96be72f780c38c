"""Accepting uploads: size and type limits, content sniffing, a digest, an audit entry."""

from __future__ import annotations

import datetime
import hashlib
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.organisations.choices import MANAGE_PEOPLE
from apps.organisations.permissions import covers

from .models import Document

# Allowed types: extension → (content type, the file's first bytes). Office files are ZIP containers.
ALLOWED_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}


def document_check_file(uploaded) -> tuple[str, str]:
    """Return ``(content type, sha256)`` or raise a ValidationError naming the limit."""
    max_bytes = settings.DOCUMENT_MAX_BYTES
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(max)s MB.")
            % {"size": round(uploaded.size / 1048576, 1), "max": round(max_bytes / 1048576, 1)}
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."))
    ext = os.path.splitext(uploaded.name)[1].lower()
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("Files of type %(ext)s are not accepted. Allowed: %(allowed)s.")
            % {"ext": ext or "?", "allowed": ", ".join(sorted(ALLOWED_TYPES))}
        )
    content_type, signatures = ALLOWED_TYPES[ext]
    uploaded.seek(0)
    head = uploaded.read(16)
    if not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(_("The file's content does not match its type %(ext)s.") % {"ext": ext})
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return content_type, digest.hexdigest()


@transaction.atomic
def document_upload(
    *, actor, person, uploaded, title: str, now: datetime.datetime, sensitive: bool = False
) -> Document:
    """Attach a file to a person's record; the actor must manage people there, or be that person."""
    own = person.user_id is not None and person.user_id == actor.pk
    if not own and not covers(actor, MANAGE_PEOPLE, person.node.path):
        raise PermissionDenied(_("You cannot add documents to this record."))
    return _document_store(
        actor=actor, node=person.node, person=person, uploaded=uploaded, title=title, now=now, sensitive=sensitive
    )


@transaction.atomic
def document_upload_for_node(*, actor, node, uploaded, title: str, now: datetime.datetime) -> Document:
    """A file of an organisation's own record (a notice's attachment), by someone who manages people there. Never
    sensitive: the record that attaches it may open it to its readers (``readers``)."""
    if not covers(actor, MANAGE_PEOPLE, node.path):
        raise PermissionDenied(_("You cannot add documents to the records of %(node)s.") % {"node": node})
    return _document_store(actor=actor, node=node, person=None, uploaded=uploaded, title=title, now=now)


def _document_store(
    *, actor, node, person, uploaded, title: str, now: datetime.datetime, sensitive: bool = False
) -> Document:
    content_type, sha256 = document_check_file(uploaded)
    document = Document(
        node=node,
        person=person,
        title=title.strip() or uploaded.name,
        original_name=os.path.basename(uploaded.name)[:200],
        content_type=content_type,
        size=uploaded.size,
        sha256=sha256,
        sensitive=sensitive,
        uploaded_by=actor,
        uploaded_at=now,
    )
    document.file.save("upload", uploaded, save=False)
    document.save()
    audit_record(
        actor=actor,
        action="documents.uploaded",
        target=document,
        node=node,
        changes={"sha256": [None, sha256]},
        note=document.original_name,
    )
    return document
