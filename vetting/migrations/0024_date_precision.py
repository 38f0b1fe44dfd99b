"""Dates known to the day, the month or the year (cadres.dates): a precision beside each date
that may be partial. Every row written before is known to the day, the database default.
Screening gains the rules by birth month and by birth year alone (vetting.engine)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0023_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidatecase",
            name="birth_date_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="birth date known to",
            ),
        ),
        migrations.AddField(
            model_name="candidatecase",
            name="term_end_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="term end known to",
            ),
        ),
        migrations.AddField(
            model_name="candidatecase",
            name="term_start_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="term start known to",
            ),
        ),
        migrations.AddField(
            model_name="candidaterelative",
            name="birth_date_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="birth date known to",
            ),
        ),
        migrations.AddField(
            model_name="historicalcandidatecase",
            name="birth_date_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="birth date known to",
            ),
        ),
        migrations.AddField(
            model_name="historicalcandidatecase",
            name="term_end_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="term end known to",
            ),
        ),
        migrations.AddField(
            model_name="historicalcandidatecase",
            name="term_start_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="term start known to",
            ),
        ),
        migrations.AddField(
            model_name="historicalcandidaterelative",
            name="birth_date_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="birth date known to",
            ),
        ),
        migrations.AddField(
            model_name="watchlistentry",
            name="birth_date_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="birth date known to",
            ),
        ),
        migrations.AddField(
            model_name="watchlistentry",
            name="decided_on_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="decision date known to",
            ),
        ),
        migrations.AlterField(
            model_name="historicalhit",
            name="rule",
            field=models.CharField(
                choices=[
                    ("id_number", "Same ID number"),
                    ("name_birth", "Same name and birth date"),
                    (
                        "name_birth_month",
                        "Same name and birth month; one side gives only the month",
                    ),
                    ("name_birth_year", "Same name and birth year; one side gives only the year"),
                    ("homophone", "Same pronunciation of the name, same birth year and sex"),
                    ("one_character", "Name differs in one character, same birth year and sex"),
                    ("name_only", "Same name; the list gives no birth date"),
                ],
                max_length=16,
                verbose_name="matching rule",
            ),
        ),
        migrations.AlterField(
            model_name="hit",
            name="rule",
            field=models.CharField(
                choices=[
                    ("id_number", "Same ID number"),
                    ("name_birth", "Same name and birth date"),
                    (
                        "name_birth_month",
                        "Same name and birth month; one side gives only the month",
                    ),
                    ("name_birth_year", "Same name and birth year; one side gives only the year"),
                    ("homophone", "Same pronunciation of the name, same birth year and sex"),
                    ("one_character", "Name differs in one character, same birth year and sex"),
                    ("name_only", "Same name; the list gives no birth date"),
                ],
                max_length=16,
                verbose_name="matching rule",
            ),
        ),
    ]
