from django.shortcuts import render

from apps.audit.services import audit_record


def permission_denied(request, exception=None):
    """403 page; the denial goes to the audit log."""
    audit_record(actor=request.user, action="access.denied", target_repr=request.path[:300], request=request)
    return render(request, "403.html", status=403)
