"""MildMeasure retired: its terms live on as lines of the negative list (0017 before)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0017_negative_list_and_eligibility_rules"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalmildmeasure",
            name="history_user",
        ),
        migrations.DeleteModel(
            name="MildMeasure",
        ),
        migrations.DeleteModel(
            name="HistoricalMildMeasure",
        ),
    ]
