"""The negative list and the eligibility rules, versioned, with their defaults and the
roles that see and change them. The mild party measures of 0002 become lines of the list."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

RULE_PERMISSIONS = [
    "view_negativelist",
    "add_negativelist",
    "view_eligibilityrules",
    "add_eligibilityrules",
    "view_eligibility_review",
]
ROLE_PERMISSIONS = {
    "区级审核人": RULE_PERMISSIONS,
    "系统管理员": RULE_PERMISSIONS,
    "乡镇审核人": ["view_eligibility_review"],
}

# (list kind, measure term, bars a candidate, opens a removal case, only within years).
# 涉黑涉恶, criminal penalties and other prior records bar and remove whatever the measure.
# Party and government sanctions bar and remove, except warnings: 警告 bars for one year,
# 严重警告 for two (the Regulations on Disciplinary Actions of the CPC bar promotion for
# one year and eighteen months), and neither removes a serving cadre.
NEGATIVE_LIST = [
    ("gang", "", True, True, None),
    ("criminal", "", True, True, None),
    ("other_record", "", True, True, None),
    ("party_discipline", "", True, True, None),
    ("party_discipline", "开除党籍", True, True, None),
    ("party_discipline", "留党察看", True, True, None),
    ("party_discipline", "撤销党内职务", True, True, None),
    ("party_discipline", "严重警告", True, False, 2),
    ("party_discipline", "警告", True, False, 1),
    ("government_sanction", "", True, True, None),
    ("government_sanction", "开除", True, True, None),
    ("government_sanction", "撤职", True, True, None),
    ("government_sanction", "降级", True, True, None),
    ("government_sanction", "记大过", True, True, None),
    ("government_sanction", "记过", True, True, None),
    ("government_sanction", "警告", True, False, 1),
]

# (condition, years, message). A probationary member (预备党员) is not a full member.
ELIGIBILITY = [
    ("party_member", None, "村党组织职务的人选须为中共正式党员，预备党员不符合。"),
    (
        "supervisor_apart",
        None,
        "村务监督委员会成员不得兼任本村“两委”职务，也不得是本村“两委”成员的配偶、父母、"
        "子女或兄弟姐妹。",
    ),
    ("minimum_age", 18, "任期开始时须年满18周岁。"),
]


def load(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label="vetting")
    NegativeList = apps.get_model("vetting", "NegativeList")
    NegativeListItem = apps.get_model("vetting", "NegativeListItem")
    EligibilityRules = apps.get_model("vetting", "EligibilityRules")
    EligibilityRule = apps.get_model("vetting", "EligibilityRule")
    if not NegativeList.objects.exists():
        version = NegativeList.objects.create(active=True, note="默认负面清单")
        lines = {
            (kind, term): (bars, removes, years)
            for kind, term, bars, removes, years in NEGATIVE_LIST
        }
        try:
            mild = apps.get_model("vetting", "MildMeasure").objects.values_list("term", flat=True)
        except LookupError:  # tests load this with today's models, which lack it
            mild = []
        for term in mild:
            # A mild measure the district added stays neither barring nor removing.
            lines.setdefault(("party_discipline", term), (False, False, None))
        NegativeListItem.objects.bulk_create(
            NegativeListItem(
                version=version,
                kind=kind,
                measure=term,
                bars_candidate=bars,
                opens_removal=removes,
                within_years=years,
            )
            for (kind, term), (bars, removes, years) in lines.items()
        )
    if not EligibilityRules.objects.exists():
        version = EligibilityRules.objects.create(active=True, note="默认资格条件")
        EligibilityRule.objects.bulk_create(
            EligibilityRule(version=version, code=code, years=years, message=message)
            for code, years, message in ELIGIBILITY
        )


def unload(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label="vetting")


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0016_joint_review_due_dates_replies"),
        ("accounts", "0002_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EligibilityRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        choices=[
                            ("party_member", "Party posts need a full CPC member"),
                            (
                                "supervisor_apart",
                                "Supervision committee apart from the two committees of the village and their close family",
                            ),
                            ("minimum_age", "Minimum age on the term start"),
                        ],
                        max_length=20,
                        verbose_name="condition",
                    ),
                ),
                ("enabled", models.BooleanField(default=True, verbose_name="applies")),
                (
                    "years",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="years"),
                ),
                ("message", models.CharField(max_length=200, verbose_name="message when not met")),
            ],
            options={
                "verbose_name": "eligibility rule",
                "verbose_name_plural": "eligibility rules",
                "ordering": ["version", "code"],
            },
        ),
        migrations.CreateModel(
            name="EligibilityRules",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "note",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="what changed and why"
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "eligibility rules version",
                "verbose_name_plural": "eligibility rules versions",
                "ordering": ["-pk"],
                "permissions": [
                    ("view_eligibility_review", "Can see the cadres due for an eligibility review")
                ],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="NegativeList",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "note",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="what changed and why"
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "negative list version",
                "verbose_name_plural": "negative list versions",
                "ordering": ["-pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="NegativeListItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("party_discipline", "Party disciplinary sanction"),
                            ("government_sanction", "Government sanction"),
                            ("criminal", "Criminal penalty"),
                            ("gang", "Gang or organized crime involvement"),
                            ("other_record", "Other prior record or misconduct"),
                        ],
                        max_length=24,
                        verbose_name="list kind",
                    ),
                ),
                (
                    "measure",
                    models.CharField(
                        blank=True,
                        help_text="Empty: every other measure of this list kind.",
                        max_length=50,
                        verbose_name="measure contains",
                    ),
                ),
                (
                    "bars_candidate",
                    models.BooleanField(default=True, verbose_name="bars a candidate"),
                ),
                (
                    "opens_removal",
                    models.BooleanField(default=True, verbose_name="opens a removal case"),
                ),
                (
                    "within_years",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="only within years of the decision"
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="vetting.negativelist",
                        verbose_name="version",
                    ),
                ),
            ],
            options={
                "verbose_name": "negative list item",
                "verbose_name_plural": "negative list items",
                "ordering": ["version", "kind", "measure"],
            },
        ),
        migrations.AddField(
            model_name="eligibilityrule",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rules",
                to="vetting.eligibilityrules",
                verbose_name="version",
            ),
        ),
        migrations.AddField(
            model_name="candidatecase",
            name="eligibility_rules",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="vetting.eligibilityrules",
                verbose_name="eligibility rules version applied",
            ),
        ),
        migrations.AddField(
            model_name="historicalcandidatecase",
            name="eligibility_rules",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="vetting.eligibilityrules",
                verbose_name="eligibility rules version applied",
            ),
        ),
        migrations.AddField(
            model_name="candidatecase",
            name="negative_list",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="vetting.negativelist",
                verbose_name="negative list version applied",
            ),
        ),
        migrations.AddField(
            model_name="historicalcandidatecase",
            name="negative_list",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="vetting.negativelist",
                verbose_name="negative list version applied",
            ),
        ),
        migrations.AddField(
            model_name="historicalremovalcase",
            name="negative_list",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="vetting.negativelist",
                verbose_name="negative list version applied",
            ),
        ),
        migrations.AddField(
            model_name="removalcase",
            name="negative_list",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="vetting.negativelist",
                verbose_name="negative list version applied",
            ),
        ),
        migrations.AddConstraint(
            model_name="eligibilityrules",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True)),
                fields=("active",),
                name="eligibilityrules_one_active",
            ),
        ),
        migrations.AddConstraint(
            model_name="eligibilityrule",
            constraint=models.UniqueConstraint(
                fields=("version", "code"), name="eligibility_unique_code"
            ),
        ),
        migrations.AddConstraint(
            model_name="eligibilityrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("code", "minimum_age"), _negated=True),
                    ("years__isnull", False),
                    _connector="OR",
                ),
                name="eligibility_age_has_years",
            ),
        ),
        migrations.AddConstraint(
            model_name="negativelist",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True)),
                fields=("active",),
                name="negativelist_one_active",
            ),
        ),
        migrations.AddConstraint(
            model_name="negativelistitem",
            constraint=models.UniqueConstraint(
                fields=("version", "kind", "measure"), name="negativeitem_unique_measure"
            ),
        ),
        migrations.AddConstraint(
            model_name="negativelistitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("within_years__isnull", True), ("within_years__gt", 0), _connector="OR"
                ),
                name="negativeitem_years_positive",
            ),
        ),
        migrations.RunPython(load, unload),
    ]
