"""Joint review that always finishes: each opinion's due date, the district's record of a
paper reply (回函) and the withdrawal of a department.

Opinions asked before this migration are due 5 working days after they were asked.
"""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def _due(asked_at) -> dt.date:
    # Frozen here on purpose: the rule that applied when these opinions were asked.
    day, count = timezone.localtime(asked_at).date(), 5
    while count:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def fill_due_dates(apps, schema_editor):
    for name in ("DepartmentOpinion", "HistoricalDepartmentOpinion"):
        model = apps.get_model("vetting", name)
        for row in model.objects.filter(due_on__isnull=True).only("pk", "created_at"):
            model.objects.filter(pk=row.pk).update(due_on=_due(row.created_at))


class Migration(migrations.Migration):

    dependencies = [
        ('vetting', '0015_supplementary_review_and_post_origin'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='departmentopinion',
            name='due_on',
            field=models.DateField(null=True, verbose_name='opinion due on'),
        ),
        migrations.AddField(
            model_name='departmentopinion',
            name='reply_letter',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='vetting.caseattachment', verbose_name='reply letter'),
        ),
        migrations.AddField(
            model_name='departmentopinion',
            name='reply_on',
            field=models.DateField(blank=True, null=True, verbose_name='date of the reply letter'),
        ),
        migrations.AddField(
            model_name='historicaldepartmentopinion',
            name='due_on',
            field=models.DateField(null=True, verbose_name='opinion due on'),
        ),
        migrations.AddField(
            model_name='historicaldepartmentopinion',
            name='reply_letter',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='vetting.caseattachment', verbose_name='reply letter'),
        ),
        migrations.AddField(
            model_name='historicaldepartmentopinion',
            name='reply_on',
            field=models.DateField(blank=True, null=True, verbose_name='date of the reply letter'),
        ),
        migrations.RunPython(fill_due_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='departmentopinion',
            name='due_on',
            field=models.DateField(verbose_name='opinion due on'),
        ),
        migrations.AlterField(
            model_name='historicaldepartmentopinion',
            name='due_on',
            field=models.DateField(verbose_name='opinion due on'),
        ),
        migrations.AlterField(
            model_name='casetransition',
            name='verb',
            field=models.CharField(choices=[('create', 'Nominated'), ('submit', 'Submitted'), ('check', 'Checkpoints recorded'), ('forward', 'Sent to the district'), ('return', 'Returned to the nominator'), ('open_joint_review', 'Joint review opened'), ('opinion', 'Department opinion'), ('record_reply', 'Opinion recorded from a reply letter'), ('withdraw_department', 'Department withdrawn from the review'), ('approve', 'Approved in vetting'), ('reject', 'Rejected in vetting')], max_length=20, verbose_name='workflow step'),
        ),
        migrations.AlterField(
            model_name='departmentopinion',
            name='verdict',
            field=models.CharField(choices=[('pending', 'Awaiting opinion'), ('agree', 'Agree'), ('disagree', 'Disagree'), ('withdrawn', 'Withdrawn from the review')], default='pending', max_length=10, verbose_name='opinion'),
        ),
        migrations.AlterField(
            model_name='historicaldepartmentopinion',
            name='verdict',
            field=models.CharField(choices=[('pending', 'Awaiting opinion'), ('agree', 'Agree'), ('disagree', 'Disagree'), ('withdrawn', 'Withdrawn from the review')], default='pending', max_length=10, verbose_name='opinion'),
        ),
        migrations.AddIndex(
            model_name='departmentopinion',
            index=models.Index(fields=['verdict', 'due_on'], name='opinion_overdue_idx'),
        ),
        migrations.AddConstraint(
            model_name='departmentopinion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('verdict', 'withdrawn'), _negated=True), models.Q(('note', ''), _negated=True), _connector='OR'), name='opinion_withdrawal_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='departmentopinion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reply_letter__isnull', True), ('reply_on__isnull', True)), models.Q(('reply_letter__isnull', False), ('reply_on__isnull', False), ('verdict__in', ['agree', 'disagree'])), _connector='OR'), name='opinion_reply_has_letter'),
        ),
    ]
