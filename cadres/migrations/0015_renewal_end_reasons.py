"""End reasons 换届 and 调整: a roster that renews a village ends the posts it gives to others."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cadres', '0014_partial_importfile_error_file'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalpost',
            name='end_reason',
            field=models.CharField(blank=True, choices=[('term_expired', 'Term expired'), ('resigned', 'Resigned'), ('recalled', 'Recalled'), ('removed', 'Removed (disqualified)'), ('transferred', 'Transferred'), ('deceased', 'Deceased'), ('election', 'General election of the village committees'), ('adjustment', 'Adjustment of the village team'), ('other', 'Other')], max_length=20, verbose_name='end reason'),
        ),
        migrations.AlterField(
            model_name='historicalsecretarychange',
            name='end_reason',
            field=models.CharField(choices=[('term_expired', 'Term expired'), ('resigned', 'Resigned'), ('recalled', 'Recalled'), ('removed', 'Removed (disqualified)'), ('transferred', 'Transferred'), ('deceased', 'Deceased'), ('election', 'General election of the village committees'), ('adjustment', 'Adjustment of the village team'), ('other', 'Other')], max_length=20, verbose_name='end reason'),
        ),
        migrations.AlterField(
            model_name='post',
            name='end_reason',
            field=models.CharField(blank=True, choices=[('term_expired', 'Term expired'), ('resigned', 'Resigned'), ('recalled', 'Recalled'), ('removed', 'Removed (disqualified)'), ('transferred', 'Transferred'), ('deceased', 'Deceased'), ('election', 'General election of the village committees'), ('adjustment', 'Adjustment of the village team'), ('other', 'Other')], max_length=20, verbose_name='end reason'),
        ),
        migrations.AlterField(
            model_name='secretarychange',
            name='end_reason',
            field=models.CharField(choices=[('term_expired', 'Term expired'), ('resigned', 'Resigned'), ('recalled', 'Recalled'), ('removed', 'Removed (disqualified)'), ('transferred', 'Transferred'), ('deceased', 'Deceased'), ('election', 'General election of the village committees'), ('adjustment', 'Adjustment of the village team'), ('other', 'Other')], max_length=20, verbose_name='end reason'),
        ),
    ]
