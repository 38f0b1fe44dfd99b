"""凡进必审: township roles nominate and no longer start posts.

``cadres.add_post`` now means "appoint an approved candidate": only 区级审核人 holds it
(vetting's migration 0005), for case_approve. Township staff, township reviewers and the
system administrator lose it; the township roles keep change_post (ending posts) and
their people and family members. Recording a post held before the system (存量登记, a
roster that starts posts) takes ``cadres.register_existing_post``: 区级审核人 and
系统管理员.
"""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

REVOKED = {
    "乡镇工作人员": ["cadres.add_post"],
    "乡镇审核人": ["cadres.add_post"],
    "系统管理员": ["cadres.add_post"],
}
GRANTED = {
    "区级审核人": ["cadres.register_existing_post"],
    "系统管理员": ["cadres.register_existing_post"],
}


def apply(apps, schema_editor):
    revoke_role_permissions(apps, REVOKED)
    grant_role_permissions(apps, GRANTED)


def unapply(apps, schema_editor):
    revoke_role_permissions(apps, GRANTED)
    grant_role_permissions(apps, REVOKED)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_register_permissions"),
        ("cadres", "0008_post_origin"),
        ("vetting", "0005_candidate_roles"),
    ]

    operations = [migrations.RunPython(apply, unapply)]
