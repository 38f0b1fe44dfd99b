"""Who may write to the cadre register and who may reveal full ID numbers.

Writing (people, posts, relatives): township staff and township reviewers, within
their townships, and system administrators. District reviewers and joint-review
departments only read. Revealing an ID number (each reveal is logged): township
reviewers, district reviewers and system administrators; township staff type
numbers in but see them masked.
"""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

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


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS, app_label="cadres")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS, app_label="cadres")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("cadres", "0003_people_posts_relatives"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
