"""What the node overviews count below a node, supplied by the apps that hold it.

The tree does not know what hangs under its nodes: an app above it (``apps.people``: the roll by political status)
registers a counter at ``AppConfig.ready``, and ``node_overviews`` adds the counts up the tree. The keys of all
counters share the overview's ``counts`` (``"full"``, ``"probationary"``, …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

# (node_q=the nodes to count at) -> (node path, key, count) rows, in one query
Counter = Callable[..., Iterable[tuple[str, str, int]]]

_REGISTRY: dict[str, Counter] = {}


def register(code: str, counter: Counter) -> Counter:
    _REGISTRY[code] = counter
    return counter


def count_rows(*, node_q: Q) -> list[tuple[str, str, int]]:
    """Every registered counter's rows for the nodes matching ``node_q``."""
    return [row for counter in _REGISTRY.values() for row in counter(node_q=node_q)]
