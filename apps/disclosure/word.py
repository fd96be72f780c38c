"""A notice as an official document in Word (``documents.official``): what the board shows today, in the layout
branches post and file."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.documents.official import OfficialDocument, date_text, paragraphs_of_html, render

from .selectors import public_html, public_text


def notice_docx(*, notice, version, today) -> bytes:
    paragraphs = paragraphs_of_html(public_html(notice, version.content, today))
    paragraphs.append(
        _("Publicity from %(start)s to %(end)s.")
        % {"start": date_text(version.opens_on), "end": date_text(version.closes_on)}
    )
    if version.number > 1:
        paragraphs.append(_("Corrected on %(day)s.") % {"day": date_text(timezone.localdate(version.published_at))})
    return render(
        OfficialDocument(
            title=public_text(notice, version.title, today),
            paragraphs=paragraphs,
            issuer=notice.node.name,
            issued_on=timezone.localdate(version.published_at) if version.published_at else version.opens_on,
        )
    )
