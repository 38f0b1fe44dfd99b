"""Batch nomination keeps the columns it does not know on each case, at the user's choice."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('vetting', '0019_entry_kept_columns'),
    ]

    operations = [
        migrations.AddField(
            model_name='candidatecase',
            name='extra',
            field=models.JSONField(blank=True, null=True, verbose_name='kept columns'),
        ),
        migrations.AddField(
            model_name='historicalcandidatecase',
            name='extra',
            field=models.JSONField(blank=True, null=True, verbose_name='kept columns'),
        ),
    ]
