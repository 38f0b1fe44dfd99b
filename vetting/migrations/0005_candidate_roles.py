"""Grant the candidate vetting permissions to the role groups and seed the default
joint-review departments.

An approved candidate is registered and appointed by the district reviewer through
cadres.services.person_create / post_appoint, so 区级审核人 also needs
cadres.add_person and cadres.add_post (it already has view_all_townships and, for
removal, change_post). It does not get change_person: the register's pages stay
read-only for the district.
"""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

ROLE_PERMISSIONS = {
    "乡镇工作人员": ["vetting.nominate_candidate", "vetting.view_candidatecase"],
    "乡镇审核人": [
        "vetting.nominate_candidate",
        "vetting.review_township",
        "vetting.view_candidatecase",
    ],
    "区级审核人": [
        "vetting.review_district",
        "vetting.view_candidatecase",
        "vetting.view_defaultdepartment",
        "vetting.add_defaultdepartment",
        "vetting.change_defaultdepartment",
        "vetting.delete_defaultdepartment",
        "cadres.add_person",
        "cadres.add_post",
    ],
    "联审部门": ["vetting.give_opinion"],
}

# 纪委监委、公安、法院、检察院、信访: the usual members of the 村干部联审 in Jilin.
DEFAULT_DEPARTMENTS = ["discipline", "police", "court", "procuratorate", "petitions"]


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)
    DefaultDepartment = apps.get_model("vetting", "DefaultDepartment")
    for department in DEFAULT_DEPARTMENTS:
        DefaultDepartment.objects.get_or_create(department=department)


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0004_candidate_cases"),
        ("accounts", "0003_register_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
