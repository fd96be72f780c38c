"""Demo documents: a small real PDF per kind of paper, stored once, and document rows that point at it in bulk (a
fixture, ADR 5: the demo writes its rows in bulk, not as anyone's upload). ``apps.portal``'s ``seed_demo`` composes
it through the demos of the apps that attach documents (the development cases' archive papers)."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .models import Document

DEMO_FOLDER = "documents/demo"


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass(frozen=True)
class DemoFile:
    """A stored demo PDF that many document rows share."""

    name: str
    size: int
    sha256: str


def demo_file(code: str, text: str) -> DemoFile:
    """The demo PDF of one kind of paper (``code``), stored under ``DEMO_FOLDER`` if it is not there yet."""
    content = pdf_bytes(text)
    name = f"{DEMO_FOLDER}/{code}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    return DemoFile(name=name, size=len(content), sha256=hashlib.sha256(content).hexdigest())


def document_row(
    *, file: DemoFile, node, person, title: str, original_name: str, at: datetime.datetime, sensitive: bool = False
) -> Document:
    """An unsaved document row pointing at a shared demo file (``Document.objects.bulk_create`` them)."""
    return Document(
        node=node,
        person=person,
        title=title,
        file=file.name,
        original_name=original_name,
        content_type="application/pdf",
        size=file.size,
        sha256=file.sha256,
        sensitive=sensitive,
        uploaded_at=at,
    )
