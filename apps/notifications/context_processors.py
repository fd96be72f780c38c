"""The unread count in the header, kept in the session for a minute: no query and no cache round trip on most
pages (the session is read anyway). Opening the notification centre or reading a reminder recounts at once."""

import time

from django.utils.functional import SimpleLazyObject

SESSION_KEY = "pp_unread"
# How long the header's unread count is kept in the session (a new reminder shows in the count at most this late).
UNREAD_KEPT_SECONDS = 60


def forget_unread(request) -> None:
    request.session.pop(SESSION_KEY, None)


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from .selectors import unread_count

        now = time.time()
        kept = request.session.get(SESSION_KEY)
        if kept and now - kept[1] < UNREAD_KEPT_SECONDS:
            return kept[0]
        value = unread_count(user=user)
        request.session[SESSION_KEY] = [value, now]
        return value

    return {"unread_reminders": SimpleLazyObject(count)}
