"""Grant the general election's permissions to the role groups.

The district reviewer opens elections and files villages (vetting.open_election) and confirms
results, which starts posts from approved cases under its cadres.add_post; the township roles
fill their plans and enter results (vetting.plan_election); every role reads elections
(vetting.view_election), the joint-review departments included, read-only.
"""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

ROLE_PERMISSIONS = {
    "乡镇工作人员": ["vetting.view_election", "vetting.plan_election"],
    "乡镇审核人": ["vetting.view_election", "vetting.plan_election"],
    "区级审核人": ["vetting.view_election", "vetting.open_election"],
    "联审部门": ["vetting.view_election"],
    "系统管理员": ["vetting.view_election"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0028_election"),
        ("accounts", "0003_register_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
