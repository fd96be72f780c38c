"""The SMTP client of the outbox: Django's SMTP backend, waiting as long as RFC 5321 allows for the reply to the
end of the data, and telling a reply that never came apart from an ordinary failure.

Every command but one answers within ``EMAIL_TIMEOUT``. The reply to the final "." may take the server up to
10 minutes (RFC 5321 §4.5.3.2.6, "DATA Termination": it is filtering, storing, relaying): giving up earlier and
sending again is how slow servers receive every e-mail twice. When that reply does not come at all (a time-out, a
dropped connection, the task's time limit) the server may or may not have taken the message: the outcome is
unknown, and the outbox treats it so (``OutcomeUnknown``) — sent again later with the same Message-ID, never
counted as an ordinary failure.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.utils.translation import gettext as _


class OutcomeUnknown(smtplib.SMTPException):
    """The message was sent up to its final "." and no reply came: the server may have accepted it."""


class _FinalDotWait:
    """Mixed into smtplib.SMTP: the long wait for the reply to the end of the data, and ``OutcomeUnknown``."""

    _in_data = False
    _data_sent = False

    def data(self, msg):
        self._in_data, self._data_sent = True, False
        try:
            return super().data(msg)
        except Exception as exc:
            if self._data_sent:
                raise OutcomeUnknown(
                    _(
                        "No reply to the end of the data within %(seconds)s s (%(error)s): the server may have "
                        "accepted the e-mail."
                    )
                    % {"seconds": settings.NOTIFY_SMTP_FINAL_DOT_SECONDS, "error": exc}
                ) from exc
            raise
        finally:
            self._in_data = self._data_sent = False
            if self.sock is not None:
                self.sock.settimeout(self.timeout)

    def send(self, s):
        super().send(s)
        # Inside DATA, smtplib sends the command as text and the message, ending with "\r\n.\r\n", as bytes.
        if self._in_data and isinstance(s, bytes):
            self._data_sent = True
            self.sock.settimeout(settings.NOTIFY_SMTP_FINAL_DOT_SECONDS)


class SMTP(_FinalDotWait, smtplib.SMTP):
    pass


class SMTP_SSL(_FinalDotWait, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSmtpBackend):
    """Django's SMTP backend with the wait for the final reply above (the production default)."""

    @property
    def connection_class(self):
        return SMTP_SSL if self.use_ssl else SMTP
