import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.documents.models import Document
from apps.documents.services import document_upload
from tests.conftest import sign_in
from tests.dates import TODAY, at

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(name="申请书.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_upload_and_download_in_scope(client, world):
    doc = document_upload(
        actor=world.users["secretary_a"],
        person=world.people["plain_a"],
        uploaded=_file(),
        title="入党申请书",
        now=at(TODAY),
    )
    assert doc.size == len(PDF) and len(doc.sha256) == 64
    assert "申请书" not in doc.file.name  # stored under a random name, outside the static root
    sign_in(client, world.users["secretary_a"])
    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(action="documents.downloaded").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.exe", b"MZ\x90\x00", "不接受"),
        ("x.pdf", b"<script>alert(1)</script>", "不符"),
        ("x.pdf", b"", "为空"),
    ],
)
def test_bad_files_are_refused_with_a_translated_reason(world, name, content, message):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        document_upload(
            actor=world.users["secretary_a"],
            person=world.people["plain_a"],
            uploaded=_file(name, content),
            title="x",
            now=at(TODAY),
        )
    assert message in exc.value.messages[0]
    assert not Document.objects.exists()


@override_settings(DOCUMENT_MAX_BYTES=20)
def test_size_limit(world):
    with pytest.raises(ValidationError):
        document_upload(
            actor=world.users["secretary_a"], person=world.people["plain_a"], uploaded=_file(), title="x", now=at(TODAY)
        )
    assert not Document.objects.exists()


def test_cannot_upload_outside_subtree(world):
    with pytest.raises(PermissionDenied):
        document_upload(
            actor=world.users["secretary_a"], person=world.people["plain_b"], uploaded=_file(), title="x", now=at(TODAY)
        )


def test_member_uploads_to_own_record_only(world):
    document_upload(
        actor=world.users["member_a"],
        person=world.people["member_a"],
        uploaded=_file(),
        title="思想汇报",
        now=at(TODAY),
    )
    with pytest.raises(PermissionDenied):
        document_upload(
            actor=world.users["member_a"], person=world.people["plain_a"], uploaded=_file(), title="x", now=at(TODAY)
        )


def test_sensitive_document_needs_the_sensitive_permission(client, world):
    doc = document_upload(
        actor=world.users["secretary_a"],
        person=world.people["plain_a"],
        uploaded=_file(),
        title="政审材料",
        sensitive=True,
        now=at(TODAY),
    )
    sign_in(client, world.users["propaganda_a"])  # sees the branch, not its sensitive data
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    sign_in(client, world.users["organiser_a"])
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 200


def test_upload_view_shows_errors_and_saves_nothing(client, world):
    sign_in(client, world.users["secretary_a"])
    response = client.post(
        reverse("documents:upload", args=[world.people["plain_a"].pk]),
        {"title": "x", "file": _file("x.exe", b"MZ")},
        follow=True,
    )
    assert response.status_code == 200
    assert "不接受" in response.content.decode()
    assert not Document.objects.exists()
