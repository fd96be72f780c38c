"""Publishing a notice is its own permission (four-eyes on the boards: ADR 6). The roles that publish get it, and
the holders of their current posts get the grant at once (the same rows ``access_sync_user`` derives from posts)."""

from django.db import migrations

# The roles of 0003 that publish approved notices: committee staff and leaders, and the branch secretary, who
# puts the branch's approved notices on its board.
PUBLISHERS = ["committee_staff", "committee_leader", "branch_secretary"]


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.db.models import Q
    from django.utils import timezone

    create_permissions(global_apps.get_app_config("organisations"), verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("organisations", "Role")
    Post = apps.get_model("organisations", "Post")
    Grant = apps.get_model("organisations", "OrgNodeUserObjectPermission")
    publish = Permission.objects.get(
        codename="publish", content_type__app_label="organisations", content_type__model="orgnode"
    )
    roles = list(Role.objects.filter(code__in=PUBLISHERS))
    for role in roles:
        role.permissions.add(publish)
    current = Post.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=timezone.localdate()),
        title__role__in=roles,
        person__user__isnull=False,
        node__is_active=True,
    ).values_list("person__user_id", "node_id")
    Grant.objects.bulk_create(
        [Grant(user_id=user_id, content_object_id=node_id, permission=publish) for user_id, node_id in set(current)],
        ignore_conflicts=True,
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Grant = apps.get_model("organisations", "OrgNodeUserObjectPermission")
    Role = apps.get_model("organisations", "Role")
    publish = Permission.objects.filter(codename="publish", content_type__app_label="organisations").first()
    if publish is not None:
        Grant.objects.filter(permission=publish).delete()
        for role in Role.objects.filter(permissions=publish):
            role.permissions.remove(publish)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0003_roles_and_titles")]

    operations = [
        migrations.AlterModelOptions(
            name="orgnode",
            options={
                "permissions": [
                    ("view_scope", "View this organisation and everything below it"),
                    ("manage_people", "Manage people records below this organisation"),
                    ("view_sensitive", "See sensitive personal data below this organisation"),
                    ("manage_org", "Manage organisation settings, posts and terms below this organisation"),
                    ("view_audit", "Read the audit log below this organisation"),
                    ("approve", "Approve and file decisions for this organisation"),
                    ("publish", "Publish approved notices on the boards of this organisation"),
                ],
                "verbose_name": "organisation",
                "verbose_name_plural": "organisations",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
