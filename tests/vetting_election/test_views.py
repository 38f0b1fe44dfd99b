"""The general election's pages: stages, results on the page and from a workbook, scoping."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.models import Post
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import PostFactory, UserFactory, VillageFactory, make_id_number, township
from tests.querycount import assert_queries_flat
from tests.vetting_election.factories import approved_case, election_village, open_election
from vetting.models import CandidateCase, Election, ElectionPlan, ElectionResult, ElectionVillage
from vetting.services import candidates, election

pytestmark = pytest.mark.django_db

SECRETARY = (Post.Body.PARTY_BRANCH, Post.Title.SECRETARY)
DIRECTOR = (Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR)
HEADERS = ["村", "姓名", "身份证号", "当选职务", "得票数"]


@pytest.fixture
def world(client):
    the_election = open_election()
    village = VillageFactory(name="东岗村")
    other_village = VillageFactory(township=township("220502200"), name="泄漏村")
    ev = election_village(the_election, village)
    election_village(the_election, other_village)
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    return the_election, village, ev, staff


def test_township_sees_its_villages_with_their_stage(client, world):
    the_election, _village, ev, staff = world
    client.force_login(staff)
    page = client.get(reverse("vetting:election_detail", args=[the_election.pk]))
    text = page.content.decode()
    assert "东岗村" in text
    assert "泄漏村" not in text
    assert reverse("election_report", args=[the_election.pk]) in text
    assert 'data-stage="nomination"' in text
    other = election_village(the_election, VillageFactory(township=township("220502200")))
    assert client.get(reverse("vetting:election_village", args=[other.pk])).status_code == 404
    department = UserFactory(role="联审部门", department="discipline")
    client.force_login(department)
    text = client.get(reverse("vetting:election_detail", args=[the_election.pk])).content.decode()
    assert "东岗村" not in text
    # A department reaches no township: no before-and-after to follow.
    assert reverse("election_report", args=[the_election.pk]) not in text
    assert client.get(reverse("vetting:election_village", args=[ev.pk])).status_code == 404


def test_election_page_queries_do_not_grow_with_villages(client, world):
    the_election, _village, _ev, staff = world
    client.force_login(staff)
    url = reverse("vetting:election_detail", args=[the_election.pk])

    def grow():
        for _ in range(3):
            ev = election_village(the_election, VillageFactory())
            approved_case(the_election, ev.village, *SECRETARY)

    assert_queries_flat(lambda: client.get(url), grow)


def test_results_on_the_page_then_confirmed_by_the_district(client, world):
    the_election, village, ev, staff = world
    PostFactory(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    secretary = approved_case(the_election, village, *SECRETARY)
    director = approved_case(the_election, village, *DIRECTOR, person=secretary.person)
    url = reverse("vetting:election_village", args=[ev.pk])
    client.force_login(staff)
    page = client.post(url, {f"elected_{secretary.pk}": "on"})
    assert "请填写当选人的得票数" in page.content.decode()
    page = client.post(
        url,
        {
            f"elected_{secretary.pk}": "on",
            f"votes_{secretary.pk}": "801",
            f"elected_{director.pk}": "on",
            f"votes_{director.pk}": "799",
        },
    )
    assert page.status_code == 302
    text = client.get(url).content.decode()
    assert "一肩挑" in text
    assert client.post(reverse("vetting:election_village_confirm", args=[ev.pk])).status_code == 403
    client.force_login(UserFactory(role="区级审核人"))
    confirmed = client.post(reverse("vetting:election_village_confirm", args=[ev.pk]), follow=True)
    assert "新一届班子已任职" in confirmed.content.decode(), [
        str(m) for m in confirmed.context["messages"]
    ]
    # The new team's terms start on the election day (maybe after today): not ended ones.
    serving = Post.objects.filter(village=village, ended_on__isnull=True)
    assert set(serving.values_list("person", flat=True)) == {secretary.person_id}
    assert serving.count() == 2


def _upload(client, plan, rows):
    upload = SimpleUploadedFile("选举结果.xlsx", roster_bytes(rows, headers=HEADERS))
    response = client.post(
        reverse("vetting:election_results_upload", args=[plan.pk]), {"file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_results_workbook_refuses_wrong_rows_and_imports_right_ones(client, world):
    the_election, village, ev, staff = world
    secretary = approved_case(the_election, village, *SECRETARY)
    rival = approved_case(the_election, village, *SECRETARY)
    director = approved_case(the_election, village, *DIRECTOR, person=secretary.person)
    stranger = make_id_number(dt.date(1990, 1, 1), 123)
    client.force_login(staff)
    assert client.get(reverse("vetting:election_results_template"))["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    row = {"村": "东岗村", "得票数": 700}
    preview = _upload(
        client,
        ev.plan,
        [
            {
                **row,
                "姓名": secretary.name,
                "身份证号": secretary.id_number,
                "当选职务": "书记兼主任",
            },
            {**row, "姓名": rival.name, "身份证号": rival.id_number, "当选职务": "村党组织书记"},
            {**row, "姓名": "外人", "身份证号": stranger, "当选职务": "村委会委员"},
            {**row, "村": "无此村", "姓名": "某", "身份证号": stranger, "当选职务": "村委会委员"},
        ],
    )
    text = client.get(preview).content.decode()
    assert "该职务重复当选：第2行也填写了该职务" in text
    assert "不是本次换届本村该职务的候选人" in text
    assert "该村不在本乡镇的换届方案中" in text
    assert client.post(preview).status_code == 200
    assert not ElectionResult.objects.exists()

    preview = _upload(
        client,
        ev.plan,
        [
            {
                **row,
                "姓名": secretary.name,
                "身份证号": secretary.id_number,
                "当选职务": "村党组织书记、村民委员会主任",
            }
        ],
    )
    assert "全部1行无误" in client.get(preview).content.decode()
    assert client.post(preview).status_code == 302
    assert set(ElectionResult.objects.values_list("case", "votes")) == {
        (secretary.pk, 700),
        (director.pk, 700),
    }


def test_single_nomination_stands_in_an_open_election_only(client, world):
    the_election, village, _ev, staff = world
    client.force_login(staff)
    url = reverse("vetting:case_new")
    form = client.get(f"{url}?election={the_election.pk}").context["form"]
    assert list(form.fields["election"].queryset) == [the_election]
    assert form.initial["election"] == str(the_election.pk)
    nomination = {
        "name": "李春燕",
        "id_number": make_id_number(dt.date(1991, 3, 8), 77, male=False),
        "village": village.pk,
        "body": "villagers_committee",
        "title": "member",
        "term_start": "2026-12-10",
        "reason": "换届提名",
        "ethnicity": "01",
        "election": the_election.pk,
    }
    assert client.post(url, nomination).status_code == 302
    assert CandidateCase.objects.get(name="李春燕").election == the_election

    # An election that is over is neither offered nor accepted, on the page or by the service.
    Election.objects.filter(pk=the_election.pk).update(ends_on=dt.date(2026, 11, 30))
    form = client.get(url).context["form"]
    assert not form.fields["election"].queryset.exists()
    page = client.post(url, {**nomination, "name": "赵晓"})
    assert page.status_code == 200
    assert "election" in page.context["form"].errors
    with pytest.raises(ValidationError) as error:
        candidates.case_create(
            actor=staff,
            village=village,
            body="villagers_committee",
            title="member",
            term_start=dt.date(2026, 12, 10),
            reason="换届提名",
            name="赵晓",
            id_number=make_id_number(dt.date(1990, 5, 6), 78),
            election=the_election,
        )
    assert "election" in error.value.message_dict
    assert not CandidateCase.objects.filter(name="赵晓").exists()


def _entered(the_election, village, staff):
    """A village of the election whose old secretary is replaced by an approved case, with
    the results entered."""
    ev = election_village(the_election, village)
    PostFactory(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    case = approved_case(the_election, village, *SECRETARY)
    election.results_enter(actor=staff, village=ev, elected={case.pk: 500})
    return ev, case


def test_the_district_confirms_a_township_at_once(client, world):
    the_election, village, ev, staff = world
    second, _case = _entered(the_election, VillageFactory(), staff)
    _entered(the_election, VillageFactory(), staff)
    first, case = ev, approved_case(the_election, village, *DIRECTOR)
    election.results_enter(actor=staff, village=first, elected={case.pk: 600})
    election.results_confirm(actor=UserFactory(role="区级审核人"), village=second)
    page_url = reverse("vetting:election_detail", args=[the_election.pk])
    confirm_url = reverse("vetting:election_plan_confirm", args=[ev.plan.pk])
    # The township enters results but does not confirm them: no button, and refused.
    client.force_login(staff)
    assert confirm_url not in client.get(page_url).content.decode()
    assert client.post(confirm_url).status_code == 403
    client.force_login(UserFactory(role="区级审核人"))
    text = client.get(page_url).content.decode()
    assert confirm_url in text
    assert 'data-to-confirm="2"' in text
    page = client.post(confirm_url, follow=True)
    [message] = page.context["messages"]
    assert message.level_tag == "success"
    assert "2" in str(message)
    assert not ElectionVillage.objects.filter(
        plan=ev.plan, confirmed_at__isnull=True, results__isnull=False
    ).exists()
    assert Post.objects.filter(village=village, ended_on__isnull=True).get().person == case.person
    # Nothing left to confirm: no button; a second post says so.
    assert confirm_url not in client.get(page_url).content.decode()
    assert client.post(confirm_url).status_code == 302


def test_a_township_with_a_bad_village_is_not_confirmed(client, world):
    the_election, _village, ev, staff = world
    _entered(the_election, VillageFactory(name="好村"), staff)
    _bad, bad_case = _entered(the_election, VillageFactory(name="退审村"), staff)
    CandidateCase.objects.filter(pk=bad_case.pk).update(state=CandidateCase.State.TOWNSHIP_REVIEW)
    client.force_login(UserFactory(role="区级审核人"))
    page = client.post(reverse("vetting:election_plan_confirm", args=[ev.plan.pk]), follow=True)
    [message] = [str(m) for m in page.context["messages"]]
    assert "退审村" in message
    assert "好村" not in message
    assert not ElectionVillage.objects.filter(confirmed_at__isnull=False).exists()


def test_another_townships_plan_is_not_reached(client, world):
    the_election, _village, _ev, staff = world
    other_plan = ElectionPlan.objects.get(election=the_election, township=township("220502200"))
    url = reverse("vetting:election_plan_confirm", args=[other_plan.pk])
    client.force_login(staff)
    assert client.post(url).status_code == 404
    client.force_login(UserFactory(role="联审部门", department="discipline"))
    assert client.post(url).status_code == 404
