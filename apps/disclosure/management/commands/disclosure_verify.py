"""Verify the archive chain of published notices; exit 1, naming each notice, when anything was changed."""

import sys

from django.core.management.base import BaseCommand

from apps.disclosure.chain import chain_breaks
from apps.disclosure.models import ChainHead, NoticeVersion


class Command(BaseCommand):
    help = "Check that no published notice version was changed or removed behind the application's back."

    def handle(self, *args, **options):
        head = ChainHead.objects.filter(key="head").values_list("hash", flat=True).first()
        versions = NoticeVersion.objects.only(
            "id",
            "notice_id",
            "number",
            "title",
            "content",
            "opens_on",
            "closes_on",
            "attachment_digests",
            "previous_hash",
            "hash",
        ).order_by("id")
        count = 0
        breaks = []
        for found in chain_breaks(versions.iterator(chunk_size=2000), head):
            breaks.append(found)
        count = versions.count()
        for found in breaks:
            self.stdout.write(f"notice {found.notice_id} (version row {found.version_id}): {found.reason}")
        self.stdout.write(f"{count} versions checked, {len(breaks)} problems")
        if breaks:
            sys.exit(1)
