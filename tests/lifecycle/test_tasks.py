import datetime

from apps.lifecycle.models import CaseWarning
from apps.lifecycle.services import case_refresh_all
from apps.lifecycle.tasks import case_refresh_task


def test_refresh_picks_up_deadlines_that_passed(world, case):
    # opened 2024-09-02 with "today" 2026-11-22 in the fixture: the talk is overdue already
    CaseWarning.objects.all().delete()
    assert case_refresh_all(today=datetime.date(2024, 9, 10)) == 1  # nothing overdue yet (only missing documents)
    assert not CaseWarning.objects.filter(code="talk_overdue").exists()
    assert case_refresh_all(today=datetime.date(2024, 10, 3)) == 1
    assert CaseWarning.objects.filter(code="talk_overdue").exists()
    assert case_refresh_all(today=datetime.date(2024, 10, 3)) == 0  # idempotent


def test_task_runs_the_sweep(world, case):
    CaseWarning.objects.all().delete()
    assert case_refresh_task() == 1  # the 2024 application's talk is overdue today
    assert CaseWarning.objects.filter(case=case, code="talk_overdue").exists()
