from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.organisations.overview_cache import cached_fragment, fragment_key, read_ahead
from apps.organisations.permissions import grants_key
from apps.people.selectors import standing_key

from .calendar import ical
from .context_processors import unread_key
from .forms import PreferenceForm
from .models import Preference
from .selectors import (
    CURRENT,
    DONE,
    EVERYTHING,
    calendar_events_for,
    calendar_token_live,
    calendar_user,
    reminder_get_for,
    reminder_list_for,
)
from .services import (
    calendar_token_create,
    calendar_token_revoke,
    preference_set,
    reminder_mark_read,
    reminders_mark_all_read,
)


def reminder_list(request):
    """The notification centre: the reminders that still ask for something, unread ones marked; those done (the step
    recorded, the deadline moved, news read) under "done and earlier".

    The list is cached per user, language, day and parameters under the reminders' data version (any committed
    write to a reminder bumps it) and the organisation's (the names of the organisations shown): docs/adr/0004."""
    show = request.GET.get("show") if request.GET.get("show") in (DONE, EVERYTHING) else CURRENT
    only_unread = request.GET.get("unread") == "1"
    page_number = request.GET.get("page", "")
    today = timezone.localdate()
    user = request.user
    parts = (user.pk, get_language(), today, show, only_unread, page_number)
    key = fragment_key("reminders", ("reminders", "org"), *parts)
    read_ahead(
        [key, grants_key(user.pk), standing_key(user.pk), unread_key(user.pk)]
    )  # with what the frame asks for: one round trip

    def render_list() -> str:
        reminders = reminder_list_for(user=user, show=show)
        if only_unread:
            reminders = reminders.filter(read_at__isnull=True)
        page = Paginator(reminders, 30).get_page(page_number)
        context = {"page": page, "only_unread": only_unread, "show": show, "today": today}
        return render_to_string("notifications/_list.html", context, request=request)

    context = {"list": mark_safe(cached_fragment(key, render_list)), "only_unread": only_unread, "show": show}
    return render(request, "notifications/list.html", context)


def reminder_open(request, pk: int):
    """Open a reminder: it counts as read, and the user goes on to its subject."""
    reminder = reminder_get_for(user=request.user, pk=pk)
    reminder_mark_read(user=request.user, reminder=reminder, now=timezone.now())
    target = reminder.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return redirect(target)


@require_POST
def read_all(request):
    count = reminders_mark_all_read(user=request.user, now=timezone.now())
    messages.success(request, _("%(n)s reminders marked as read.") % {"n": count})
    return redirect("notifications:list")


def settings_view(request):
    """The user's e-mail preference and calendar feed."""
    pref = Preference.objects.filter(user=request.user).first()
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "email":
            form = PreferenceForm(request.POST)
            if form.is_valid():
                preference_set(user=request.user, email_mode=form.cleaned_data["email_mode"])
                messages.success(request, _("Your reminder preference is saved."))
                return redirect("notifications:settings")
        elif action == "calendar_new":
            new_token = calendar_token_create(user=request.user, now=timezone.now())
            messages.success(request, _("A new calendar address is ready; any earlier address no longer works."))
            form = PreferenceForm(initial={"email_mode": pref.email_mode if pref else "auto"})
        elif action == "calendar_revoke":
            calendar_token_revoke(user=request.user, now=timezone.now())
            messages.success(request, _("Your calendar address no longer works."))
            return redirect("notifications:settings")
        else:
            raise Http404
    else:
        form = PreferenceForm(initial={"email_mode": pref.email_mode if pref else "auto"})
    calendar_url = request.build_absolute_uri(_calendar_path(new_token)) if new_token else None
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "token": calendar_token_live(user=request.user), "calendar_url": calendar_url},
    )


def _calendar_path(token: str) -> str:
    from django.urls import reverse

    return reverse("notifications:calendar", args=[token])


@login_not_required
@never_cache
def calendar_feed(request, token: str):
    """The user's deadlines as an iCalendar feed, for a calendar application; the secret token is the key."""
    now = timezone.now()
    user = calendar_user(token, now=now)
    if user is None:
        raise Http404
    events = calendar_events_for(user=user, today=timezone.localdate(now))
    response = HttpResponse(
        ical(events, user=user, request=request, now=now), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(False, "partyportal.ics")
    return response
