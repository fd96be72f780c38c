"""Password validators whose messages the portal's catalogue translates.

Django 5.2 changed the msgid of the minimum-length error ("…at least %d character.") and its zh-Hans catalogue still
translates only the old one, so members read that error in English. This validator says the same sentence with a
msgid of the project's catalogue.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
