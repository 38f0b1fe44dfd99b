"""The district's administering roles read the access log in the app (its page, its export
and its verification): the organization department's reviewers and the system
administrator. Township roles and departments do not."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

GRANTS = {"区级审核人": ["view_accesslogentry"], "系统管理员": ["view_accesslogentry"]}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS, app_label="cadres")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS, app_label="cadres")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_department_reveals_candidate_ids"),
        ("cadres", "0023_access_log_verification"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
