"""Reminders that are done leave the notification centre (history stays under "done and earlier"); the reporter of
an objection hears of the answer, and nobody else learns who objected."""

import datetime

import pytest
from django.urls import reverse

from apps.disclosure.models import Category, Notice, Scope
from apps.disclosure.reminders import OBJECTION_ANSWERED
from apps.disclosure.services import notice_draft, notice_transition, objection_file, objection_resolve
from apps.lifecycle.services import RecordEntry, case_record_step
from apps.notifications.choices import EmailState, RecipientRole
from apps.notifications.delivery import render_reminder
from apps.notifications.models import Reminder
from apps.notifications.selectors import CURRENT, DONE, reminder_list_for, unread_count
from apps.notifications.services import reminders_settle, reminders_sweep
from apps.notifications.sweep import sweep
from tests.conftest import sign_in

from .conftest import TODAY, at

pytestmark = pytest.mark.django_db
D = datetime.date


def test_recording_the_step_takes_its_reminders_off_the_list(client, world, due_case):
    # given: the talk is due on 2026-11-27 and the sweep reminded the secretary of it
    sweep(today=TODAY, now=at(TODAY))
    reminder = Reminder.objects.get(person=world.people["secretary_a"], source="lifecycle.step_due")
    user = world.users["secretary_a"]
    assert list(reminder_list_for(user=user, show=CURRENT)) == [reminder] and unread_count(user=user) == 1
    # when: the talk is recorded
    case_record_step(
        actor=user, case=due_case, entry=RecordEntry(step="applicant_talk", on=D(2026, 11, 20)), now=at(TODAY)
    )
    # then: the reminder is done at once; the header no longer counts it; the history keeps it
    reminder.refresh_from_db()
    assert reminder.done_at == at(TODAY)
    assert not reminder_list_for(user=user, show=CURRENT).exists() and unread_count(user=user) == 0
    sign_in(client, user)
    assert reminder.title not in client.get(reverse("notifications:list")).content.decode()
    done = client.get(reverse("notifications:list") + "?show=done").content.decode()
    assert reminder.title in done and "已办结" in done


def test_the_sweep_settles_what_is_no_longer_due(world, due_case):
    sweep(today=TODAY, now=at(TODAY))
    # the case's deadline moved behind the reminders' back (a correction, a rule set changed …)
    type(due_case).objects.filter(pk=due_case.pk).update(next_due_on=D(2026, 12, 4))
    assert Reminder.objects.filter(done_at__isnull=True).exists()
    reminders_sweep(clock=lambda: at(TODAY, 10))
    assert not Reminder.objects.filter(source="lifecycle.step_due", due_on=D(2026, 11, 27), done_at=None).exists()
    assert reminders_settle(now=at(TODAY, 11)) == 0  # idempotent


@pytest.fixture
def objection(world):
    notice = notice_draft(
        actor=world.users["staff"],
        node=world.branch_a,
        category=Category.objects.get(code="meetings"),
        title="支部换届选举结果",
        content="<p>内容</p>",
        opens_on=TODAY,
        scope=Scope.ORGANISATION,
    )
    notice_transition(actor=world.users["admin"], notice=notice, move="check")
    notice_transition(actor=world.users["admin"], notice=notice, move="approve")
    notice_transition(actor=world.users["staff"], notice=notice, move="publish", now=at(TODAY))
    return objection_file(
        actor=world.users["member_a"],
        notice=Notice.objects.get(pk=notice.pk),
        content="票数有误",
        reporter=world.people["member_a"],
        today=TODAY,
    )


def _answer(world, objection, when=TODAY):
    return objection_resolve(
        actor=world.users["organiser_a"],
        objection=objection,
        outcome="unfounded",
        resolution="已核对选票",
        answer="经核对，票数无误。",
        today=when,
        now=at(when, 15),
    )


def test_the_reporter_hears_of_the_answer_at_once(client, world, objection):
    # given: the handlers were reminded to answer
    sweep(today=objection.due_on, now=at(TODAY))
    to_answer = Reminder.objects.filter(source="disclosure.objection_due")
    assert to_answer.exists()
    # when the answer is given
    _answer(world, objection)
    # then the reporter has a notification, in the portal and by e-mail, in the reporter's role only
    news = Reminder.objects.get(source=OBJECTION_ANSWERED)
    assert news.person == world.people["member_a"] and news.role == RecipientRole.SUBJECT
    assert news.email_state == EmailState.PENDING and news.next_attempt_at == at(TODAY, 15)
    assert news.url == reverse("disclosure:objections_mine")
    assert "支部换届选举结果" in news.title
    # the reminders to answer it are done
    assert not to_answer.filter(done_at__isnull=True).exists()
    # answering again the same day adds nothing
    objection_resolve(
        actor=world.users["organiser_a"],
        objection=objection,
        outcome="unfounded",
        resolution="已再次核对选票",
        today=TODAY,
        now=at(TODAY, 16),
    )
    assert Reminder.objects.filter(source=OBJECTION_ANSWERED).count() == 1
    # the e-mail says when it happened, not that something is due
    message = render_reminder(news, today=TODAY)
    assert "2026-11-22" in message.subject and "到期" not in message.subject
    # in the portal: listed until read, then under "done and earlier"; never "was due"
    sign_in(client, world.users["member_a"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert news.title in page and "已到期" not in page
    client.get(reverse("notifications:open", args=[news.pk]))
    assert news.title not in client.get(reverse("notifications:list")).content.decode()
    assert news.pk in {r.pk for r in reminder_list_for(user=world.users["member_a"], show=DONE)}


def test_a_reporter_without_an_address_is_told_in_the_portal_only(world, objection):
    person = world.people["member_a"]
    person.email = ""
    person.save()
    person.user.email = ""
    person.user.save()
    _answer(world, objection)
    news = Reminder.objects.get(source=OBJECTION_ANSWERED)
    assert news.in_portal and news.email_state == EmailState.NONE


def test_an_anonymous_objection_tells_nobody(world, objection):
    Notice.objects.filter(pk=objection.notice_id).update(category=None)
    type(objection).objects.filter(pk=objection.pk).update(reporter=None)
    objection.refresh_from_db()
    _answer(world, objection)
    assert not Reminder.objects.filter(source=OBJECTION_ANSWERED).exists()


def test_only_the_handlers_see_the_reporters_notification_in_the_admin(client, world, objection):
    from django.contrib.auth.models import Permission

    from apps.organisations.models import OrgNodeUserObjectPermission
    from tests.factories import UserFactory

    _answer(world, objection)
    news = Reminder.objects.get(source=OBJECTION_ANSWERED)
    url = reverse("admin:notifications_reminder_change", args=[news.pk])
    onlooker = UserFactory(username="onlooker", is_staff=True)  # sees the branch, does not handle objections
    OrgNodeUserObjectPermission.objects.create(
        user=onlooker,
        permission=Permission.objects.get(content_type__app_label="organisations", codename="view_scope"),
        content_object=world.committee,
    )
    sign_in(client, onlooker)
    assert client.get(url).status_code == 404
    assert (
        world.people["member_a"].name
        not in client.get(reverse("admin:notifications_reminder_changelist")).content.decode()
    )
    sign_in(client, world.users["organiser_a"])  # handles the objections of branch A
    assert client.get(url).status_code == 200
