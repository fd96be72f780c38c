"""The embedded default (SQLite) takes concurrent saves without "database is locked" (docs/adr/0001).

Runs everywhere: the writers work on a SQLite file database of their own, in a process with the embedded default's
settings, whatever database the suite itself uses.
"""

import json
import subprocess
import sys
from pathlib import Path

from tests.sqlite_writers import SAVES_EACH, WRITERS

ROOT = Path(__file__).resolve().parent.parent


def test_five_people_saving_their_profile_at_once_on_sqlite_all_succeed(tmp_path):
    # given five members with logins on a fresh SQLite file database; when each saves /me/ 25 times at once
    run = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_writers", str(tmp_path / "db.sqlite3")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # then every save went through
    assert result["errors"] == []
    assert result["saves"] == WRITERS * SAVES_EACH
    assert result["journal_mode"] == "wal"
