"""Roles as groups. Later apps add their own permissions to these groups by name."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions

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
    grant_role_permissions(apps, ROLE_PERMISSIONS)


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
