"""Strict control gets a source, a log of its events and a permission to manage it.

District reviewers and system administrators set strict control by hand, review it and lift
it (cadres.manage_strict_control); a screening hit or a vetting decision sets it too.

Rows under strict control before this have no source: one written by a confirmed screening
hit is recognized by the reason that hit_confirm writes; any other is taken as set by hand.
Each gets a first "set" event (without an actor: who set it is in the person's history).
"""

import datetime as dt
import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cadres.migration_helpers import grant_role_permissions, revoke_role_permissions

GRANTS = {"区级审核人": ["manage_strict_control"], "系统管理员": ["manage_strict_control"]}

# hit_confirm's reason, "%(relation)s %(name)s is on the list %(source)s: %(measure)s",
# in Chinese (配偶张三列入某名单：…) or in English.
HIT_REASON = re.compile(r"^(配偶|父亲|母亲|子女|兄弟姐妹|配偶父母|其他).+列入.+：|is on the list .+: ")
DEFAULT_REVIEW_MONTHS = 12


def infer_sources(apps, schema_editor):
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    Person = apps.get_model("cadres", "Person")
    Event = apps.get_model("cadres", "StrictControlEvent")
    for person in Person.objects.filter(strict_control_since__isnull=False).iterator():
        person.strict_control_source = (
            "hit" if HIT_REASON.search(person.strict_control_reason) else "manual"
        )
        review_on = person.strict_control_review_on
        if review_on is None or review_on <= person.strict_control_since:
            review_on = person.strict_control_since + relativedelta(months=DEFAULT_REVIEW_MONTHS)
        person.strict_control_review_on = review_on
        person.save(update_fields=["strict_control_source", "strict_control_review_on"])
        Event.objects.create(
            person=person,
            at=timezone.make_aware(dt.datetime.combine(person.strict_control_since, dt.time())),
            action="set",
            source=person.strict_control_source,
            review_on=review_on,
            note=person.strict_control_reason or "—",
        )
    # Half-kept rows (a review date without a start) are not under strict control.
    Person.objects.filter(strict_control_since__isnull=True).exclude(
        strict_control_review_on__isnull=True, strict_control_source=""
    ).update(strict_control_review_on=None, strict_control_source="")


def grant(apps, schema_editor):
    grant_role_permissions(apps, GRANTS, app_label="cadres")


def revoke(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS, app_label="cadres")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_roles'),
        ('cadres', '0009_secretary_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StrictControlEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='time')),
                ('action', models.CharField(choices=[('set', 'Put under strict control'), ('reviewed', 'Reviewed and kept'), ('lifted', 'Strict control lifted')], max_length=10, verbose_name='action')),
                ('source', models.CharField(blank=True, choices=[('hit', 'Screening hit on a family member'), ('vetting', 'Vetting decision'), ('manual', 'Set by the district')], max_length=10, verbose_name='source of strict control')),
                ('review_on', models.DateField(blank=True, null=True, verbose_name='strict control review date')),
                ('note', models.TextField(verbose_name='reason or note')),
            ],
            options={
                'verbose_name': 'strict control event',
                'verbose_name_plural': 'strict control events',
                'ordering': ['person', 'at', 'pk'],
                'default_permissions': ('view',),
            },
        ),
        migrations.AlterModelOptions(
            name='person',
            options={'ordering': ['name_key', 'pk'], 'permissions': [('reveal_id_number', 'Can reveal a full ID number'), ('manage_strict_control', 'Can set, review and lift strict control')], 'verbose_name': 'person', 'verbose_name_plural': 'people'},
        ),
        migrations.AddField(
            model_name='historicalperson',
            name='strict_control_source',
            field=models.CharField(blank=True, choices=[('hit', 'Screening hit on a family member'), ('vetting', 'Vetting decision'), ('manual', 'Set by the district')], max_length=10, verbose_name='source of strict control'),
        ),
        migrations.AddField(
            model_name='person',
            name='strict_control_source',
            field=models.CharField(blank=True, choices=[('hit', 'Screening hit on a family member'), ('vetting', 'Vetting decision'), ('manual', 'Set by the district')], max_length=10, verbose_name='source of strict control'),
        ),
        migrations.AddField(
            model_name='strictcontrolevent',
            name='actor',
            field=models.ForeignKey(blank=True, help_text='Empty for strict control recorded before its events were kept.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by'),
        ),
        migrations.AddField(
            model_name='strictcontrolevent',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='strict_control_events', to='cadres.person', verbose_name='cadre'),
        ),
        migrations.AddIndex(
            model_name='strictcontrolevent',
            index=models.Index(fields=['person', 'at'], name='strictevent_person_at_idx'),
        ),
        migrations.RunPython(infer_sources, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('strict_control_review_on__isnull', False)), fields=['strict_control_review_on'], name='person_strict_review_idx'),
        ),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('strict_control_review_on__isnull', True), ('strict_control_since__isnull', True), ('strict_control_source', '')), models.Q(('strict_control_review_on__gt', models.F('strict_control_since')), ('strict_control_since__isnull', False), models.Q(('strict_control_source', ''), _negated=True)), _connector='OR'), name='person_strict_control_complete'),
        ),
    ]
