"""Grant the vetting permissions to the role groups, and seed the mild 党纪 measures."""

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

ROLE_PERMISSIONS = {
    "乡镇工作人员": ["view_hit", "view_removalcase"],
    "乡镇审核人": ["view_hit", "view_removalcase"],
    "区级审核人": [
        "view_hit",
        "review_hit",
        "view_removalcase",
        "decide_removal",
        "import_watchlist",
        "view_watchlistsource",
        "view_watchlistimport",
        "view_watchlistentry",
        "run_screening",
        "view_screeningrun",
    ],
    "系统管理员": [
        "import_watchlist",
        "view_watchlistsource",
        "view_watchlistimport",
        "run_screening",
        "view_screeningrun",
    ],
}
MILD_MEASURE_PERMISSIONS = {
    role: ["view_mildmeasure", "add_mildmeasure", "change_mildmeasure", "delete_mildmeasure"]
    for role in ("区级审核人", "系统管理员")
}

# 党内警告 and 党内严重警告 (Regulations on Disciplinary Actions, art. 8): the district may edit.
MILD_MEASURES = ["警告", "严重警告"]


def forwards(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label="vetting")
    try:
        MildMeasure = apps.get_model("vetting", "MildMeasure")
    except LookupError:
        # Retired into the negative list (0017), whose loader seeds its terms; tests run
        # this loader with today's models.
        return
    grant_role_permissions(apps, MILD_MEASURE_PERMISSIONS, app_label="vetting")
    for term in MILD_MEASURES:
        MildMeasure.objects.get_or_create(term=term)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label="vetting")
    revoke_role_permissions(apps, MILD_MEASURE_PERMISSIONS, app_label="vetting")


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
