from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.audit.services import audit_record
from apps.documents.forms import DocumentUploadForm
from apps.documents.selectors import document_list_for
from apps.notifications.context_processors import unread_key
from apps.organisations.choices import MANAGE_PEOPLE, NodeKind
from apps.organisations.overview_cache import TTL_SECONDS as OVERVIEW_TTL_SECONDS
from apps.organisations.overview_cache import cached_fragment, data_versions, fragment_key, read_ahead
from apps.organisations.permissions import covers, grants_key
from apps.organisations.selectors import anchor_nodes_for, node_get_for, node_list_for, node_overviews, subtree_nodes
from apps.people.selectors import (
    can_see_sensitive,
    person_for_user,
    person_get_for,
    person_list_for,
    standing_key,
)
from apps.people.services import person_update

from .agenda import agenda_for
from .filters import PersonFilter
from .forms import ContactForm
from .todo import todo_for


def _home_context(user, today) -> dict:
    anchors = anchor_nodes_for(user=user)
    if user.is_superuser and not anchors:
        anchors = list(node_list_for(user=user).filter(depth=1))
    overviews = node_overviews(nodes=subtree_nodes(roots=anchors, max_depth_below=2), today=today) if anchors else []
    me = person_for_user(user)
    return {
        "me": me,
        "anchors": anchors,
        "overviews": overviews,
        "agenda": agenda_for(person=me) if me else [],
    }


def home(request):
    """One page per role: the subtree the user is responsible for, or their own record.

    Two fragments, each cached per user, language and day under the data versions it is computed from
    (docs/adr/0004): the page body under the organisation data version, which every committed change of people,
    posts, terms or nodes bumps; the to-do of an official (what waits for their check, approval or record) under the
    ``todo`` version too, which any committed write to the notices, objections, development cases and transfers
    bumps (``apps.portal.apps``). A warm page makes no query; the frame with its CSRF-bearing forms is rendered every
    time.
    """
    user = request.user
    today = timezone.localdate()
    org, disclosure, todo, _reminders = data_versions("org", "disclosure", "todo", "reminders")
    suffix = f"{today.isoformat()}:{get_language()}:{user.pk}"
    parts_key, todo_key = f"home-parts:{org}:{suffix}", f"home-todo:{org}:{disclosure}:{todo}:{suffix}"
    # with what the page's frame asks for (the grants of the navigation, the header's unread count): one round trip
    cached = read_ahead([parts_key, todo_key, grants_key(user.pk), standing_key(user.pk), unread_key(user.pk)])
    parts = cached.get(parts_key)
    if parts is None:
        context = _home_context(user, today)
        parts = [render_to_string(f"portal/home_{part}.html", context, request=request) for part in ("head", "body")]
        cache.set(parts_key, parts, timeout=OVERVIEW_TTL_SECONDS)
    todo_html = cached.get(todo_key)
    if todo_html is None:
        todo_html = render_to_string("portal/_todo.html", {"todo": todo_for(user=user, today=today)}, request=request)
        cache.set(todo_key, todo_html, timeout=OVERVIEW_TTL_SECONDS)
    head, body = parts
    context = {"head": mark_safe(head), "body": mark_safe(body), "todo_html": mark_safe(todo_html)}
    return render(request, "portal/home.html", context)


def org_tree(request):
    nodes = list(node_list_for(user=request.user))
    if not nodes:
        raise PermissionDenied
    return render(
        request, "portal/org_tree.html", {"overviews": node_overviews(nodes=nodes, today=timezone.localdate())}
    )


def node_detail(request, pk: int):
    node = node_get_for(user=request.user, pk=pk, request=request)
    children = subtree_nodes(roots=[node], max_depth_below=1)
    overviews = node_overviews(nodes=children, today=timezone.localdate())
    return render(
        request,
        "portal/node_detail.html",
        {"overview": overviews[0], "children": overviews[1:], "kinds": NodeKind},
    )


def person_list(request):
    qs = person_list_for(user=request.user).filter(is_active=True).order_by("node__path", "name", "id")
    person_filter = PersonFilter(request.GET, queryset=qs, request=request)
    page = Paginator(person_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "portal/person_list.html", {"filter": person_filter, "page": page})


def person_detail(request, pk: int):
    person = person_get_for(user=request.user, pk=pk, request=request)
    sensitive = can_see_sensitive(user=request.user, person=person)
    if sensitive and person.user_id != request.user.pk:
        audit_record(actor=request.user, action="people.sensitive_viewed", target=person, node=person.node)
    context = {
        "person": person,
        "sensitive": sensitive,
        "family": list(person.family.all()) if sensitive else [],
        "posts": list(person.posts.filter(ended_on__isnull=True).select_related("node", "title")),
        "documents": document_list_for(user=request.user, person=person),
        "can_upload": covers(request.user, MANAGE_PEOPLE, person.node.path) or person.user_id == request.user.pk,
        "upload_form": DocumentUploadForm(),
    }
    return render(request, "portal/person_detail.html", context)


@require_http_methods(["GET", "POST"])
def my_profile(request):
    me = person_for_user(request.user)
    if me is None:
        return render(request, "portal/no_profile.html")
    form = ContactForm(request.POST or None, instance=me)
    if request.method == "POST" and form.is_valid():
        try:
            person_update(
                actor=request.user,
                person=me,
                fields=form.cleaned_data,
                self_service=True,
                today=timezone.localdate(),
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your contact details were saved."))
            return redirect("portal:my_profile")
    return render(request, "portal/my_profile.html", {"person": me, "form": form})


def _broker_status() -> str:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "embedded"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:  # noqa: BLE001 - any broker failure is reported, not raised
        return "error"


def _sweep_status() -> str:
    """ "ok", "never" (a fresh installation) or "stale": no successful reminder sweep for too long."""
    from apps.notifications.selectors import sweep_health

    try:
        return sweep_health(now=timezone.now())
    except Exception:  # noqa: BLE001 - the database check reports a broken database
        return "error"


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception:  # noqa: BLE001
        return "error"


@login_not_required
@never_cache
def healthz(request):
    """Database and broker status as JSON; 503 when one of them fails."""
    status = {"database": _database_status(), "broker": _broker_status(), "sweep": _sweep_status()}
    healthy = (
        status["database"] == "ok" and status["broker"] in ("ok", "embedded") and status["sweep"] in ("ok", "never")
    )
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


@login_not_required
@never_cache
def healthz_live(request):
    """Liveness: one database query and nothing else (also the floor of the throughput benchmark)."""
    return JsonResponse({"status": "ok", "database": _database_status()})


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the portal's icon from the static files (resolved at
    request time, after collectstatic's manifest exists)."""
    from django.templatetags.static import static

    return redirect(static("img/favicon.svg"), permanent=True)


def dashboards(request):
    """Figures at a glance: for those with a view scope, the committee's dashboards over their subtrees; for a
    member, their own year. Each chart with its numbers as a table; the year chosen (this year by default)."""
    from apps.organisations.choices import VIEW_SCOPE
    from apps.organisations.permissions import has_any_scope

    from .dashboards import committee_dashboard, my_year

    today = timezone.localdate()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and today.year - 10 <= int(raw) <= today.year else today.year
    scoped = has_any_scope(request.user, VIEW_SCOPE)
    person = person_for_user(request.user)
    view = "mine" if (request.GET.get("view") == "mine" or not scoped) and person is not None else "scope"

    def render_body() -> str:
        if view == "mine":
            sections = [my_year(person=person, year=year)]
        else:
            sections = committee_dashboard(user=request.user, year=year, today=today) if scoped else []
        return render_to_string("portal/dashboards_body.html", {"sections": sections}, request=request)

    # Cached per user, language, day, year and view under the versions of the data it draws (docs/adr/0004): any
    # committed write to people, membership, cases, meetings or dues, or to posts and grants, shows on the next request.
    key = fragment_key("dashboard", ("org", "dashboard"), request.user.pk, get_language(), today, year, view)
    context = {
        "body": mark_safe(cached_fragment(key, render_body)),
        "year": year,
        "years": list(range(today.year, today.year - 6, -1)),
        "view": view,
        "tabs": scoped and person is not None,
    }
    return render(request, "portal/dashboards.html", context)
