"""Grant the training permissions to the roles (groups made by accounts 0002_roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TOWNSHIP_STAFF = [
    "view_session",
    "add_session",
    "change_session",
    "delete_session",
    "view_round",
    "add_round",
    "change_round",
    "view_material",
    "add_material",
    "delete_material",
    "view_attendance",
    "add_attendance",
    "change_attendance",
    "delete_attendance",
    "view_dailystudy",
    "add_dailystudy",
    "change_dailystudy",
    "delete_dailystudy",
]
READ_ONLY = ["view_session", "view_round", "view_material", "view_attendance", "view_dailystudy"]
DISTRICT = [*TOWNSHIP_STAFF, "delete_round", "organize_district"]

ROLE_PERMISSIONS = {
    "乡镇工作人员": TOWNSHIP_STAFF,
    "乡镇审核人": READ_ONLY,
    "区级审核人": DISTRICT,
    "系统管理员": DISTRICT,
}


def grant(apps, schema_editor):
    # Permissions are normally made after migrate; the groups need them now.
    app_config = apps.get_app_config("training")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="training", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="training"))


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
