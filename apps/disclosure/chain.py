"""The tamper-evident archive: canonical hashing of published versions and verification of the whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

GENESIS = "0" * 64


def version_hash(
    *,
    notice_id: int,
    number: int,
    title: str,
    content: str,
    opens_on,
    closes_on,
    attachment_digests: list[str],
    previous_hash: str,
) -> str:
    payload = json.dumps(
        {
            "notice": notice_id,
            "number": number,
            "title": title,
            "content": content,
            "opens_on": str(opens_on),
            "closes_on": str(closes_on),
            "attachments": sorted(attachment_digests),
            "previous": previous_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    version_id: int
    notice_id: int
    reason: str


def chain_breaks(versions: Iterator, head_hash: str | None) -> Iterator[Break]:
    """Walk the versions in publication order and yield every place where the chain does not hold."""
    previous = GENESIS
    last = None
    for v in versions:
        if v.previous_hash != previous:
            yield Break(v.id, v.notice_id, "previous hash does not match: a version before it was changed or removed")
        recomputed = version_hash(
            notice_id=v.notice_id,
            number=v.number,
            title=v.title,
            content=v.content,
            opens_on=v.opens_on,
            closes_on=v.closes_on,
            attachment_digests=v.attachment_digests,
            previous_hash=v.previous_hash,
        )
        if recomputed != v.hash:
            yield Break(v.id, v.notice_id, "content, window or attachments differ from what was published")
        previous = v.hash
        last = v
    if head_hash is not None and last is not None and head_hash != last.hash:
        yield Break(last.id, last.notice_id, "the last published version is not the chain's head")
