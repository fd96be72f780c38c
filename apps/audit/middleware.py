"""Denied requests are written once the response is made: with the request's moment, outside the view's
transaction (an admin page that answers 404 rolls its own back), and counted per user, URL pattern and hour."""

from django.utils import timezone

from .services import DENIALS_ATTR, access_denied_record


class DeniedAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        setattr(request, DENIALS_ATTR, [])
        response = self.get_response(request)
        denials = getattr(request, DENIALS_ATTR)
        if denials:
            now = timezone.now()
            for denial in denials:
                access_denied_record(request=request, now=now, **denial)
        return response
