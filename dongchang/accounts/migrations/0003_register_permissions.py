"""Who may write to the cadre register and who may reveal full ID numbers.

Writing (people, posts, relatives): township staff and township reviewers, within
their townships, and system administrators. District reviewers and joint-review
departments only read. Revealing an ID number (each reveal is logged): township
reviewers, district reviewers and system administrators; township staff type
numbers in but see them masked.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITE = [
    "add_person",
    "change_person",
    "add_post",
    "change_post",
    "add_relative",
    "change_relative",
]
REVEAL = ["reveal_id_number"]

GRANTS = {
    "乡镇工作人员": WRITE,
    "乡镇审核人": WRITE + REVEAL,
    "区级审核人": REVEAL,
    "系统管理员": WRITE + REVEAL,
}


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="cadres", codename__in=codenames)


def grant(apps, schema_editor):
    # Permissions are normally made after migrate; the groups need them now.
    cadres = apps.get_app_config("cadres")
    # Historical app configs have no models module, which create_permissions takes
    # for "no models"; tests also call this with the real registry.
    original = getattr(cadres, "models_module", None)
    cadres.models_module = original or True
    create_permissions(cadres, apps=apps, verbosity=0)
    cadres.models_module = original
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        Group.objects.get(name=name).permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        Group.objects.get(name=name).permissions.remove(*_permissions(apps, codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("cadres", "0003_people_posts_relatives"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
