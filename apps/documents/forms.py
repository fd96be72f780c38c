from django import forms
from django.utils.translation import gettext_lazy as _


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG, JPEG, DOCX or XLSX, at most 10 MB."))
    sensitive = forms.BooleanField(label=_("Sensitive"), required=False)
