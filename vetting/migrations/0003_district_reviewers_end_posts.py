"""The district decides removal (清退), which ends the cadre's posts through
cadres.services.post_end: district reviewers need cadres.change_post for that."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

ROLE_PERMISSIONS = {"区级审核人": ["cadres.change_post"]}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0002_roles_and_mild_measures"),
        ("cadres", "0003_people_posts_relatives"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
