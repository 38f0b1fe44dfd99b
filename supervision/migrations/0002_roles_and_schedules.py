"""Grant the supervision permissions to the roles, and make the default disclosure schedule.

Defaults (editable by the district): party and village affairs are disclosed
quarterly, finances monthly (民主管理 practice: 财务至少每月公开一次), each within
the first 10 days of its period.
"""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

MODELS = ["supervisionrecord", "audit", "auditattachment", "disclosure", "misconductcase"]
TOWNSHIP_PERMS = [
    *(f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")),
    "view_caseevent",
    "view_disclosureschedule",
]
DISTRICT_PERMS = [
    *(f"view_{model}" for model in MODELS),
    "view_caseevent",
    "view_disclosureschedule",
    "change_disclosureschedule",
]
ROLE_PERMISSIONS = {
    "乡镇工作人员": TOWNSHIP_PERMS,
    "乡镇审核人": TOWNSHIP_PERMS,
    "区级审核人": DISTRICT_PERMS,
    # Only users whose department is the agriculture bureau may use it (checked in code).
    "联审部门": ["record_agriculture_supervision"],
    "系统管理员": DISTRICT_PERMS,
}
SCHEDULES = [("party", "quarterly", 10), ("village", "quarterly", 10), ("finance", "monthly", 10)]


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label="supervision")
    Schedule = apps.get_model("supervision", "DisclosureSchedule")
    for kind, period, grace in SCHEDULES:
        Schedule.objects.get_or_create(kind=kind, defaults={"period": period, "grace_days": grace})


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label="supervision")


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
