"""Every URL pattern has an entry here: role × inside/outside the subtree → expected status.

``test_every_url_has_an_entry`` walks the URL configuration and fails when a named pattern is missing, so a new
view cannot ship without a permission decision; ``test_every_entry_expects_every_role`` fails when an entry leaves a
role out, so no pair is skipped. Roles: anonymous, a member of branch A, an applicant of branch A (with a
development case, not a Party member), the secretary of branch A (subtree = branch A), the committee's organisation
staff (subtree = the whole committee) and an administrator (a login with no person record).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

from apps.audit.models import AuditEntry
from apps.documents.models import Document
from apps.lifecycle.models import CommitteeRuleSet, RuleSet
from apps.organisations.models import OrgPolicy, Post, Term
from tests.conftest import sign_in
from tests.dates import TODAY, at

ROLES = ["anon", "member_a", "secretary_a", "staff", "admin", "applicant_a"]


@dataclass
class Case:
    url: Callable  # world -> url
    expect: dict  # role -> status
    method: str = "get"
    data: dict = field(default_factory=dict)


def _r(name, *args):
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args])


LOGIN = 302  # anonymous → the login page; a signed-in user who is not staff → the admin's login page
ALL_SIGNED_IN_200 = {"anon": LOGIN, "member_a": 200, "applicant_a": 200, "secretary_a": 200, "staff": 200, "admin": 200}
# The admin's own pages: staff with a scope (the secretary, the committee's staff, the administrator) get in.
# Pages of the organisation's officials: whoever holds a scope (the secretary, the committee's staff, administrators).
OFFICIALS_200 = {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200}
ADMIN_STAFF_200 = {
    "anon": LOGIN,
    "member_a": LOGIN,
    "applicant_a": LOGIN,
    "secretary_a": 200,
    "staff": 200,
    "admin": 200,
}
ADMIN_LOGIN = dict.fromkeys(ROLES, 302) | {"member_a": 403, "applicant_a": 403}

# Organisational life: pages of organisations and meetings inside branch A (the secretary's subtree) and outside it.
SCOPE_ONLY_200 = {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200}
IN_A_200 = {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200}
OUT_OF_A_200 = IN_A_200 | {"secretary_a": 404}
IN_A_302 = {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302}
OUT_OF_A_302 = IN_A_302 | {"secretary_a": 404}
# Secret ballots: the people who may vote in branch A's (the members on its roll: the member and the secretary) and
# in branch B's (the committee's staff member, recorded in branch B); nobody else learns that the ballot exists.
VOTERS_A = {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 404, "admin": 404}
VOTERS_B = {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 404}

MATRIX: dict[str, list[Case]] = {
    "portal:home": [Case(_r("portal:home"), ALL_SIGNED_IN_200)],
    "portal:my_profile": [Case(_r("portal:my_profile"), ALL_SIGNED_IN_200)],
    "portal:dashboards": [Case(_r("portal:dashboards"), ALL_SIGNED_IN_200)],
    "portal:org_tree": [
        Case(
            _r("portal:org_tree"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        )
    ],
    "portal:node_detail": [
        Case(
            _r("portal:node_detail", lambda w: w.branch_a.pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("portal:node_detail", lambda w: w.branch_b.pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
        Case(
            _r("portal:node_detail", lambda w: w.committee.pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "portal:person_list": [Case(_r("portal:person_list"), ALL_SIGNED_IN_200)],
    "portal:person_detail": [
        Case(
            _r("portal:person_detail", lambda w: w.people["plain_a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("portal:person_detail", lambda w: w.people["plain_b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
        Case(
            _r("portal:person_detail", lambda w: w.people["member_a"].pk),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "documents:download": [
        Case(
            _r("documents:download", lambda w: w.docs["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("documents:download", lambda w: w.docs["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
        Case(
            _r("documents:download", lambda w: w.docs["own_a"].pk),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "documents:upload": [
        # An invalid (empty) upload: allowed users are sent back to the record with an error, others get 404.
        Case(
            _r("documents:upload", lambda w: w.people["plain_a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("documents:upload", lambda w: w.people["plain_b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "lifecycle:my_development": [Case(_r("lifecycle:my_development"), ALL_SIGNED_IN_200)],
    "lifecycle:plan": [Case(_r("lifecycle:plan"), ALL_SIGNED_IN_200)],
    "lifecycle:pipeline": [
        Case(
            _r("lifecycle:pipeline"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        )
    ],
    "lifecycle:compliance": [
        Case(
            _r("lifecycle:compliance"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        )
    ],
    "lifecycle:case_new": [
        Case(
            _r("lifecycle:case_new"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        )
    ],
    "lifecycle:case_detail": [
        Case(
            _r("lifecycle:case_detail", lambda w: w.cases["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 200, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("lifecycle:case_detail", lambda w: w.cases["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "lifecycle:case_record": [
        # an empty form: allowed users get the case page again with the errors (422), others get 404
        Case(
            _r("lifecycle:case_record", lambda w: w.cases["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 422, "staff": 422, "admin": 422},
            method="post",
        ),
        Case(
            _r("lifecycle:case_record", lambda w: w.cases["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 422, "admin": 422},
            method="post",
        ),
    ],
    "lifecycle:record_document": [
        # no file: whoever may record the step is sent back with the error; others, the person included, get 404
        Case(
            _r("lifecycle:record_document", lambda w: w.cases["a"].pk, lambda w: w.cases["a"].records.first().pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("lifecycle:record_document", lambda w: w.cases["b"].pk, lambda w: w.cases["b"].records.first().pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "favicon": [
        Case(
            _r("favicon"),
            {"anon": 301, "member_a": 301, "applicant_a": 301, "secretary_a": 301, "staff": 301, "admin": 301},
        ),
    ],
    "membership:overview": [
        Case(
            _r("membership:overview"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "membership:person": [
        # one's own history, or the people of one's subtree
        Case(
            _r("membership:person", lambda w: w.people["member_a"].pk),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("membership:person", lambda w: w.people["member_b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "membership:person_action": [
        # an empty form: those who manage the person's branch are sent back with the errors, others get 404
        Case(
            _r("membership:person_action", lambda w: w.people["member_a"].pk, "lost"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("membership:person_action", lambda w: w.people["member_b"].pk, "lost"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "membership:transfer_new": [
        Case(
            _r("membership:transfer_new"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "membership:incoming_new": [
        Case(
            _r("membership:incoming_new"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "membership:transfer_detail": [
        Case(
            _r("membership:transfer_detail", lambda w: w.transfers["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("membership:transfer_detail", lambda w: w.transfers["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "membership:transfer_decide": [
        # the sending branch cancels (rolled back after each role)
        Case(
            _r("membership:transfer_decide", lambda w: w.transfers["a"].pk, "cancel"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("membership:transfer_decide", lambda w: w.transfers["b"].pk, "cancel"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "reports:home": [Case(_r("reports:home"), OFFICIALS_200)],
    "reports:roster_import": [
        Case(_r("reports:roster_import"), OFFICIALS_200),
        # no file: those who manage people get the form again with its error
        Case(
            _r("reports:roster_import"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 422, "staff": 422, "admin": 422},
            method="post",
        ),
    ],
    "reports:run_status": [
        Case(
            _r("reports:run_status", lambda w: w.runs["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("reports:run_status", lambda w: w.runs["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "reports:download": [
        Case(
            _r("reports:download", lambda w: w.runs["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("reports:download", lambda w: w.runs["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "dues:mine": [
        Case(_r("dues:mine"), ALL_SIGNED_IN_200),
        # an empty declaration: members get the form again with the errors (422); who owes no dues, 403
        Case(
            _r("dues:mine"),
            {"anon": LOGIN, "member_a": 422, "applicant_a": 403, "secretary_a": 422, "staff": 422, "admin": 403},
            method="post",
        ),
    ],
    "dues:collection": [Case(_r("dues:collection"), OFFICIALS_200)],
    "dues:month_open": [
        # no organisation or month: those who manage people are sent back with the error
        Case(
            _r("dues:month_open"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        )
    ],
    "dues:ledger": [Case(_r("dues:ledger"), OFFICIALS_200)],
    "dues:ledger_export": [Case(_r("dues:ledger_export"), OFFICIALS_200)],
    "dues:arrears": [Case(_r("dues:arrears"), OFFICIALS_200)],
    "dues:committee": [Case(_r("dues:committee"), OFFICIALS_200)],
    "dues:summary_export": [Case(_r("dues:summary_export"), OFFICIALS_200)],
    "dues:import": [Case(_r("dues:import"), OFFICIALS_200)],
    "dues:committee_action": [
        Case(
            _r("dues:committee_action", "remit"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        )
    ],
    "dues:person": [
        # one's own ledger, or the members of one's subtree
        Case(
            _r("dues:person", lambda w: w.people["member_a"].pk),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("dues:person", lambda w: w.people["member_b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "dues:person_action": [
        # an empty payment: the member's branch is sent back with the errors, others (the member too) get 404
        Case(
            _r("dues:person_action", lambda w: w.people["member_a"].pk, "pay"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("dues:person_action", lambda w: w.people["member_b"].pk, "pay"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "dues:base_decide": [
        # a return without a reason: the member's branch is told why, others get 404
        Case(
            _r("dues:base_decide", lambda w: w.bases["a"].pk, "return"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("dues:base_decide", lambda w: w.bases["b"].pk, "return"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "dues:relief_decide": [
        # an approval without the decision: whoever sees the member is told why (the secretary, who may not
        # approve, is told that too); others get 404
        Case(
            _r("dues:relief_decide", lambda w: w.reliefs["a"].pk, "approve"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("dues:relief_decide", lambda w: w.reliefs["b"].pk, "approve"),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "lifecycle:submit": [
        # an empty form: whoever sees the case is sent back to the timeline with the errors (the service accepts a
        # thought report or an application only from the person concerned), others get 404
        Case(
            _r("lifecycle:submit", lambda w: w.cases["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 302, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),
        Case(
            _r("lifecycle:submit", lambda w: w.cases["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
        ),
    ],
    "disclosure:board": [Case(_r("disclosure:board"), ALL_SIGNED_IN_200)],
    "disclosure:objections_mine": [Case(_r("disclosure:objections_mine"), ALL_SIGNED_IN_200)],
    "disclosure:notice": [
        Case(
            _r("disclosure:notice", lambda w: w.notices["a"].pk),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("disclosure:notice", lambda w: w.notices["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "disclosure:notice_version": [
        Case(
            _r("disclosure:notice_version", lambda w: w.notices["a"].pk, 1),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("disclosure:notice_version", lambda w: w.notices["b"].pk, 1),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "disclosure:print": [
        Case(
            _r("disclosure:print", lambda w: w.notices["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "disclosure:word": [
        Case(
            _r("disclosure:word", lambda w: w.notices["a"].pk),
            {"anon": LOGIN, "member_a": 200, "applicant_a": 404, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
        Case(
            _r("disclosure:word", lambda w: w.notices["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "disclosure:object": [
        # an empty objection: whoever sees the notice is sent back with the error, others get 404; an objection is
        # filed in one's own name, so a login with no person record (the administrator here) is refused with 403
        Case(
            _r("disclosure:object", lambda w: w.notices["a"].pk),
            {"anon": LOGIN, "member_a": 302, "applicant_a": 404, "secretary_a": 302, "staff": 302, "admin": 403},
            method="post",
        ),
        Case(
            _r("disclosure:object", lambda w: w.notices["b"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 404, "staff": 302, "admin": 403},
            method="post",
        ),
    ],
    "disclosure:objection_reply": [
        # only the person an objection concerns replies to it; anyone else, administrator included, finds nothing
        Case(
            _r("disclosure:objection_reply", 999999),
            dict.fromkeys(ROLES[1:], 404) | {"anon": LOGIN},
            method="post",
        ),
    ],
    "disclosure:due": [
        Case(
            _r("disclosure:due"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "disclosure:verify": [
        Case(
            _r("disclosure:verify"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 200, "staff": 200, "admin": 200},
        ),
    ],
    "accounts:login": [Case(_r("accounts:login"), dict.fromkeys(ROLES[1:], 302) | {"anon": 200})],
    "accounts:logout": [Case(_r("accounts:logout"), dict.fromkeys(ROLES, 302), method="post")],
    "accounts:otp_verify": [Case(_r("accounts:otp_verify"), dict.fromkeys(ROLES[1:], 302) | {"anon": LOGIN})],
    # Everyone here already has a confirmed device: the setup page sends them on (first setup: tests/accounts).
    "accounts:otp_setup": [Case(_r("accounts:otp_setup"), dict.fromkeys(ROLES[1:], 302) | {"anon": LOGIN})],
    "accounts:password_change": [Case(_r("accounts:password_change"), ALL_SIGNED_IN_200)],
    "accounts:password_change_done": [Case(_r("accounts:password_change_done"), ALL_SIGNED_IN_200)],
    "set_language": [Case(_r("set_language"), dict.fromkeys(ROLES, 302), method="post", data={"language": "en"})],
    "healthz": [Case(_r("healthz"), dict.fromkeys(ROLES, 200))],
    "healthz_live": [Case(_r("healthz_live"), dict.fromkeys(ROLES, 200))],
    # the portal's sign-in for the anonymous, the admin for staff; those signed in who may not use the admin: 403
    "admin_login_redirect": [Case(_r("admin_login_redirect"), ADMIN_LOGIN)],
    "admin:login": [Case(_r("admin:login"), ADMIN_LOGIN)],
    "admin:index": [Case(_r("admin:index"), ADMIN_STAFF_200)],
    "admin:logout": [Case(_r("admin:logout"), dict.fromkeys(ROLES, 302), method="post")],
    "admin:auth_user_password_change": [
        Case(
            _r("admin:auth_user_password_change", lambda w: w.users["member_b"].pk),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 403, "staff": 403, "admin": 200},
        )
    ],
    "admin:password_change": [
        Case(
            _r("admin:password_change"),
            ADMIN_STAFF_200,
        )
    ],
    "admin:password_change_done": [
        Case(
            _r("admin:password_change_done"),
            ADMIN_STAFF_200,
        )
    ],
    "admin:jsi18n": [Case(_r("admin:jsi18n"), ADMIN_STAFF_200)],
    "admin:app_list": [
        Case(
            _r("admin:app_list", "people"),
            ADMIN_STAFF_200,
        )
    ],
    "admin:autocomplete": [
        # The person autocomplete of the post form: the secretary gets only branch A's people (checked below).
        Case(
            lambda w: (
                reverse("admin:autocomplete") + "?app_label=organisations&model_name=post&field_name=person&term="
            ),
            ADMIN_STAFF_200,
        )
    ],
    "admin:view_on_site": [
        Case(
            lambda w: reverse("admin:view_on_site", args=[1, 1]),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 404, "staff": 404, "admin": 404},
        )
    ],
    "admin:lifecycle_developmentcase_record": [
        Case(
            _r("admin:lifecycle_developmentcase_record", lambda w: w.cases["a"].pk),
            ADMIN_STAFF_200,
        ),
        Case(
            _r("admin:lifecycle_developmentcase_record", lambda w: w.cases["b"].pk),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 404, "staff": 200, "admin": 200},
        ),
    ],
    "admin:lifecycle_developmentcase_import": [
        Case(
            _r("admin:lifecycle_developmentcase_import"),
            ADMIN_STAFF_200,
        )
    ],
    "admin:lifecycle_developmentcase_import_template": [
        Case(
            _r("admin:lifecycle_developmentcase_import_template"),
            ADMIN_STAFF_200,
        )
    ],
    "admin:disclosure_notice_move": [
        # a move from the notice's page: back to the page (the move made or its refusal said); outside: 404
        Case(
            _r("admin:disclosure_notice_move", lambda w: w.notices["a"].pk),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
            data={"move": "hold"},
        ),
        Case(
            _r("admin:disclosure_notice_move", lambda w: w.notices["b"].pk),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 404, "staff": 302, "admin": 302},
            method="post",
            data={"move": "hold"},
        ),
    ],
    "admin:otp_totp_totpdevice_config": [
        Case(
            _r("admin:otp_totp_totpdevice_config", lambda w: w.totp.pk),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 403, "staff": 403, "admin": 200},
        )
    ],
    "admin:otp_totp_totpdevice_qrcode": [
        Case(
            _r("admin:otp_totp_totpdevice_qrcode", lambda w: w.totp.pk),
            {"anon": LOGIN, "member_a": LOGIN, "applicant_a": LOGIN, "secretary_a": 403, "staff": 403, "admin": 200},
        )
    ],
    "notifications:list": [Case(_r("notifications:list"), ALL_SIGNED_IN_200)],
    "notifications:settings": [Case(_r("notifications:settings"), ALL_SIGNED_IN_200)],
    "notifications:read_all": [
        Case(_r("notifications:read_all"), {**ALL_SIGNED_IN_200, **dict.fromkeys(ROLES[1:], 302)}, method="post")
    ],
    "notifications:open": [
        # one's own reminder opens its subject; anyone else's is not found
        Case(
            _r("notifications:open", lambda w: w.reminders["a"].pk),
            {"anon": LOGIN, "member_a": 404, "applicant_a": 404, "secretary_a": 302, "staff": 404, "admin": 404},
        ),
    ],
    "notifications:calendar": [
        # the secret token is the key, signed in or not; a revoked or unknown token finds nothing
        Case(_r("notifications:calendar", lambda w: w.calendar_tokens["live"]), dict.fromkeys(ROLES, 200)),
        Case(_r("notifications:calendar", lambda w: w.calendar_tokens["revoked"]), dict.fromkeys(ROLES, 404)),
        Case(_r("notifications:calendar", "not-a-token"), dict.fromkeys(ROLES, 404)),
    ],
    "admin:notifications_reminder_status": [
        Case(
            _r("admin:notifications_reminder_status"),
            ADMIN_STAFF_200,
        )
    ],
    "orglife:home": [Case(_r("orglife:home"), ALL_SIGNED_IN_200)],
    "orglife:grid": [Case(_r("orglife:grid"), SCOPE_ONLY_200)],
    "orglife:grid_export": [Case(_r("orglife:grid_export"), SCOPE_ONLY_200)],
    "orglife:node_year": [
        Case(_r("orglife:node_year", lambda w: w.branch_a.pk), IN_A_200),
        Case(_r("orglife:node_year", lambda w: w.branch_b.pk), OUT_OF_A_200),
    ],
    "orglife:meeting_new": [
        Case(_r("orglife:meeting_new", lambda w: w.branch_a.pk), IN_A_200),
        Case(_r("orglife:meeting_new", lambda w: w.branch_b.pk), OUT_OF_A_200),
    ],
    "orglife:node_action": [
        # an empty plan line: those who record the organisation's life are sent back with the errors, others 404
        Case(_r("orglife:node_action", lambda w: w.branch_a.pk, "add"), IN_A_302, method="post"),
        Case(_r("orglife:node_action", lambda w: w.branch_b.pk, "add"), OUT_OF_A_302, method="post"),
    ],
    "orglife:meeting": [
        # the member of branch A is on the roll of its notified meeting; the applicant is not
        Case(_r("orglife:meeting", lambda w: w.meetings["a"].pk), IN_A_200 | {"member_a": 200}),
        Case(_r("orglife:meeting", lambda w: w.meetings["b"].pk), OUT_OF_A_200),
    ],
    "orglife:meeting_edit": [
        Case(_r("orglife:meeting_edit", lambda w: w.meetings["a"].pk), IN_A_200),
        Case(_r("orglife:meeting_edit", lambda w: w.meetings["b"].pk), OUT_OF_A_200),
    ],
    "orglife:meeting_word": [
        # the minutes of a held meeting: for those who see minutes (the member on its roll does not); a meeting not
        # held yet has no minutes to print
        Case(_r("orglife:meeting_word", lambda w: w.held_meetings["a"].pk), IN_A_200),
        Case(_r("orglife:meeting_word", lambda w: w.held_meetings["b"].pk), OUT_OF_A_200),
        Case(
            _r("orglife:meeting_word", lambda w: w.meetings["a"].pk),
            IN_A_200 | {"secretary_a": 404, "staff": 404, "admin": 404},
        ),
    ],
    "orglife:attendance": [
        Case(_r("orglife:attendance", lambda w: w.meetings["a"].pk), IN_A_200),
        Case(_r("orglife:attendance", lambda w: w.meetings["b"].pk), OUT_OF_A_200),
    ],
    "orglife:meeting_action": [
        # empty minutes: sent back with the errors; a leave request without a reason: whoever sees the meeting
        Case(_r("orglife:meeting_action", lambda w: w.meetings["a"].pk, "minutes"), IN_A_302, method="post"),
        Case(_r("orglife:meeting_action", lambda w: w.meetings["b"].pk, "minutes"), OUT_OF_A_302, method="post"),
        Case(
            _r("orglife:meeting_action", lambda w: w.meetings["a"].pk, "leave"),
            IN_A_302 | {"member_a": 302},
            method="post",
        ),
    ],
    "orglife:leave_decide": [
        Case(_r("orglife:leave_decide", lambda w: w.leaves["a"].pk, "approve"), IN_A_302, method="post"),
        Case(_r("orglife:leave_decide", lambda w: w.leaves["b"].pk, "approve"), OUT_OF_A_302, method="post"),
    ],
    "orglife:study_declare": [
        # an empty declaration: everyone signed in is sent back with the errors
        Case(_r("orglife:study_declare"), dict.fromkeys(ROLES[1:], 302) | {"anon": LOGIN}, method="post"),
    ],
    # assessment: the committee's scheme (run by its staff), a sheet of branch A (the secretary fills it) and of B
    "assessment:home": [Case(_r("assessment:home"), ALL_SIGNED_IN_200)],
    "assessment:queue": [Case(_r("assessment:queue"), OFFICIALS_200)],
    "assessment:scheme": [Case(_r("assessment:scheme", lambda w: w.scheme.pk), OUT_OF_A_200)],
    "assessment:progress": [Case(_r("assessment:progress", lambda w: w.scheme.pk), OUT_OF_A_200)],
    "assessment:export": [Case(_r("assessment:export", lambda w: w.scheme.pk), OUT_OF_A_200)],
    "assessment:scheme_action": [
        # publishing a published scheme: nothing changes, back to the scheme
        Case(_r("assessment:scheme_action", lambda w: w.scheme.pk, "publish"), OUT_OF_A_302, method="post"),
    ],
    "assessment:sheet": [
        Case(_r("assessment:sheet", lambda w: w.sheets["a"].pk), IN_A_200),
        Case(_r("assessment:sheet", lambda w: w.sheets["b"].pk), OUT_OF_A_200),
    ],
    "assessment:sheet_action": [
        # accepting a sheet that is not submitted: refused with the reason, back to the sheet
        Case(_r("assessment:sheet_action", lambda w: w.sheets["a"].pk, "accept"), IN_A_302, method="post"),
        Case(_r("assessment:sheet_action", lambda w: w.sheets["b"].pk, "accept"), OUT_OF_A_302, method="post"),
    ],
    "orglife:study_decide": [
        Case(_r("orglife:study_decide", lambda w: w.declarations["a"].pk, "confirm"), IN_A_302, method="post"),
        Case(_r("orglife:study_decide", lambda w: w.declarations["b"].pk, "confirm"), OUT_OF_A_302, method="post"),
    ],
    "appraisal:home": [Case(_r("appraisal:home"), ALL_SIGNED_IN_200)],
    "appraisal:new": [
        Case(_r("appraisal:new", "appraisal"), OFFICIALS_200),
        Case(_r("appraisal:new", "survey"), OFFICIALS_200),
        Case(_r("appraisal:new", "report"), OFFICIALS_200),
    ],
    "appraisal:appraisal": [
        Case(_r("appraisal:appraisal", lambda w: w.appraisals["a"].pk), IN_A_200),
        Case(_r("appraisal:appraisal", lambda w: w.appraisals["b"].pk), OUT_OF_A_200),
    ],
    "appraisal:appraisal_export": [
        Case(_r("appraisal:appraisal_export", lambda w: w.appraisals["a"].pk), IN_A_200),
        Case(_r("appraisal:appraisal_export", lambda w: w.appraisals["b"].pk), OUT_OF_A_200),
    ],
    # a ballot: only the members appraised (the roll of the branch on the appraisal date) reach it
    "appraisal:ballot": [
        Case(_r("appraisal:ballot", lambda w: w.appraisals["a"].pk), VOTERS_A),
        Case(_r("appraisal:ballot", lambda w: w.appraisals["b"].pk), VOTERS_B),
    ],
    "appraisal:appraisal_action": [
        Case(_r("appraisal:appraisal_action", lambda w: w.appraisals["a"].pk, "close"), IN_A_302, method="post"),
        Case(_r("appraisal:appraisal_action", lambda w: w.appraisals["b"].pk, "close"), OUT_OF_A_302, method="post"),
    ],
    "appraisal:appraisee_action": [
        # an empty conclusion: the officials are sent back to the appraisal with the error
        Case(_r("appraisal:appraisee_action", lambda w: w.appraisees["a"].pk, "review"), IN_A_302, method="post"),
        Case(_r("appraisal:appraisee_action", lambda w: w.appraisees["b"].pk, "review"), OUT_OF_A_302, method="post"),
        # a correction of a grade not fixed yet: refused with the reason, back to the appraisal
        Case(_r("appraisal:appraisee_action", lambda w: w.appraisees["a"].pk, "correct"), IN_A_302, method="post"),
        Case(_r("appraisal:appraisee_action", lambda w: w.appraisees["b"].pk, "correct"), OUT_OF_A_302, method="post"),
    ],
    "appraisal:survey": [
        Case(_r("appraisal:survey", lambda w: w.surveys["a"].pk), IN_A_200),
        Case(_r("appraisal:survey", lambda w: w.surveys["b"].pk), OUT_OF_A_200),
    ],
    "appraisal:survey_export": [
        Case(_r("appraisal:survey_export", lambda w: w.surveys["a"].pk), IN_A_200),
        Case(_r("appraisal:survey_export", lambda w: w.surveys["b"].pk), OUT_OF_A_200),
    ],
    "appraisal:survey_answer": [
        Case(_r("appraisal:survey_answer", lambda w: w.surveys["a"].pk), VOTERS_A),
        Case(_r("appraisal:survey_answer", lambda w: w.surveys["b"].pk), VOTERS_B),
    ],
    "appraisal:survey_action": [
        Case(_r("appraisal:survey_action", lambda w: w.surveys["a"].pk, "close"), IN_A_302, method="post"),
        Case(_r("appraisal:survey_action", lambda w: w.surveys["b"].pk, "close"), OUT_OF_A_302, method="post"),
        # no weight at all: refused with the reason, back to the survey
        Case(_r("appraisal:survey_action", lambda w: w.surveys["a"].pk, "weights"), IN_A_302, method="post"),
        Case(_r("appraisal:survey_action", lambda w: w.surveys["b"].pk, "weights"), OUT_OF_A_302, method="post"),
    ],
    "appraisal:report": [
        Case(_r("appraisal:report", lambda w: w.reports["a"].pk), IN_A_200),
        Case(_r("appraisal:report", lambda w: w.reports["b"].pk), OUT_OF_A_200),
    ],
    "appraisal:report_grade": [
        # the secretary who reports does not grade their own report
        Case(_r("appraisal:report_grade", lambda w: w.reports["a"].pk), VOTERS_A | {"secretary_a": 404}),
        Case(_r("appraisal:report_grade", lambda w: w.reports["b"].pk), VOTERS_B),
    ],
    "appraisal:report_action": [
        Case(_r("appraisal:report_action", lambda w: w.reports["a"].pk, "close"), IN_A_302, method="post"),
        Case(_r("appraisal:report_action", lambda w: w.reports["b"].pk, "close"), OUT_OF_A_302, method="post"),
    ],
    # inspections and improvement: branch A's finding, action (owned by member A), inspection and commitment (member
    # A's), and branch B's; an owner and a member see their own action and commitment
    "improvement:home": [Case(_r("improvement:home"), ALL_SIGNED_IN_200)],
    "improvement:actions_export": [Case(_r("improvement:actions_export"), ALL_SIGNED_IN_200)],
    "improvement:action": [
        Case(_r("improvement:action", lambda w: w.improvement["action_a"].pk), IN_A_200 | {"member_a": 200}),
        Case(_r("improvement:action", lambda w: w.improvement["action_b"].pk), OUT_OF_A_200),
    ],
    "improvement:action_post": [
        # an empty note: whoever may write one is sent back to the action with the error
        Case(
            _r("improvement:action_post", lambda w: w.improvement["action_a"].pk, "note"),
            IN_A_302 | {"member_a": 302},
            method="post",
        ),  # fmt: skip
        Case(
            _r("improvement:action_post", lambda w: w.improvement["action_b"].pk, "note"), OUT_OF_A_302, method="post"
        ),  # fmt: skip
    ],
    "improvement:findings": [Case(_r("improvement:findings"), OFFICIALS_200)],
    "improvement:finding": [
        Case(_r("improvement:finding", lambda w: w.improvement["finding_a"].pk), IN_A_200),
        Case(_r("improvement:finding", lambda w: w.improvement["finding_b"].pk), OUT_OF_A_200),
    ],
    "improvement:inspections": [Case(_r("improvement:inspections"), OFFICIALS_200)],
    "improvement:inspection": [
        Case(_r("improvement:inspection", lambda w: w.improvement["inspection_a"].pk), IN_A_200),
        Case(_r("improvement:inspection", lambda w: w.improvement["inspection_b"].pk), OUT_OF_A_200),
    ],
    "improvement:inspection_draw": [
        Case(_r("improvement:inspection_draw", lambda w: w.improvement["inspection_a"].pk), IN_A_302, method="post"),
        Case(
            _r("improvement:inspection_draw", lambda w: w.improvement["inspection_b"].pk), OUT_OF_A_302, method="post"
        ),  # fmt: skip
    ],
    "improvement:inspection_notice": [
        # no corrective action yet: the inspectors are sent back with the error
        Case(_r("improvement:inspection_notice", lambda w: w.improvement["inspection_a"].pk), IN_A_302, method="post"),
        Case(
            _r("improvement:inspection_notice", lambda w: w.improvement["inspection_b"].pk), OUT_OF_A_302, method="post"
        ),  # fmt: skip
    ],
    "improvement:inspection_word": [
        Case(_r("improvement:inspection_word", lambda w: w.improvement["inspection_a"].pk, "plan"), IN_A_200),
        Case(
            _r("improvement:inspection_word", lambda w: w.improvement["inspection_b"].pk, "responsibilities"),
            OUT_OF_A_200,
        ),  # fmt: skip
    ],
    "improvement:target_post": [
        # an empty record: the inspectors are sent back to the inspection with the error
        Case(
            _r("improvement:target_post", lambda w: w.improvement["target_a"].pk, "record"), IN_A_302, method="post"
        ),  # fmt: skip
        Case(
            _r("improvement:target_post", lambda w: w.improvement["target_b"].pk, "record"), OUT_OF_A_302, method="post"
        ),  # fmt: skip
    ],
    "improvement:commitments": [Case(_r("improvement:commitments"), ALL_SIGNED_IN_200)],
    "improvement:commitments_publish": [
        # nothing vetted yet: the officials are sent back with the error
        Case(_r("improvement:commitments_publish", lambda w: w.branch_a.pk), IN_A_302, method="post"),
        Case(_r("improvement:commitments_publish", lambda w: w.branch_b.pk), OUT_OF_A_302, method="post"),
    ],
    "improvement:commitments_vet": [
        # nothing ticked: the officials are sent back with the error; others may not vet
        Case(
            _r("improvement:commitments_vet"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),  # fmt: skip
    ],
    "improvement:org_commitment_add": [
        Case(
            _r("improvement:org_commitment_add"),
            {"anon": LOGIN, "member_a": 403, "applicant_a": 403, "secretary_a": 302, "staff": 302, "admin": 302},
            method="post",
        ),  # fmt: skip
    ],
    "improvement:commitment": [
        Case(_r("improvement:commitment", lambda w: w.improvement["commitment_a"].pk), IN_A_200 | {"member_a": 200}),
        Case(_r("improvement:commitment", lambda w: w.improvement["commitment_b"].pk), OUT_OF_A_200),
    ],
    "improvement:commitment_post": [
        Case(
            _r("improvement:commitment_post", lambda w: w.improvement["commitment_a"].pk, "progress"),
            IN_A_302 | {"member_a": 302},
            method="post",
        ),  # fmt: skip
        Case(
            _r("improvement:commitment_post", lambda w: w.improvement["commitment_b"].pk, "progress"),
            OUT_OF_A_302,
            method="post",
        ),  # fmt: skip
    ],
}

# Admin model pages. "in": an object inside branch A (the secretary's subtree), "out": one outside it.
# For each model: the secretary's statuses; the committee staff and the administrator see both objects.
# "post": the secretary's answer to an empty POST of the change form (in, out): 200 the form with its errors, 302 the
# service's refusal shown on the form again (ServiceSaveMixin), 403 a record the role cannot change (in or out of
# the branch alike: the admin refuses the POST before it looks for the object), 404 out of the branch.
SCOPED_ADMIN = {
    "organisations.orgnode": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "organisations.term": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "organisations.post": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "organisations.orgpolicy": {
        "add": 403,
        "change_in": None,
        "change_out": 404,
        "delete_in": None,
        "post": (None, 403),
    },
    "people.person": {"add": 200, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (200, 404)},
    "documents.document": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "audit.auditentry": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "lifecycle.developmentcase": {
        "add": 403,
        "change_in": 200,
        "change_out": 404,
        "delete_in": 403,
        "post": (403, 403),
    },
    "disclosure.notice": {"add": 200, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (302, 404)},
    "disclosure.objection": {"add": 200, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (302, 404)},
    "disclosure.noticeversion": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "lifecycle.committeeruleset": {
        "add": 403,
        "change_in": None,
        "change_out": 404,
        "delete_in": None,
        "post": (None, 403),
    },
    "notifications.reminderrule": {
        "add": 403,
        "change_in": None,
        "change_out": 404,
        "delete_in": None,
        "post": (None, 403),
    },
    "notifications.reminder": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "notifications.digest": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "membership.membershipperiod": {
        "add": 403,
        "change_in": 200,
        "change_out": 404,
        "delete_in": 403,
        "post": (403, 403),
    },
    "membership.transfer": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "dues.duesmonth": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "orglife.meeting": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "orglife.lifepolicy": {"add": 403, "change_in": None, "change_out": 404, "delete_in": None, "post": (None, 403)},
    "appraisal.appraisal": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "appraisal.survey": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "appraisal.report": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "improvement.correctiveaction": {
        "add": 403,
        "change_in": 200,
        "change_out": 404,
        "delete_in": 403,
        "post": (403, 403),
    },
    "improvement.inspection": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "improvement.commitment": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "assessment.scheme": {"add": 200, "change_in": None, "change_out": 404, "delete_in": None, "post": (None, 404)},
    "assessment.sheet": {"add": 403, "change_in": 200, "change_out": 404, "delete_in": 403, "post": (403, 403)},
    "orglife.organisationcompliance": {
        "add": 403,
        "change_in": 200,
        "change_out": 404,
        "delete_in": 403,
        "post": (403, 403),
    },
}
# Reference data every staff member may read; only administrators change it.
READ_ONLY_STAFF_ADMIN = {
    "workdays.calendaryear",
    "workdays.calendarday",
    "lifecycle.ruleset",
    "disclosure.category",
    "dues.duespolicy",
    "appraisal.appraisalpolicy",
    "assessment.bandset",
    "improvement.improvementpolicy",
    "improvement.commitmentcategory",
}
# Logs of the system itself: every staff member reads them, nobody writes them.
READ_ONLY_LOG_ADMIN = {"notifications.jobrun"}
SUPERUSER_ONLY_ADMIN = {
    "auth.group",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "accounts.user",
    "organisations.role",
    "organisations.posttitle",
    "notifications.preference",
    "notifications.calendartoken",
    "reports.reportrun",
    "reports.reportschedule",
    "reports.reportpolicy",
}
ADMIN_MODEL_ACTIONS = {"changelist", "add", "change", "delete", "history", "simple_history"}
# Unnamed patterns: Django admin's "<object_id>/" → change redirect and the final catch-all (no view of its own).


def _named_patterns(patterns=None, prefix=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        if hasattr(p, "url_patterns"):
            yield from _named_patterns(p.url_patterns, prefix + (f"{p.namespace}:" if p.namespace else ""))
        elif p.name:
            yield prefix + p.name


def _admin_model_of(name: str) -> str | None:
    for model in admin.site._registry:
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(base) and name[len(base) :] in ADMIN_MODEL_ACTIONS:
            return model._meta.label_lower
    return None


def test_every_url_has_an_entry():
    missing = []
    for name in _named_patterns():
        if name in MATRIX:
            continue
        label = _admin_model_of(name)
        if label and (
            label in SCOPED_ADMIN
            or label in SUPERUSER_ONLY_ADMIN
            or label in READ_ONLY_STAFF_ADMIN
            or label in READ_ONLY_LOG_ADMIN
        ):
            continue
        missing.append(name)
    assert not missing, f"URL patterns without a permission-matrix entry: {missing}"


def _missing_roles(case: Case) -> list[str]:
    return [role for role in ROLES if role not in case.expect]


def test_every_entry_expects_every_role():
    """No role is left out of an entry: what each one gets is a decision, written down (200, 302, 403 or 404)."""
    missing = [
        f"{name}#{i} × {role}"
        for name, cases in MATRIX.items()
        for i, c in enumerate(cases)
        for role in _missing_roles(c)
    ]
    unknown = [
        f"{name}#{i} × {role}"
        for name, cases in MATRIX.items()
        for i, c in enumerate(cases)
        for role in set(c.expect) - set(ROLES)
    ]
    assert not missing, f"URL × role pairs without an expected status: {missing}"
    assert not unknown, f"expected statuses for roles that are not in ROLES: {unknown}"


def test_every_registered_admin_model_has_an_entry():
    labels = {m._meta.label_lower for m in admin.site._registry}
    assert labels == set(SCOPED_ADMIN) | SUPERUSER_ONLY_ADMIN | READ_ONLY_STAFF_ADMIN | READ_ONLY_LOG_ADMIN


@pytest.fixture(scope="module")
def _matrix_world_once(django_db_setup, django_db_blocker):
    """The matrix's objects, built once for the module (``module_transaction``: a savepoint per test)."""
    import time_machine

    from tests.conftest import build_world, module_transaction

    with module_transaction(django_db_blocker):
        with time_machine.travel(at(TODAY), tick=True):
            world = _build_matrix_world(build_world(), TODAY)
        yield world


@pytest.fixture
def matrix_world(_matrix_world_once, db, today):
    """Objects in and out of scope, dated around the suite's day (the clock stands at it for the test)."""
    return _matrix_world_once


def _build_matrix_world(world, today):
    world.terms = {
        "in": Term.objects.create(
            node=world.branch_a,
            number=1,
            elected_on=today,
            term_years=3,
            expires_on=today + datetime.timedelta(days=1000),
        ),
        "out": Term.objects.create(
            node=world.branch_b,
            number=1,
            elected_on=today,
            term_years=3,
            expires_on=today + datetime.timedelta(days=1000),
        ),
    }
    pdf = b"%PDF-1.4 demo"

    def doc(person, title):
        d = Document(
            node=person.node,
            person=person,
            title=title,
            original_name=f"{title}.pdf",
            content_type="application/pdf",
            size=len(pdf),
            sha256="0" * 64,
            uploaded_at=at(today),
        )
        d.file.save("x", ContentFile(pdf), save=False)
        d.save()
        return d

    from apps.lifecycle.services import case_open

    world.cases = {
        "a": case_open(
            actor=world.users["staff"],
            person=world.people["applicant_a"],
            branch=world.branch_a,
            application_on=today - datetime.timedelta(days=30),
            today=TODAY,
        ),
        "b": case_open(
            actor=world.users["staff"],
            person=world.people["masses_b"],
            branch=world.branch_b,
            application_on=today - datetime.timedelta(days=30),
            today=TODAY,
        ),
    }
    from apps.disclosure.models import Category
    from apps.disclosure.services import notice_draft, notice_transition, objection_file

    def publish(node, title):
        n = notice_draft(
            actor=world.users["staff"],
            node=node,
            category=Category.objects.get(code="meetings"),
            title=title,
            content="<p>x</p>",
            opens_on=today,
            scope="organisation",
        )
        notice_transition(actor=world.users["admin"], notice=n, move="check")
        notice_transition(actor=world.users["admin"], notice=n, move="approve")  # not the author (four-eyes)
        return notice_transition(actor=world.users["staff"], notice=n, move="publish", now=at(TODAY))

    world.notices = {"a": publish(world.branch_a, "A公开"), "b": publish(world.branch_b, "B公开")}
    world.docs = {
        "a": doc(world.people["plain_a"], "a"),
        "b": doc(world.people["plain_b"], "b"),
        "own_a": doc(world.people["member_a"], "own"),
    }
    world.audit = {
        "in": AuditEntry.objects.create(action="test", node=world.branch_a),
        "out": AuditEntry.objects.create(action="test", node=world.branch_b),
    }
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world.totp = TOTPDevice.objects.create(user=world.users["member_b"], name="x", confirmed=True)
    from apps.notifications.models import Digest, Reminder, ReminderRule
    from apps.notifications.services import calendar_token_create, calendar_token_revoke

    default_rule = ReminderRule.objects.filter(committee=None, source="lifecycle.step_due").first()

    def reminder(key, node, case):
        return Reminder.objects.create(
            rule=default_rule,
            source=default_rule.source,
            subject_id=case.pk,
            due_on=today,
            offset=0,
            person=world.people[key],
            role="secretary",
            node=node,
            url=f"/development/cases/{case.pk}/",
            params={"step": "applicant_talk", "name": "x"},
        )

    world.reminders = {
        "a": reminder("secretary_a", world.branch_a, world.cases["a"]),
        "b": reminder("secretary_b", world.branch_b, world.cases["b"]),
    }
    committee_rule = ReminderRule.objects.create(
        committee=world.committee, source="organisations.term_ending", name="本党委换届", recipients=["secretary"]
    )
    revoked = calendar_token_create(user=world.users["member_b"], now=at(TODAY))
    calendar_token_revoke(user=world.users["member_b"], now=at(TODAY))
    world.calendar_tokens = {
        "live": calendar_token_create(user=world.users["secretary_a"], now=at(TODAY)),
        "revoked": revoked,
    }
    from apps.membership.models import MembershipPeriod
    from apps.membership.services import transfer_request

    world.transfers = {
        "a": transfer_request(
            actor=world.users["secretary_a"],
            person=world.people["member_a"],
            kind="within",
            to_node=world.branch_b,
            today=TODAY,
        ),
        "b": transfer_request(
            actor=world.users["staff"],
            person=world.people["member_b"],
            kind="out",
            other_organisation="外单位党委",
            letter_number="组转字第1号",
            today=TODAY,
        ),
    }
    from apps.dues.models import DuesMonth
    from apps.dues.services import base_declare, month_open, relief_propose

    world.bases = {
        key: base_declare(
            actor=world.users[f"member_{key}"],
            person=world.people[f"member_{key}"],
            category="student",
            applies_from=datetime.date(2026, 1, 1),
            today=TODAY,
        )  # fmt: skip
        for key in ("a", "b")
    }
    month_open(actor=world.users["staff"], node=world.committee, month=datetime.date(2026, 10, 1), today=TODAY)
    world.reliefs = {
        key: relief_propose(
            actor=world.users["staff"],
            person=world.people[f"member_{key}"],
            kind="exempt",
            first_month=datetime.date(2026, 12, 1),
            last_month=datetime.date(2027, 1, 1),
            reason="住院",
            branch_decision="支委会",
            today=TODAY,
        )  # fmt: skip
        for key in ("a", "b")
    }
    _orglife_objects(world, today)
    _appraisal_objects(world, today)
    _assessment_objects(world)
    _improvement_objects(world, today)
    world.admin_objects = {
        "improvement.correctiveaction": (world.improvement["action_a"], world.improvement["action_b"]),
        "improvement.inspection": (world.improvement["inspection_a"], world.improvement["inspection_b"]),
        "improvement.commitment": (world.improvement["commitment_a"], world.improvement["commitment_b"]),
        "appraisal.appraisal": (world.appraisals["a"], world.appraisals["b"]),
        "appraisal.survey": (world.surveys["a"], world.surveys["b"]),
        "appraisal.report": (world.reports["a"], world.reports["b"]),
        "dues.duesmonth": (
            DuesMonth.objects.get(person=world.people["member_a"]),
            DuesMonth.objects.get(person=world.people["member_b"]),
        ),
        "membership.membershipperiod": (
            MembershipPeriod.objects.get(person=world.people["member_a"]),
            MembershipPeriod.objects.get(person=world.people["member_b"]),
        ),
        "membership.transfer": (world.transfers["a"], world.transfers["b"]),
        "organisations.orgnode": (world.branch_a, world.branch_b),
        "organisations.term": (world.terms["in"], world.terms["out"]),
        "organisations.post": (
            Post.objects.get(node=world.branch_a, title__code="secretary"),
            Post.objects.get(node=world.branch_b, title__code="secretary"),
        ),
        "organisations.orgpolicy": (None, OrgPolicy.objects.get(committee=world.committee)),
        "people.person": (world.people["plain_a"], world.people["plain_b"]),
        "documents.document": (world.docs["a"], world.docs["b"]),
        "audit.auditentry": (world.audit["in"], world.audit["out"]),
        "lifecycle.developmentcase": (world.cases["a"], world.cases["b"]),
        "disclosure.notice": (world.notices["a"], world.notices["b"]),
        "disclosure.noticeversion": (world.notices["a"].versions.get(), world.notices["b"].versions.get()),
        "disclosure.objection": (
            objection_file(
                actor=world.users["staff"],
                notice=world.notices["a"],
                content="x",
                reporter=world.people["member_a"],
                today=TODAY,
            ),
            objection_file(
                actor=world.users["staff"],
                notice=world.notices["b"],
                content="y",
                reporter=world.people["member_b"],
                today=TODAY,
            ),
        ),
        "notifications.reminderrule": (None, committee_rule),
        "notifications.reminder": (world.reminders["a"], world.reminders["b"]),
        "notifications.digest": (
            Digest.objects.create(person=world.people["secretary_a"], day=today),
            Digest.objects.create(person=world.people["secretary_b"], day=today),
        ),
        "orglife.meeting": (world.meetings["a"], world.meetings["b"]),
        "orglife.lifepolicy": (None, world.life_policy),
        "assessment.scheme": (None, world.scheme),
        "assessment.sheet": (world.sheets["a"], world.sheets["b"]),
        "orglife.organisationcompliance": (world.branch_a, world.branch_b),
        "lifecycle.committeeruleset": (
            None,
            CommitteeRuleSet.objects.create(committee=world.committee, rule_set=RuleSet.objects.get(edition="2026.05")),
        ),
    }
    world.runs = {key: _report_run(world.users[f"secretary_{key}"], today) for key in ("a", "b")}
    return world


def _report_run(user, today):
    """A finished run of the roster by a branch's secretary, its file in place."""
    from django.core.files.storage import default_storage

    from apps.reports.models import ReportRun
    from apps.reports.services import run_execute, run_request

    run = run_request(actor=user, report_name="roster", params={}, fmt="xlsx", now=at(today))
    run_execute(run_id=run.pk, clock=lambda: at(today))
    run.refresh_from_db()
    assert run.downloadable and default_storage.exists(run.file), run.error
    return ReportRun.objects.get(pk=run.pk)


def _assessment_objects(world):
    """The committee's published scheme, assigned to branches A and B."""
    from apps.assessment.models import Sheet
    from tests.assessment.conftest import build_scheme

    world.scheme = build_scheme(world, data=False)
    world.sheets = {key: Sheet.objects.get(scheme=world.scheme, node=getattr(world, f"branch_{key}")) for key in "ab"}


def _improvement_objects(world, today):
    """A finding in each branch with a corrective action (owned by member A, member B), an inspection planned by each
    branch with a record of the branch itself, and a commitment of members A and B."""
    from apps.improvement.models import CommitmentCategory, InspectionTarget
    from apps.improvement.services import action_create, commitments_submit, finding_record, inspection_plan

    objects = {}
    for key, who in (("a", "secretary_a"), ("b", "staff")):
        node = getattr(world, f"branch_{key}")
        finding = finding_record(actor=world.users[who], node=node, description="记录不全",
                                 found_on=today - datetime.timedelta(days=10))  # fmt: skip
        objects[f"finding_{key}"] = finding
        owner = world.people[f"member_{key}"]
        objects[f"action_{key}"] = action_create(
            actor=world.users[who], finding=finding, title="补齐记录", owner=owner, due_on=today, plan="补齐"
        )
        inspection = inspection_plan(actor=world.users[who], node=node, title="检查", kind="regular", planned_on=today)
        objects[f"inspection_{key}"] = inspection
        objects[f"target_{key}"] = InspectionTarget.objects.create(inspection=inspection, node=node)
        categories = list(CommitmentCategory.objects.all()[:2])
        objects[f"commitment_{key}"] = commitments_submit(
            actor=world.users[f"member_{key}"], person=world.people[f"member_{key}"], year=today.year,
            items=[(c, "学习党章") for c in categories],
        )[0]  # fmt: skip
    world.improvement = objects


def _orglife_objects(world, today):
    """A notified meeting in each branch, a leave request and a declared study in each."""
    from apps.orglife.selectors import meeting_roll
    from apps.orglife.services import (
        attendance_record,
        leave_request,
        meeting_create,
        meeting_notify,
        minutes_record,
        policy_save,
        study_declare,
    )

    def meeting(node):
        arranged = meeting_create(
            actor=world.users["staff"],
            node=node,
            held_on=today,
            kinds=["general_meeting"],
            topic="党员大会",
            today=today,
        )
        return meeting_notify(actor=world.users["staff"], meeting=arranged, now=at(today))

    world.meetings = {"a": meeting(world.branch_a), "b": meeting(world.branch_b)}

    def held(node):
        arranged = meeting_create(
            actor=world.users["staff"],
            node=node,
            held_on=today - datetime.timedelta(days=7),
            kinds=["committee_meeting"],
            topic="支委会",
            today=today,
        )
        marks = {e.person.pk: "present" for e in meeting_roll(arranged)}
        attendance_record(actor=world.users["staff"], meeting=arranged, marks=marks, now=at(today))
        return minutes_record(
            actor=world.users["staff"],
            meeting=arranged,
            minutes="<p>研究发展党员工作。</p>",
            decisions="同意。",
            now=at(today),
        )

    world.held_meetings = {"a": held(world.branch_a), "b": held(world.branch_b)}
    world.leaves = {
        key: leave_request(actor=world.users[who], meeting=world.meetings[key], reason="出差", now=at(today))
        for key, who in (("a", "member_a"), ("b", "member_b"))
    }
    world.life_policy = policy_save(actor=world.users["staff"], committee=world.committee,
                                    values={"self_study_counts": True})  # fmt: skip
    world.declarations = {
        key: study_declare(actor=world.users[who], studied_on=today, hours=2, title="网上学习", now=at(today))
        for key, who in (("a", "member_a"), ("b", "member_b"))
    }


def _appraisal_objects(world, today):
    """An open appraisal, survey and report in each branch (branch A's by its secretary, branch B's by the staff)
    and a member of each graded basically qualified, reported to the committee."""
    from apps.appraisal.models import Appraisee
    from apps.appraisal.services import appraisal_open, report_open, survey_open

    opens, closes = today - datetime.timedelta(days=2), today + datetime.timedelta(days=5)
    who = {"a": ("secretary_a", world.branch_a), "b": ("staff", world.branch_b)}
    world.appraisals = {
        key: appraisal_open(
            actor=world.users[u], node=n, year=today.year, held_on=opens, opens_on=opens, closes_on=closes
        )  # fmt: skip
        for key, (u, n) in who.items()
    }
    world.surveys = {
        key: survey_open(
            actor=world.users[u],
            node=n,
            year=today.year,
            title="满意度测评",
            audience="members",
            opens_on=opens,
            closes_on=closes,
            questions=["班子建设"],
        )  # fmt: skip
        for key, (u, n) in who.items()
    }
    world.reports = {
        key: report_open(
            actor=world.users[u],
            node=n,
            year=today.year,
            reporter=world.people[f"secretary_{key}"],
            held_on=opens,
            opens_on=opens,
            closes_on=closes,
        )  # fmt: skip
        for key, (u, n) in who.items()
    }
    world.appraisees = {}
    for key in ("a", "b"):
        appraisee = Appraisee.objects.filter(appraisal=world.appraisals[key]).order_by("pk").first()
        Appraisee.objects.filter(pk=appraisee.pk).update(grade="basic", review_state="reported")
        world.appraisees[key] = appraisee


def _client_for(client, world, role):
    client.logout()
    if role != "anon":
        sign_in(client, world.users[role])
    return client


# Pages that exist only under other settings than production's: the benchmark's floor (partyportal.settings.bench,
# partyportal.urls_bench). Their names must not resolve in production's URLs; under their URL configuration every
# role gets what is written here.
BENCH_ONLY: dict[str, tuple[str, Case]] = {
    "bench_floor": ("partyportal.urls_bench", Case(_r("bench_floor"), ALL_SIGNED_IN_200)),
}


def test_bench_only_pages_are_not_in_production_urls():
    from django.urls import NoReverseMatch

    for name in BENCH_ONLY:
        assert name not in set(_named_patterns())
        with pytest.raises(NoReverseMatch):
            reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BENCH_ONLY))
def test_bench_only_url_matrix(client, matrix_world, name):
    from django.core.cache import cache
    from django.test import override_settings

    urlconf, case = BENCH_ONLY[name]
    assert not _missing_roles(case)
    wrong = []
    with override_settings(ROOT_URLCONF=urlconf):
        assert name in set(_named_patterns())
        url = case.url(matrix_world)
        for role in ROLES:
            cache.clear()
            response = _client_for(client, matrix_world, role).get(url)
            if response.status_code != case.expect[role]:
                wrong.append(f"{role}: {response.status_code}, expected {case.expect[role]}")
    assert not wrong, f"GET {url}: " + "; ".join(wrong)


MATRIX_CASES = [(name, i) for name, cases in MATRIX.items() for i in range(len(cases))]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "index"), MATRIX_CASES, ids=[f"{n}#{i}" for n, i in MATRIX_CASES])
def test_url_matrix(client, matrix_world, name, index):
    """Each role of the entry in turn, each request in a savepoint rolled back afterwards (a POST by one role
    leaves nothing behind for the next), with an empty cache; every wrong answer is reported at once."""
    from django.core.cache import cache
    from django.db import transaction

    case = MATRIX[name][index]
    assert not _missing_roles(case), f"{name}#{index}: no expectation for {_missing_roles(case)}"
    url = case.url(matrix_world)
    wrong = []
    for role in ROLES:
        with transaction.atomic():
            cache.clear()
            c = _client_for(client, matrix_world, role)
            response = getattr(c, case.method)(url, case.data) if case.method == "post" else c.get(url)
            if response.status_code != case.expect[role]:
                wrong.append(f"{role}: {response.status_code}, expected {case.expect[role]}")
            transaction.set_rollback(True)
    assert not wrong, f"{case.method.upper()} {url}: " + "; ".join(wrong)


def _admin_url(label, action, obj=None):
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{action}", args=[obj.pk] if obj is not None else [])


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(SCOPED_ADMIN))
def test_scoped_admin_pages(client, matrix_world, label):
    w = matrix_world
    inside, outside = w.admin_objects[label]
    expect = SCOPED_ADMIN[label]
    # the secretary of branch A
    c = _client_for(client, w, "secretary_a")
    assert c.get(_admin_url(label, "changelist")).status_code == 200
    assert c.get(_admin_url(label, "add")).status_code == expect["add"]
    assert c.get(_admin_url(label, "change", outside)).status_code == expect["change_out"]
    if inside is not None:
        assert c.get(_admin_url(label, "change", inside)).status_code == expect["change_in"]
        assert c.get(_admin_url(label, "delete", inside)).status_code == expect["delete_in"]
    if label != "audit.auditentry" and label != "documents.document" and label != "organisations.orgpolicy":
        assert c.get(_admin_url(label, "history", outside)).status_code == 404
        if inside is not None:
            assert c.get(_admin_url(label, "history", inside)).status_code == 200
    # a member, an applicant (not staff) and an anonymous visitor never reach the admin
    for role in ("member_a", "applicant_a", "anon"):
        c = _client_for(client, w, role)
        assert c.get(_admin_url(label, "changelist")).status_code == LOGIN, role
    # the committee's staff and the administrator see the object outside branch A
    for role in ("staff", "admin"):
        c = _client_for(client, w, role)
        assert c.get(_admin_url(label, "change", outside)).status_code == 200, role


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(SUPERUSER_ONLY_ADMIN))
def test_superuser_only_admin_pages(client, matrix_world, label):
    c = _client_for(client, matrix_world, "staff")
    assert c.get(_admin_url(label, "changelist")).status_code == 403
    c = _client_for(client, matrix_world, "admin")
    assert c.get(_admin_url(label, "changelist")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(READ_ONLY_STAFF_ADMIN))
def test_read_only_reference_admin_pages(client, matrix_world, label):
    c = _client_for(client, matrix_world, "secretary_a")
    assert c.get(_admin_url(label, "changelist")).status_code == 200
    assert c.get(_admin_url(label, "add")).status_code == 403
    c = _client_for(client, matrix_world, "member_a")
    assert c.get(_admin_url(label, "changelist")).status_code == LOGIN
    c = _client_for(client, matrix_world, "admin")
    assert c.get(_admin_url(label, "add")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(READ_ONLY_LOG_ADMIN))
def test_read_only_log_admin_pages(client, matrix_world, label):
    for role in ("secretary_a", "staff", "admin"):
        c = _client_for(client, matrix_world, role)
        assert c.get(_admin_url(label, "changelist")).status_code == 200
        assert c.get(_admin_url(label, "add")).status_code == 403
    c = _client_for(client, matrix_world, "member_a")
    assert c.get(_admin_url(label, "changelist")).status_code == LOGIN


def _state(obj) -> dict | None:
    """The stored values of an object (None when it is gone), to show that a refused POST changed nothing."""
    if obj is None:
        return None
    row = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    return row


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(SCOPED_ADMIN))
def test_scoped_admin_change_form_posts(client, matrix_world, label):
    """Every admin change form POSTed by the branch roles: the secretary of branch A gets the form back with its
    errors, or 403 where the record is read-only, and 404 outside the branch; a member, an applicant and an anonymous
    visitor never reach it. Nothing is saved by any of them."""
    w = matrix_world
    inside, outside = w.admin_objects[label]
    expect = SCOPED_ADMIN[label]
    before = {"in": _state(inside), "out": _state(outside)}
    wrong = []
    for role in ("secretary_a", "member_a", "applicant_a", "anon"):
        c = _client_for(client, w, role)
        for where, obj in (("in", inside), ("out", outside)):
            if obj is None:
                continue
            wanted = LOGIN if role != "secretary_a" else expect["post"][0 if where == "in" else 1]
            status = c.post(_admin_url(label, "change", obj), {}).status_code
            if status != wanted:
                wrong.append(f"{role} {where}: {status}, expected {wanted}")
    assert not wrong, f"POST {label} change: " + "; ".join(wrong)
    assert {"in": _state(inside), "out": _state(outside)} == before


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(READ_ONLY_STAFF_ADMIN | READ_ONLY_LOG_ADMIN | SUPERUSER_ONLY_ADMIN))
def test_unscoped_admin_change_form_posts(client, matrix_world, label):
    """Reference data, logs and the administrators' own models: a branch role's POST of a change form is refused
    (403 for the secretary, who is staff; the sign-in page for the others) and changes nothing."""
    from types import SimpleNamespace

    from django.apps import apps

    model = apps.get_model(label)
    # where the world holds no row, a made-up id: the POST is refused before the object is looked for
    obj = model._default_manager.order_by("pk").first() or SimpleNamespace(pk=999999)
    before = _state(obj) if isinstance(obj, model) else None
    for role, wanted in (("secretary_a", 403), ("member_a", LOGIN), ("applicant_a", LOGIN), ("anon", LOGIN)):
        c = _client_for(client, matrix_world, role)
        assert c.post(_admin_url(label, "change", obj), {}).status_code == wanted, role
    assert (_state(obj) if isinstance(obj, model) else None) == before
