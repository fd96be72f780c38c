from django import forms
from django.core.exceptions import ValidationError

from .models import Person
from .services import PROFILE_FIELDS
from .validators import id_number_normalise, person_fields_check


class PersonAdminForm(forms.ModelForm):
    """The admin's person form: the ID card number, the date of birth against it and the phone number are checked
    where they were changed, next to their fields, before the service is asked (which checks them again)."""

    class Meta:
        model = Person
        fields = ["node", *PROFILE_FIELDS]  # PersonAdmin.get_fields narrows it per user

    def clean_id_number(self):
        return id_number_normalise(self.cleaned_data.get("id_number") or "")

    def clean(self):
        cleaned = super().clean()
        names = ("id_number", "birth_date", "phone")
        values = {name: cleaned[name] if name in cleaned else getattr(self.instance, name) for name in names}
        try:
            person_fields_check(values=values, changed=set(self.changed_data) & set(cleaned))
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned
