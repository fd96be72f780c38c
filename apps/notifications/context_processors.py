"""The unread count in the header, kept in the shared cache per user under the ``reminders`` data version, which
any committed write to the reminders bumps (a sweep that creates some, a reminder read, one settled; docs/adr/0004):
no query on most pages, and no session write on any (a read request writes nothing)."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from apps.organisations.overview_cache import cached, data_version

# An upper bound on how long a count is kept, should a change ever bypass the version (it is bumped on commit).
UNREAD_KEPT_SECONDS = 300


def unread_key(user_id: int) -> str:
    return f"unread:{data_version('reminders')}:{user_id}"


def unread(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from .selectors import unread_count

        key = unread_key(user.pk)
        value = cached(key)
        if value is None:
            value = unread_count(user=user)
            cache.set(key, value, timeout=UNREAD_KEPT_SECONDS)
        return value

    return {"unread_reminders": SimpleLazyObject(count)}
