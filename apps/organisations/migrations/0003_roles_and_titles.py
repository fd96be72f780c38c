"""The default roles and post titles. Both are data: administrators may change them in the admin."""

from django.db import migrations

ROLES = [
    # code, name (zh-Hans, the primary language of the data), permissions, admin access
    ("committee_staff", "党委组织工作人员",
     ["view_scope", "manage_people", "view_sensitive", "manage_org", "view_audit", "approve"], True),
    ("committee_leader", "党委书记、副书记", ["view_scope", "view_sensitive", "view_audit", "approve"], True),
    ("branch_secretary", "支部书记、副书记", ["view_scope", "manage_people", "view_sensitive", "view_audit"], True),
    ("branch_organiser", "组织委员", ["view_scope", "manage_people", "view_sensitive"], True),
    ("committee_member", "委员", ["view_scope"], False),
    ("group_leader", "党小组组长", ["view_scope"], False),
]

TITLES = [
    # code, name, role, counts towards the committee, order
    ("committee_secretary", "党委书记", "committee_leader", True, 1),
    ("committee_deputy", "党委副书记", "committee_leader", True, 2),
    ("committee_member", "党委委员", "committee_member", True, 3),
    ("organiser", "组织员", "committee_staff", False, 5),
    ("party_clerk", "党务干事", "committee_staff", False, 6),
    ("secretary", "书记", "branch_secretary", True, 10),
    ("deputy_secretary", "副书记", "branch_secretary", True, 11),
    ("organisation_member", "组织委员", "branch_organiser", True, 12),
    ("propaganda_member", "宣传委员", "committee_member", True, 13),
    ("discipline_member", "纪检委员", "committee_member", True, 14),
    ("branch_member", "委员", "committee_member", True, 15),
    ("group_leader", "党小组组长", "group_leader", False, 20),
]


def seed(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config("organisations"), verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("organisations", "Role")
    PostTitle = apps.get_model("organisations", "PostTitle")
    perms = {
        p.codename: p
        for p in Permission.objects.filter(content_type__app_label="organisations", content_type__model="orgnode")
    }
    roles = {}
    for code, name, codenames, admin_access in ROLES:
        role, _ = Role.objects.get_or_create(code=code, defaults={"name": name, "admin_access": admin_access})
        role.permissions.set([perms[c] for c in codenames])
        roles[code] = role
    for code, name, role, committee, order in TITLES:
        PostTitle.objects.get_or_create(
            code=code, defaults={"name": name, "role": roles[role], "is_committee_member": committee, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
