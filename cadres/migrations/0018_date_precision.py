"""Dates known to the day, the month or the year (cadres.dates): a precision beside each date
that may be partial. Every row written before is known to the day, the database default."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0017_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpartycandidate",
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
            model_name="historicalperson",
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
            model_name="historicalperson",
            name="party_joined_on_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="date joined the party known to",
            ),
        ),
        migrations.AddField(
            model_name="historicalpost",
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
            model_name="historicalpost",
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
            model_name="historicalrelative",
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
            model_name="partycandidate",
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
            model_name="person",
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
            model_name="person",
            name="party_joined_on_precision",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Known to the day"),
                    (2, "Known to the month"),
                    (3, "Known to the year"),
                ],
                db_default=1,
                default=1,
                verbose_name="date joined the party known to",
            ),
        ),
        migrations.AddField(
            model_name="post",
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
            model_name="post",
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
            model_name="relative",
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
    ]
