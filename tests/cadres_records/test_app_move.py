"""The records left ``cadres`` for an app of their own (cadres 0019, records 0001).

The test database is taken back to main's head before the move (cadres 0018), where the
records' content types still read ``cadres`` and a secretary's post ends by a permission of
the secretary change model, and forward again: every row, history row, content type,
permission and grant, object permission and admin log entry must come through.
"""

import datetime as dt

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from guardian.shortcuts import assign_perm

from cadres.records import services
from cadres.records.models import GradingRule, SecretaryFiling
from tests.cadres_records.factories import pdf, secretary, serving_village

BEFORE_THE_MOVE = [("cadres", "0018_date_precision")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


def grants():
    return sorted(
        Group.permissions.through.objects.values_list(
            "group__name", "permission_id", "permission__content_type__app_label"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_old_head_keeps_its_records_and_grants(staff, district_reviewer):
    filing = services.secretary_filing_submit(
        actor=staff,
        village=serving_village(secretary()),
        filing_number="东组备〔2026〕7号",
        filed_on=dt.date(2026, 1, 5),
        documents=[pdf()],
    )
    filing_type = ContentType.objects.get_for_model(SecretaryFiling)
    LogEntry.objects.create(
        user=district_reviewer,
        content_type=filing_type,
        object_id=str(filing.pk),
        object_repr=str(filing),
        action_flag=ADDITION,
    )
    assign_perm("records.change_secretaryfiling", staff, filing)
    end_post = Permission.objects.get(
        content_type__app_label="cadres", codename="end_secretary_post"
    )
    records_types = dict(ContentType.objects.filter(app_label="records").values_list("model", "pk"))
    before_grants = grants()

    old_apps = migrate(BEFORE_THE_MOVE)
    # As main's head left them: the records are cadres' models, their rows untouched.
    assert dict(
        ContentType.objects.filter(pk__in=records_types.values()).values_list("model", "app_label")
    ) == dict.fromkeys(records_types, "cadres")
    assert Permission.objects.get(pk=end_post.pk).content_type.model == "secretarychange"
    old_rule = old_apps.get_model("cadres", "GradingRule").objects.create(
        name="换届前的规则", active=False
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert len(records_types) == 30  # fifteen models and their histories
    assert dict(ContentType.objects.filter(app_label="records").values_list("model", "pk")) == (
        records_types
    )
    assert Permission.objects.get(pk=end_post.pk).content_type.model == "post"
    assert grants() == before_grants
    filing = SecretaryFiling.objects.get(pk=filing.pk)
    assert filing.documents.get().original_name == "任职批复.pdf"
    assert filing.history.count() == 1
    assert GradingRule.objects.get(pk=old_rule.pk).name == "换届前的规则"
    assert LogEntry.objects.get().get_edited_object() == filing
    staff = type(staff).objects.get(pk=staff.pk)  # no cached permissions
    assert staff.has_perm("records.change_secretaryfiling", filing)
    assert staff.has_perm("records.add_secretaryfiling")
    assert district_reviewer.has_perm("cadres.end_secretary_post")
    assert not staff.has_perm("cadres.end_secretary_post")
