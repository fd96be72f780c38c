"""The timeouts of e-mail delivery must nest, or the outbox sends twice (run by `manage.py check`)."""

from django.conf import settings
from django.core.checks import Error, Warning, register

# Besides the final reply, one SMTP conversation waits at most EMAIL_TIMEOUT for each of: connecting, the greeting,
# EHLO, STARTTLS and EHLO again, AUTH (two steps), MAIL, RCPT, DATA, sending the data. Ten, rounded up.
CONVERSATION_STEPS = 10


def timeout_chain() -> list[tuple[str, float]]:
    """(name, seconds) of each timeout that must be longer than the one before it."""
    return [
        (
            f"NOTIFY_SMTP_FINAL_DOT_SECONDS + {CONVERSATION_STEPS} × EMAIL_TIMEOUT (one SMTP conversation)",
            settings.NOTIFY_SMTP_FINAL_DOT_SECONDS + CONVERSATION_STEPS * (settings.EMAIL_TIMEOUT or 0),
        ),
        ("NOTIFY_CLAIM_LEASE_SECONDS (a claim on an outbox row)", settings.NOTIFY_CLAIM_LEASE_SECONDS),
        (
            "CELERY_TASK_SOFT_TIME_LIMIT - NOTIFY_DELIVERY_BUDGET_SECONDS (a delivery run's last claim)",
            settings.CELERY_TASK_SOFT_TIME_LIMIT - settings.NOTIFY_DELIVERY_BUDGET_SECONDS,
        ),
        ("CELERY_TASK_TIME_LIMIT", settings.CELERY_TASK_TIME_LIMIT),
        ("the broker's visibility_timeout", settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)),
    ]


@register()
def delivery_timeouts_nest(app_configs, **kwargs):
    """A worker still waiting for the mail server must not be overtaken: the claim outlives the conversation, the
    task outlives the claim, and the broker does not hand the task to a second worker while the first runs it."""
    problems = []
    if not settings.EMAIL_TIMEOUT:
        problems.append(
            Error(
                "EMAIL_TIMEOUT is not set: a silent mail server would hold a worker for ever.", id="notifications.E002"
            )
        )
    chain = timeout_chain()
    for (shorter, a), (longer, b) in zip(chain, chain[1:], strict=False):
        if not a < b:
            problems.append(
                Error(
                    f"{longer} ({b} s) must be longer than {shorter} ({a} s).",
                    hint="Otherwise a worker can be overtaken while it sends, and the e-mail goes out twice.",
                    id="notifications.E001",
                )
            )
    if settings.NOTIFY_SMTP_FINAL_DOT_SECONDS < 600:
        problems.append(
            Warning(
                f"NOTIFY_SMTP_FINAL_DOT_SECONDS is {settings.NOTIFY_SMTP_FINAL_DOT_SECONDS} s; RFC 5321 gives the "
                "server 10 minutes to answer the end of the data.",
                hint="A slow server's e-mails would be in doubt and sent again (with the same Message-ID).",
                id="notifications.W001",
            )
        )
    return problems
