from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

ROLE_PERMISSIONS = {
    "区级审核人": ["dongchang.view_monthlyreport", "dongchang.build_monthlyreport"],
    "系统管理员": ["dongchang.view_monthlyreport", "dongchang.build_monthlyreport"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("dongchang", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
