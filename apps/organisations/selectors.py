"""Reads of the organisation tree, already restricted to what the user may see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from apps.audit.services import access_denied_note

from .choices import VIEW_SCOPE, NodeKind
from .counters import count_rows
from .models import OrgNode, OrgPolicy, Post, Term, policy_defaults
from .overview_cache import TTL_SECONDS, overview_key, overview_version
from .permissions import restrict


def node_list_for(*, user, perm: str = VIEW_SCOPE) -> QuerySet[OrgNode]:
    return restrict(OrgNode.objects.filter(is_active=True), user=user, perm=perm, path_field="path").order_by("path")


def node_get_for(*, user, pk, perm: str = VIEW_SCOPE, request=None) -> OrgNode:
    """The node, or 404 — also when it exists outside the user's subtree (no existence leak)."""
    try:
        return node_list_for(user=user, perm=perm).get(pk=pk)
    except (OrgNode.DoesNotExist, ValueError, TypeError):
        denied = OrgNode.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if denied is not None:
            access_denied_note(actor=user, target=denied, node=denied, request=request)
        raise Http404 from None


def branch_of(node: OrgNode) -> OrgNode:
    """The branch a node belongs to: a party group's branch, or the node itself."""
    return OrgNode.objects.get_parent(node) if node.kind == NodeKind.GROUP else node


def committee_of(node: OrgNode) -> OrgNode | None:
    """The base committee above (or at) a node."""
    if node.kind == NodeKind.COMMITTEE:
        return node
    return (
        OrgNode.objects.filter(kind=NodeKind.COMMITTEE, path__in=_ancestor_paths(node.path, node.steplen))
        .order_by("-depth")
        .first()
    )


def _ancestor_paths(path: str, steplen: int) -> list[str]:
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def policy_for(node: OrgNode) -> OrgPolicy:
    """The policy of the node's base committee, or the defaults when none was saved."""
    committee = committee_of(node)
    policy = OrgPolicy.objects.filter(committee=committee).first() if committee else None
    return policy or OrgPolicy(committee=committee, **policy_defaults())


@dataclass
class NodeWarning:
    code: str
    message: str
    level: str = "warning"


@dataclass
class NodeOverview:
    node: OrgNode
    counts: dict[str, int] = field(default_factory=dict)
    committee_size: int = 0
    open_term: Term | None = None
    warnings: list[NodeWarning] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)

    @property
    def full_members(self) -> int:
        return self.counts.get("full", 0)

    @property
    def members(self) -> int:
        return self.counts.get("full", 0) + self.counts.get("probationary", 0)

    @property
    def pipeline(self) -> int:
        return sum(self.counts.get(s, 0) for s in ("applicant", "activist", "candidate"))


def node_warnings(*, overview: NodeOverview, policy: OrgPolicy, today: datetime.date) -> list[NodeWarning]:
    """The rules of the branch work regulations (中国共产党支部工作条例（试行）, 2018) checked against the data; only
    warnings."""
    node, warnings = overview.node, []
    if node.kind == NodeKind.BRANCH:
        if overview.full_members < policy.min_full_members:
            warnings.append(
                NodeWarning(
                    "too_few_members",
                    _("A branch needs at least %(min)s full members; this one has %(n)s.")
                    % {"min": policy.min_full_members, "n": overview.full_members},
                )
            )
        if overview.full_members >= policy.committee_threshold and overview.committee_size == 0:
            warnings.append(
                NodeWarning(
                    "committee_required",
                    _("With %(n)s full members (%(min)s or more) the branch should elect a branch committee.")
                    % {"n": overview.full_members, "min": policy.committee_threshold},
                )
            )
        if overview.members > policy.general_branch_threshold:
            warnings.append(
                NodeWarning(
                    "may_become_general_branch",
                    _("More than %(max)s members: the branch may be set up as a general branch.")
                    % {"max": policy.general_branch_threshold},
                    level="info",
                )
            )
    if overview.committee_size and node.kind != NodeKind.GROUP:
        if overview.committee_size > policy.committee_hard_max:
            warnings.append(
                NodeWarning(
                    "committee_too_large",
                    _("The committee has %(n)s members; it should not exceed %(max)s.")
                    % {"n": overview.committee_size, "max": policy.committee_hard_max},
                )
            )
        elif node.kind == NodeKind.BRANCH and not (
            policy.committee_min <= overview.committee_size <= policy.committee_max
        ):
            warnings.append(
                NodeWarning(
                    "committee_size",
                    _("A branch committee normally has %(min)s to %(max)s members; this one has %(n)s.")
                    % {"min": policy.committee_min, "max": policy.committee_max, "n": overview.committee_size},
                    level="info",
                )
            )
    term = overview.open_term
    if term is not None:
        if term.expires_on < today:
            warnings.append(
                NodeWarning(
                    "term_expired",
                    _("The term ended on %(date)s: the election is overdue.") % {"date": term.expires_on},
                    level="danger",
                )
            )
        elif (term.expires_on - today).days <= policy.term_warning_days:
            warnings.append(
                NodeWarning(
                    "term_expiring",
                    _("The term ends on %(date)s: prepare the election.") % {"date": term.expires_on},
                )
            )
    elif node.kind != NodeKind.GROUP and overview.committee_size:
        warnings.append(NodeWarning("term_missing", _("Committee members are recorded but no term is open.")))
    return warnings


def node_overviews(*, nodes: list[OrgNode], today: datetime.date) -> list[NodeOverview]:
    """Counts, committee, term and warnings for many nodes: from the cache, or in a fixed number of queries.

    Counts cover each node's whole subtree (a general branch counts its branches' people).
    """
    if not nodes:
        return []
    key = overview_key([n.pk for n in nodes], today, overview_version())
    overviews = cache.get(key)
    if overviews is None:
        overviews = _compute_overviews(nodes=nodes, today=today)
        cache.set(key, overviews, timeout=TTL_SECONDS)
    return overviews


def _compute_overviews(*, nodes: list[OrgNode], today: datetime.date) -> list[NodeOverview]:
    by_path = {n.path: n for n in nodes}
    subtree_q = Q()
    for n in nodes:
        subtree_q |= Q(path__startswith=n.path)
    per_node = count_rows(node_q=subtree_q)
    totals: dict[str, dict[str, int]] = {n.path: defaultdict(int) for n in nodes}
    steplen = nodes[0].steplen
    for path, status, count in per_node:
        for ancestor in _ancestor_paths(path, steplen):
            if ancestor in totals:
                totals[ancestor][status] += count
    node_ids = [n.pk for n in nodes]
    posts = (
        Post.objects.filter(node_id__in=node_ids, ended_on__isnull=True)
        .select_related("person", "title")
        .order_by("title__order")
    )
    posts_by_node: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        posts_by_node[post.node_id].append(post)
    terms = {t.node_id: t for t in Term.objects.filter(node_id__in=node_ids, closed_on__isnull=True)}
    policies = _policies_for(nodes)
    overviews = []
    for path, node in by_path.items():
        node_posts = posts_by_node.get(node.pk, [])
        overview = NodeOverview(
            node=node,
            counts=dict(totals[path]),
            committee_size=len({p.person_id for p in node_posts if p.title.is_committee_member}),
            open_term=terms.get(node.pk),
            posts=node_posts,
        )
        overview.warnings = node_warnings(overview=overview, policy=policies[node.pk], today=today)
        overviews.append(overview)
    return overviews


def _policies_for(nodes: list[OrgNode]) -> dict[int, OrgPolicy]:
    """The policy for each node, from one query over the committees above them."""
    steplen = nodes[0].steplen
    ancestor_paths = {p for n in nodes for p in _ancestor_paths(n.path, steplen)}
    committees = {
        c.path: c
        for c in OrgNode.objects.filter(kind=NodeKind.COMMITTEE, path__in=ancestor_paths).select_related("policy")
    }
    result = {}
    for node in nodes:
        chosen = None
        for path in reversed(_ancestor_paths(node.path, steplen)):
            if path in committees:
                chosen = committees[path]
                break
        policy = getattr(chosen, "policy", None) if chosen else None
        result[node.pk] = policy or OrgPolicy(committee=chosen, **policy_defaults())
    return result


def post_list_for(*, user, perm: str = VIEW_SCOPE) -> QuerySet[Post]:
    return restrict(
        Post.objects.select_related("person", "node", "title"), user=user, perm=perm, path_field="node__path"
    )


def anchor_nodes_for(*, user) -> list[OrgNode]:
    """The nodes where the user's current posts are: the top of what their home page shows."""
    person = getattr(user, "person", None)
    if person is None:
        return []
    nodes = {
        p.node.path: p.node
        for p in Post.objects.filter(person=person, ended_on__isnull=True, node__is_active=True).select_related("node")
    }
    return [nodes[p] for p in sorted(nodes) if not any(p != q and p.startswith(q) for q in nodes)]


def subtree_nodes(*, roots: list[OrgNode], max_depth_below: int | None = None) -> list[OrgNode]:
    q = Q()
    for root in roots:
        part = Q(path__startswith=root.path)
        if max_depth_below is not None:
            part &= Q(depth__lte=root.depth + max_depth_below)
        q |= part
    return list(OrgNode.objects.filter(q, is_active=True).order_by("path")) if roots else []


# --- reads for the apps above (the reminder sweep) --------------------------------------------------------------------


def paths_up(path: str) -> list[str]:
    """The node's own path, then its parent's, up to the root: the nearest organisation first."""
    return [path[:end] for end in range(len(path), 0, -OrgNode.steplen)]


def post_holders(*, role_codes, today: datetime.date) -> QuerySet:
    """(person id, node path, role code) of each post with one of these roles held ``today`` (one query)."""
    return (
        Post.objects.filter(title__role__code__in=role_codes, started_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
        .values_list("person_id", "node__path", "title__role__code")
    )


def terms_ending(*, earliest: datetime.date | None, latest: datetime.date) -> QuerySet:
    """(term id, end, node id, node path, node name, number) of the open terms ending between ``earliest`` (None: no
    lower bound) and ``latest`` (one query)."""
    terms = Term.objects.filter(closed_on__isnull=True, expires_on__lte=latest)
    if earliest is not None:
        terms = terms.filter(expires_on__gte=earliest)
    return terms.values_list("pk", "expires_on", "node_id", "node__path", "node__name", "number")


def open_term_ends(*, term_ids) -> dict[int, datetime.date]:
    """{term id: its end} of those of ``term_ids`` still open."""
    return dict(Term.objects.filter(pk__in=term_ids, closed_on__isnull=True).values_list("pk", "expires_on"))
