from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))
    sensitive = forms.BooleanField(label=_("Sensitive"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, PNG, JPEG, DOCX or XLSX, at most %(mb)s MB.") % {
            "mb": round(settings.DOCUMENT_MAX_BYTES / 1048576, 1)
        }
