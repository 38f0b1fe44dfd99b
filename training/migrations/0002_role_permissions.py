"""Grant the training permissions to the roles (groups made by accounts 0002_roles)."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

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
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label="training")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label="training")


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
