from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    COMMITTEE = "committee", _("Base Party committee")
    GENERAL_BRANCH = "general_branch", _("General Party branch")
    BRANCH = "branch", _("Party branch")
    GROUP = "group", _("Party group")


# Which kinds may sit under which (中国共产党支部工作条例（试行）, 2018: 党委 → 党总支 → 党支部 → 党小组).
ALLOWED_CHILDREN = {
    NodeKind.COMMITTEE: {NodeKind.GENERAL_BRANCH, NodeKind.BRANCH},
    NodeKind.GENERAL_BRANCH: {NodeKind.BRANCH},
    NodeKind.BRANCH: {NodeKind.GROUP},
    NodeKind.GROUP: set(),
}

# Object permissions granted on organisation nodes; a grant covers the node's whole subtree.
VIEW_SCOPE = "organisations.view_scope"
MANAGE_PEOPLE = "organisations.manage_people"
VIEW_SENSITIVE = "organisations.view_sensitive"
MANAGE_ORG = "organisations.manage_org"
VIEW_AUDIT = "organisations.view_audit"
APPROVE = "organisations.approve"
PUBLISH = "organisations.publish"

NODE_PERMISSIONS = [
    ("view_scope", _("View this organisation and everything below it")),
    ("manage_people", _("Manage people records below this organisation")),
    ("view_sensitive", _("See sensitive personal data below this organisation")),
    ("manage_org", _("Manage organisation settings, posts and terms below this organisation")),
    ("view_audit", _("Read the audit log below this organisation")),
    ("approve", _("Approve and file decisions for this organisation")),
    ("publish", _("Publish approved notices on the boards of this organisation")),
]

# A role that holds any of these needs two-factor sign-in.
TWO_FACTOR_PERMISSIONS = {"view_sensitive", "approve", "manage_org", "publish"}
