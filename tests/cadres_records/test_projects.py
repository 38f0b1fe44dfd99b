import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.records import services
from cadres.records.models import PioneerProject
from tests.cadres_records.factories import (
    THIS_YEAR,
    other_village,
    pdf,
    secretary,
    serving_village,
)
from tests.factories import VillageFactory
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def claim(user, village, year=THIS_YEAR):
    return services.pioneer_project_claim(
        actor=user,
        village=village,
        year=year,
        title="党建引领乡村振兴示范点",
        goals="建成党员活动阵地",
        milestones="6月 完成选址\n10月 投入使用",
    )


def test_claim_progress_complete_assess(staff, township_reviewer):
    village = serving_village(secretary())
    project = claim(staff, village)
    with pytest.raises(ValidationError):
        claim(staff, village)  # one a year
    progress = services.project_progress_add(
        actor=staff, project=project, on=dt.date.today(), text="完成选址", documents=[pdf()]
    )
    assert progress.documents.count() == 1
    with pytest.raises(ValidationError):
        services.pioneer_project_assess(
            actor=township_reviewer, project=project, score=Decimal(90), assessment="好"
        )
    with pytest.raises(PermissionDenied):
        services.pioneer_project_complete(
            actor=staff, project=project, completed_on=dt.date.today()
        )
    services.pioneer_project_complete(
        actor=township_reviewer, project=project, completed_on=dt.date.today()
    )
    with pytest.raises(ValidationError):
        services.pioneer_project_assess(
            actor=township_reviewer, project=project, score=Decimal(101), assessment="好"
        )
    services.pioneer_project_assess(
        actor=township_reviewer, project=project, score=Decimal("92.5"), assessment="成效明显"
    )
    project.refresh_from_db()
    assert project.status == PioneerProject.Status.ASSESSED
    assert project.score == Decimal("92.5")
    with pytest.raises(ValidationError):
        services.project_progress_add(actor=staff, project=project, on=dt.date.today(), text="x")


def test_claim_needs_a_secretary_and_own_township(staff, other_staff):
    with pytest.raises(ValidationError) as error:
        claim(staff, VillageFactory())
    assert "village" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        claim(other_staff, serving_village(secretary()))


def test_overview_and_pages(
    client,
    staff,
    township_reviewer,
    other_staff,
    district_reviewer,
    department_user,
):
    villages = [serving_village(secretary()) for _ in range(3)]
    done = claim(staff, villages[0])
    claim(staff, villages[1])
    services.pioneer_project_complete(
        actor=township_reviewer, project=done, completed_on=dt.date.today()
    )
    claim(other_staff, serving_village(secretary(other_village())))
    client.force_login(district_reviewer)
    response = client.get(reverse("cadres:records:project_overview"))
    rows = {row.code: row for row in response.context["rows"]}
    jinchang = rows["220502100"]
    assert (jinchang.claimed, jinchang.completed) == (2, 1)
    assert jinchang.unclaimed == jinchang.village_count - 2
    assert rows["220502200"].claimed == 1
    # Another township's claims, so that the lists of 金厂镇's staff below stay as they are.
    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:records:project_overview")),
        lambda: [claim(other_staff, serving_village(secretary(other_village()))) for _ in range(3)],
    )
    assert {row.code: row for row in response.context["rows"]}["220502200"].claimed == 4
    assert (
        client.get(reverse("cadres:records:project_overview") + "?format=xlsx").status_code == 200
    )
    client.force_login(staff)
    response = client.get(reverse("cadres:records:project_overview"))
    assert [row.code for row in response.context["rows"]] == ["220502100"]
    detail = reverse("cadres:records:project_detail", args=[done.pk])
    response = client.post(detail, {"action": "progress", "on": "2999-01-01", "text": "x"})
    assert "on" in response.context["progress_form"].errors
    response = client.post(
        detail, {"action": "progress", "on": "2026-01-01", "text": "完成", "documents": [pdf()]}
    )
    assert response.status_code == 302
    document = done.progress.get().documents.get()
    assert (
        client.get(reverse("cadres:records:progress_document", args=[document.pk])).status_code
        == 200
    )
    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:records:project_list")),
        lambda: [claim(staff, serving_village(secretary())) for _ in range(3)],
    )
    assert len(response.context["rows"]) == 5
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    assert (
        client.get(reverse("cadres:records:progress_document", args=[document.pk])).status_code
        == 404
    )
    client.force_login(department_user)
    assert client.get(reverse("cadres:records:project_list")).status_code == 403
