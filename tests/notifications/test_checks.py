"""The delivery timeouts nest: final-dot wait < claim lease < task time limits < broker visibility timeout."""

from apps.notifications.checks import delivery_timeouts_nest


def _ids(problems):
    return [p.id for p in problems]


def test_the_default_timeouts_nest_and_respect_rfc_5321(settings):
    assert settings.NOTIFY_SMTP_FINAL_DOT_SECONDS >= 600
    assert delivery_timeouts_nest(None) == []


def test_a_lease_shorter_than_one_smtp_conversation_is_an_error(settings):
    settings.NOTIFY_CLAIM_LEASE_SECONDS = settings.NOTIFY_SMTP_FINAL_DOT_SECONDS
    assert _ids(delivery_timeouts_nest(None)) == ["notifications.E001"]


def test_a_task_limit_shorter_than_the_lease_is_an_error(settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = settings.NOTIFY_CLAIM_LEASE_SECONDS
    assert _ids(delivery_timeouts_nest(None)) == ["notifications.E001"]


def test_a_visibility_timeout_shorter_than_the_task_limit_is_an_error(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": settings.CELERY_TASK_TIME_LIMIT}
    assert _ids(delivery_timeouts_nest(None)) == ["notifications.E001"]


def test_a_final_dot_wait_below_ten_minutes_is_a_warning(settings):
    settings.NOTIFY_SMTP_FINAL_DOT_SECONDS = 30
    assert _ids(delivery_timeouts_nest(None)) == ["notifications.W001"]


def test_no_email_timeout_is_an_error(settings):
    settings.EMAIL_TIMEOUT = None
    assert "notifications.E002" in _ids(delivery_timeouts_nest(None))
