"""The unread count in the header: one indexed COUNT per signed-in page."""

from django.utils.functional import SimpleLazyObject


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from .selectors import unread_count

        return unread_count(user=user)

    return {"unread_reminders": SimpleLazyObject(count)}
