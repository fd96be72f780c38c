"""Navigation by role, computed once per request from the user's grants."""

import functools

from apps.assessment.selectors import ASSESSING_KINDS
from apps.organisations.choices import MANAGE_PEOPLE, VIEW_AUDIT, VIEW_SCOPE
from apps.organisations.models import OrgNode
from apps.organisations.permissions import has_any_scope, scope_paths
from apps.people.selectors import is_party_member


def _reviews_assessments(user) -> bool:
    """Whether the user runs an organisation that reviews others' assessment sheets (a committee, a general
    branch): asked by the assessment's pages only (the template calls it), one query then."""
    paths = scope_paths(user, MANAGE_PEOPLE)
    if paths is None:
        return True
    return bool(paths) and OrgNode.objects.filter(path__in=paths, kind__in=ASSESSING_KINDS).exists()


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
            "reviews_assessments": functools.partial(_reviews_assessments, user),
        }
    }
