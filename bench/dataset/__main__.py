"""``python -m bench.dataset --members N [--seed S]``: load the bench data set into an empty, migrated database."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__)
    parser.add_argument("--members", type=int, default=50_000, help="people on the rolls (default 50,000)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the random source (same seed, same data)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings.local")
    import django

    django.setup()
    from django.utils import timezone

    from apps.organisations.models import OrgNode

    from .build import build

    if OrgNode.objects.exists():
        print("Organisations exist already: the bench data set needs an empty, migrated database.", file=sys.stderr)
        return 2
    now = timezone.now()
    build(members=args.members, seed=args.seed, today=timezone.localdate(now), now=now, log=print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
