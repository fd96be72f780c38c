"""A real SMTP server for the tests (aiosmtpd in a thread) that records what it accepts and can be told to fail."""

from __future__ import annotations

import email
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.fail_with: str | None = None  # the reply to the end of the data, e.g. "451 4.3.0 try later"
        self.refuse: set[str] = set()  # addresses answered with 550 at RCPT
        self.rcpt_reply: str | None = None  # the reply to every RCPT, e.g. "451 4.7.1 greylisted, try later"
        self.rcpt_delay = 0.0
        self.data_delay = 0.0  # seconds between taking the message and answering the end of the data
        self.on_rcpt = None  # called with the address (in a thread of its own) before RCPT is answered
        self.in_rcpt = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self.on_rcpt is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.on_rcpt, address)
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if self.rcpt_reply:
            return self.rcpt_reply
        if self.rcpt_delay:
            self.in_rcpt.set()
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.fail_with:
            return self.fail_with
        with self.lock:  # the server has the message from here on, whether or not its reply arrives
            self.messages.append(email.message_from_bytes(envelope.original_content))
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def wait_for(self, count: int, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return True
            time.sleep(0.1)
        return False

    def settings(self, **overrides) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",  # the stock one: delivery adds the wait
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_TIMEOUT": 5,
            **overrides,
        }


class SilentServer:
    """A port that takes connections and never says a word (no greeting): a client connecting waits."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", self.port))
        self.socket.listen(8)  # connections complete in the backlog; nobody accepts them

    def close(self) -> None:
        self.socket.close()
