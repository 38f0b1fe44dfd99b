"""Handovers (移交): the township roles open them, list what is handed over, record the
holders' confirmations and witness them; the district's roles read them; departments have
no access (supervision is the townships' and the district's)."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

TOWNSHIP_PERMS = [
    "view_handover",
    "add_handover",
    "change_handover",
    "view_handoverline",
    "view_handoverdocument",
]
DISTRICT_PERMS = ["view_handover", "view_handoverline", "view_handoverdocument"]
ROLE_PERMISSIONS = {
    "乡镇工作人员": TOWNSHIP_PERMS,
    "乡镇审核人": TOWNSHIP_PERMS,
    "区级审核人": DISTRICT_PERMS,
    "系统管理员": DISTRICT_PERMS,
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label="supervision")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label="supervision")


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0005_handovers"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
