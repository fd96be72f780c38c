"""Settings of the embedded default that depend on how `make run` serves."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _local_setting(name: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST", "PORT")}
    code = f"from django.conf import settings; print(settings.{name})"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "partyportal.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"HOST": "portal.lan", "PORT": "9000"}, "http://portal.lan:9000"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"PORT": "8123", "SITE_URL": "https://portal.example"}, "https://portal.example"),
    ],
)
def test_links_in_e_mails_follow_the_port_make_run_serves_unless_site_url_is_set(env, expected):
    assert _local_setting("SITE_URL", **env) == expected
