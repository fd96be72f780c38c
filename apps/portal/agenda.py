"""What a person should do next, as shown on their home page.

Each domain contributes items computed from its data; the portal only lists them. Items are facts with a link,
never a forced check-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass
class AgendaItem:
    text: str
    url: str
    due: object | None = None


def agenda_for(*, person) -> list[AgendaItem]:
    items = []
    if not person.phone or not person.email:
        items.append(
            AgendaItem(
                _("Add your phone number and e-mail so that your branch can reach you."),
                reverse("portal:my_profile"),
            )
        )
    return items
