from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from apps.audit.services import access_denied_note
from apps.organisations.choices import VIEW_SCOPE, VIEW_SENSITIVE
from apps.organisations.permissions import covers, restrict

from .models import Document
from .readers import readers


def document_list_for(*, user, person=None) -> list[Document]:
    """Documents in the user's subtrees (sensitive ones only with that permission), plus their own."""
    qs = Document.objects.select_related("node", "person", "uploaded_by")
    if person is not None:
        qs = qs.filter(person=person)
    qs = restrict(qs, user=user, perm=VIEW_SCOPE, path_field="node__path", own=Q(person__user_id=user.pk))
    return [d for d in qs if not d.sensitive or document_sensitive_ok(user=user, document=d)]


def document_sensitive_ok(*, user, document: Document) -> bool:
    if document.person is not None and document.person.user_id == user.pk:
        return True
    return covers(user, VIEW_SENSITIVE, document.node.path)


def document_get_for(*, user, pk, request=None) -> Document:
    qs = restrict(
        Document.objects.select_related("node", "person"),
        user=user,
        perm=VIEW_SCOPE,
        path_field="node__path",
        own=Q(person__user_id=user.pk),
    )
    document = qs.filter(pk=pk).first()
    if document is None:
        document = _readable_through_a_record(user=user, pk=pk)
    if document is None or (document.sensitive and not document_sensitive_ok(user=user, document=document)):
        denied = document or Document.objects.filter(pk=pk).select_related("node").first()
        if denied is not None:
            access_denied_note(actor=user, target=denied, node=denied.node, request=request)
        raise Http404
    return document


def _readable_through_a_record(*, user, pk):
    """A document another app opens to this user (a notice's attachment on a board the user reads): the apps that
    attach files register their readers (``readers.register``); never a sensitive one."""
    if not any(reader(user=user, document_id=pk) for reader in readers()):
        return None
    return Document.objects.select_related("node", "person").filter(pk=pk, sensitive=False).first()
