"""Secretary change requests (规范村党组织书记调整程序), and who may do what with them.

The township (staff and reviewers) asks; the district reviewer and the system administrator
approve or return. Ending a serving village party secretary's post takes
cadres.end_secretary_post, which only the district roles hold: townships go through a request.
"""

import cadres.models
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from cadres.migration_helpers import grant_role_permissions, records_label, revoke_role_permissions

VIEW = ["view_secretarychange", "view_secretarychangedocument"]
ROLE_PERMISSIONS = {
    "乡镇工作人员": [*VIEW, "add_secretarychange", "change_secretarychange"],
    "乡镇审核人": [*VIEW, "add_secretarychange", "change_secretarychange"],
    "区级审核人": [*VIEW, "decide_secretarychange"],
    "系统管理员": [*VIEW, "decide_secretarychange"],
}
# A permission of the secretary change model here, of Post since cadres 0019: "cadres." either way.
POST_PERMISSIONS = {"区级审核人": ["end_secretary_post"], "系统管理员": ["end_secretary_post"]}


def grant(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS, app_label=records_label(apps))
    grant_role_permissions(apps, POST_PERMISSIONS, app_label="cadres")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS, app_label=records_label(apps))
    revoke_role_permissions(apps, POST_PERMISSIONS, app_label="cadres")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_roles'),
        ('cadres', '0008_post_origin'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalSecretaryChange',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                ('ends_on', models.DateField(verbose_name='planned end date')),
                ('end_reason', models.CharField(choices=[('term_expired', 'Term expired'), ('resigned', 'Resigned'), ('recalled', 'Recalled'), ('removed', 'Removed (disqualified)'), ('transferred', 'Transferred'), ('deceased', 'Deceased'), ('other', 'Other')], max_length=20, verbose_name='end reason')),
                ('reason', models.TextField(verbose_name='reason for the change')),
                ('successor', models.CharField(blank=True, max_length=100, verbose_name='proposed successor')),
                ('status', models.CharField(choices=[('requested', 'Awaiting district approval'), ('approved', 'Approved'), ('returned', 'Returned'), ('withdrawn', 'Withdrawn')], default='requested', max_length=12, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('withdraw_reason', models.TextField(blank=True, verbose_name='reason for withdrawing')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cadres.person', verbose_name='secretary')),
                ('post', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cadres.post', verbose_name='secretary post')),
                ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('village', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cadres.village', verbose_name='village')),
            ],
            options={
                'verbose_name': 'historical secretary change request',
                'verbose_name_plural': 'historical secretary change requests',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SecretaryChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('ends_on', models.DateField(verbose_name='planned end date')),
                ('end_reason', models.CharField(choices=[('term_expired', 'Term expired'), ('resigned', 'Resigned'), ('recalled', 'Recalled'), ('removed', 'Removed (disqualified)'), ('transferred', 'Transferred'), ('deceased', 'Deceased'), ('other', 'Other')], max_length=20, verbose_name='end reason')),
                ('reason', models.TextField(verbose_name='reason for the change')),
                ('successor', models.CharField(blank=True, max_length=100, verbose_name='proposed successor')),
                ('status', models.CharField(choices=[('requested', 'Awaiting district approval'), ('approved', 'Approved'), ('returned', 'Returned'), ('withdrawn', 'Withdrawn')], default='requested', max_length=12, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('withdraw_reason', models.TextField(blank=True, verbose_name='reason for withdrawing')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='secretary_changes', to='cadres.person', verbose_name='secretary')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='secretary_changes', to='cadres.post', verbose_name='secretary post')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='secretary_changes', to='cadres.village', verbose_name='village')),
            ],
            options={
                'verbose_name': 'secretary change request',
                'verbose_name_plural': 'secretary change requests',
                'ordering': ['-created_at', '-pk'],
                'permissions': [('decide_secretarychange', 'Can approve or return secretary change requests'), ('end_secretary_post', "Can end a village party secretary's post")],
            },
        ),
        migrations.CreateModel(
            name='HistoricalSecretaryChangeDocument',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('size', models.PositiveBigIntegerField(verbose_name='size in bytes')),
                ('content_type', models.CharField(blank=True, max_length=100, verbose_name='content type')),
                ('file', models.TextField(max_length=100, verbose_name='file')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('uploaded_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                ('change', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cadres.secretarychange', verbose_name='secretary change request')),
            ],
            options={
                'verbose_name': 'historical secretary change document',
                'verbose_name_plural': 'historical secretary change documents',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SecretaryChangeDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('size', models.PositiveBigIntegerField(verbose_name='size in bytes')),
                ('content_type', models.CharField(blank=True, max_length=100, verbose_name='content type')),
                ('file', models.FileField(upload_to=cadres.models.document_path, verbose_name='file')),
                ('change', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='cadres.secretarychange', verbose_name='secretary change request')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'secretary change document',
                'verbose_name_plural': 'secretary change documents',
                'ordering': ['pk'],
            },
        ),
        migrations.AddIndex(
            model_name='secretarychange',
            index=models.Index(fields=['status', 'created_at'], name='secretarychange_status_idx'),
        ),
        migrations.AddConstraint(
            model_name='secretarychange',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['requested', 'returned'])), fields=('post',), name='secretarychange_one_live_per_post'),
        ),
        migrations.AddConstraint(
            model_name='secretarychange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'returned'), _negated=True), models.Q(('decision_note', ''), _negated=True), _connector='OR'), name='secretarychange_returned_has_note'),
        ),
        migrations.AddConstraint(
            model_name='secretarychange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'withdrawn'), _negated=True), models.Q(('withdraw_reason', ''), _negated=True), _connector='OR'), name='secretarychange_withdrawn_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='secretarychange',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='secretarychange_has_reason'),
        ),
        migrations.RunPython(grant, revoke),
    ]
