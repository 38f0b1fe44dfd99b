"""Management records: model permissions granted to the roles, and the default grading rule."""

from decimal import Decimal

from django.db import migrations

from cadres.migration_helpers import grant_role_permissions, records_label, revoke_role_permissions

RECORD_MODELS = [
    "secretaryfiling",
    "filingdocument",
    "personalreport",
    "leaveperiod",
    "dutyroster",
    "dutyshift",
    "pioneerproject",
    "projectprogress",
    "progressdocument",
    "annualevaluation",
    "gradingrule",
    "partycandidate",
    "recusal",
]
VIEW = [f"view_{model}" for model in RECORD_MODELS]
ROLE_PERMISSIONS = {
    "乡镇工作人员": [
        *VIEW,
        "add_secretaryfiling",
        "add_personalreport",
        "change_personalreport",
        "add_leaveperiod",
        "add_dutyroster",
        "add_dutyshift",
        "change_dutyshift",
        "delete_dutyshift",
        "add_pioneerproject",
        "add_projectprogress",
        "add_partycandidate",
        "change_partycandidate",
        "change_recusal",
    ],
    "乡镇审核人": [
        *VIEW,
        "review_personalreport",
        "assess_pioneerproject",
        "add_annualevaluation",
    ],
    "区级审核人": [
        *VIEW,
        "confirm_secretaryfiling",
        "add_gradingrule",
        "change_gradingrule",
    ],
    "系统管理员": ["view_gradingrule", "add_gradingrule", "change_gradingrule"],
}


def grant(apps, schema_editor):
    label = records_label(apps)
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label=label)
    apps.get_model(label, "GradingRule").objects.get_or_create(
        active=True,
        defaults={
            "name": "东昌区默认评定规则",
            "weight_performance": Decimal("0.50"),
            "weight_discipline": Decimal("0.25"),
            "weight_reputation": Decimal("0.25"),
            "excellent_from": Decimal("90"),
            "competent_from": Decimal("75"),
            "basic_from": Decimal("60"),
            "discipline_veto_below": Decimal("60"),
        },
    )


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label=records_label(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("cadres", "0005_management_records"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
