"""Navigation by role, computed once per request from the user's grants."""

from apps.organisations.choices import MANAGE_PEOPLE, VIEW_AUDIT, VIEW_SCOPE
from apps.organisations.permissions import has_any_scope
from apps.people.selectors import is_party_member


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "organisation": has_any_scope(user, VIEW_SCOPE),
            "admin": user.is_staff,
            "audit": user.is_staff and has_any_scope(user, VIEW_AUDIT),
            "manage_people": has_any_scope(user, MANAGE_PEOPLE),
            # a member's own pages (dues, their year, their organisation's results): not offered to an applicant or
            # a non-member colleague, who has none of them
            "member": is_party_member(user),
        }
    }
