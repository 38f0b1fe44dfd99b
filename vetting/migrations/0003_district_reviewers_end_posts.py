"""The district decides removal (清退), which ends the cadre's posts through
cadres.services.post_end: district reviewers need cadres.change_post for that."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    # Permissions are normally made after migrate; this one is needed now.
    app_config = apps.get_app_config("cadres")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="区级审核人").permissions.add(
        Permission.objects.get(content_type__app_label="cadres", codename="change_post")
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="区级审核人").permissions.remove(
        Permission.objects.get(content_type__app_label="cadres", codename="change_post")
    )


class Migration(migrations.Migration):
    dependencies = [("vetting", "0002_roles_and_mild_measures"), ("cadres", "0003_people_posts_relatives")]

    operations = [migrations.RunPython(forwards, backwards)]
