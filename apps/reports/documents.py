"""Official documents in the report catalogue (ADR 15, ADR 16): the 公示 notice as it stands on the board — the
result notice of an assessment (考核结果通报) is one — written in Word like the notice's own page offers it.
Organisational life adds a meeting's minutes (``apps.orglife.reports``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.disclosure.models import Notice
from apps.disclosure.selectors import notice_board_for, notice_get_for_board
from apps.disclosure.word import notice_docx

from .catalogue import Report, register

CHOICES_SHOWN = 100  # the latest notices offered in the list; any other the user reads is accepted by its number


class RecordChoiceField(forms.ModelChoiceField):
    """A record among those the user may open; the list offers the latest ``CHOICES_SHOWN`` of them."""

    def offer(self, queryset, label) -> None:
        self.queryset = queryset
        self.widget.choices = [("", "---------")] + [(r.pk, label(r)) for r in queryset[:CHOICES_SHOWN]]


class NoticeDocumentForm(forms.Form):
    takes_user = True
    notice = RecordChoiceField(label=gettext_lazy("Notice"), queryset=Notice.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["notice"].offer(
                notice_board_for(user=user), lambda n: f"{n.opens_on:%Y-%m-%d} · {n.node.name} · {n.title}"
            )


def notice_document(*, user, params, today) -> bytes:
    notice = notice_get_for_board(user=user, pk=params["notice"].pk)
    version = max(notice.versions.all(), key=lambda v: v.number, default=None)
    if version is None:
        raise ValidationError(_("This notice has no published text yet."))
    return notice_docx(notice=notice, version=version, today=today)


register(
    Report(
        name="notice_document",
        title=gettext_lazy("Notice as an official document"),
        form=NoticeDocumentForm,
        formats=("docx",),
        document=notice_document,
        description=gettext_lazy(
            "A notice of the boards as it stands today (a development step's 公示, an assessment's result notice…), "
            "in the official layout in Word."
        ),
    )
)
