"""Authentication backend that keeps the signed-in user in the shared cache between requests.

Every request loads its user; the cached copy is dropped whenever the user row is saved or deleted (password,
is_active, is_staff and language changes all go through save()), and lives at most USER_CACHE_SECONDS.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"auth-user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, timeout=USER_CACHE_SECONDS)
        return user if user is not None and self.user_can_authenticate(user) else None
