"""Joint-review departments may reveal full ID numbers: a police or court department looks
the candidate and the relatives up in its own systems. The candidate case's reveal view
lets a department reveal them only on the cases it was asked about (404 elsewhere); the
register's reveal view is scoped to townships, which a department has none of."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

GRANTS = {"联审部门": ["reveal_id_number"]}


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS, app_label="cadres")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS, app_label="cadres")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_post_origin_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
