"""Roles as groups. Later apps add their own permissions to these groups by name."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "乡镇工作人员": [],
    "乡镇审核人": [],
    "区级审核人": ["cadres.view_all_townships"],
    "联审部门": [],
    "系统管理员": [
        "cadres.view_all_townships",
        "cadres.view_township",
        "cadres.change_township",
        "cadres.view_village",
        "cadres.add_village",
        "cadres.change_village",
        "cadres.view_villagergroup",
        "cadres.add_villagergroup",
        "cadres.change_villagergroup",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
    ],
}


def make_roles(apps, schema_editor):
    # Permissions are normally made after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions
        # takes for "no models"; tests also call this with the real registry.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cadres", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_roles, remove_roles)]
