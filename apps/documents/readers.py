"""Records that open a document to people who could not otherwise read it, e.g. a notice's attachment to the readers
of its board.

Documents sit below the apps that attach files to their records: those apps register a reader here when the app
registry is ready (their ``AppConfig.ready``), so this app never imports them.
"""

from __future__ import annotations

from collections.abc import Callable

# (user, document id) -> whether the user may read that document through the registering app's records
Reader = Callable[..., bool]

_READERS: dict[str, Reader] = {}


def register(code: str, reader: Reader) -> Reader:
    """Add a reader under a code (registering the same code again replaces it: ``ready()`` may run twice)."""
    _READERS[code] = reader
    return reader


def readers() -> list[Reader]:
    return list(_READERS.values())
