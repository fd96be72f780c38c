from django.shortcuts import render

from apps.audit.services import access_denied_note


def permission_denied(request, exception=None):
    """403 page; the denial goes to the audit log."""
    access_denied_note(actor=request.user, target_repr=request.path[:300], request=request)
    return render(request, "403.html", status=403)
