"""凡进必审 on every path that starts a post: the services, the 任职 and 新建 pages, the roster
import (page and command), the Django admin; the origin and 未经联审 on the profile, in the
register's filters and export, and in the monthly workbook."""

import datetime as dt
import importlib
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from cadres import services
from cadres.models import ImportFile, Person, Post
from cadres.xlsx_export import WorkbookWriter
from dongchang.reports import Month, write_roster
from tests.cadres_import.test_roster import cadre_row, number
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import (
    PostFactory,
    RelativeFactory,
    UserFactory,
    VillageFactory,
    cadre,
    township,
)
from tests.jobs import run_queued_jobs
from tests.vetting_candidates.factories import Cast
from vetting.models import CandidateCase

pytestmark = pytest.mark.django_db

B, T, Origin = Post.Body, Post.Title, Post.Origin
ROLES = ["staff", "township_reviewer", "district_reviewer", "department_user", "system_admin"]


def appoint(actor, person, village, origin, title=T.MEMBER):
    return services.post_appoint(
        actor=actor,
        person=person,
        village=village,
        body=B.VILLAGERS_COMMITTEE,
        title=title,
        term_start=dt.date(2024, 1, 1),
        origin=origin,
    )


# The service -------------------------------------------------------------------------------

# Who may start a post of each origin, in a village of 金厂镇 (the township roles' own).
MAY_START = {
    "staff": set(),
    "township_reviewer": set(),
    "district_reviewer": {Origin.CANDIDATE_CASE, Origin.ROSTER, Origin.REGISTRATION},
    "department_user": set(),
    "system_admin": {Origin.ROSTER, Origin.REGISTRATION},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("origin", Origin.values)
def test_post_appoint_by_role_and_origin(request, role, origin):
    actor = request.getfixturevalue(role)
    person = cadre()
    village = person.posts.get().village
    if origin in MAY_START[role]:
        post = appoint(actor, person, village, origin, title=T.DEPUTY_DIRECTOR)
        assert (post.origin, post.vetted) == (origin, origin == Origin.CANDIDATE_CASE)
        assert post.history.get().history_user == actor
    else:
        with pytest.raises(PermissionDenied):
            appoint(actor, person, village, origin, title=T.DEPUTY_DIRECTOR)
        assert person.posts.count() == 1


@pytest.mark.parametrize("role", ["staff", "township_reviewer"])
def test_township_roles_start_no_post_in_another_township_either(request, role):
    person = cadre(VillageFactory(township=township("220502200")))
    with pytest.raises(PermissionDenied):
        appoint(
            request.getfixturevalue(role), person, person.posts.get().village, Origin.REGISTRATION
        )


def test_origin_is_required_and_known(district_reviewer):
    person = cadre()
    village = person.posts.get().village
    with pytest.raises(TypeError):
        services.post_appoint(
            actor=district_reviewer,
            person=person,
            village=village,
            body=B.VILLAGERS_COMMITTEE,
            title=T.DEPUTY_DIRECTOR,
            term_start=dt.date(2024, 1, 1),
        )
    with pytest.raises(ValueError, match="elsewhere"):
        appoint(district_reviewer, person, village, "elsewhere")
    with pytest.raises(TypeError):
        services.cadre_create(actor=district_reviewer, person={"name": "甲"}, post={})


def test_post_vetted_mark_refuses_what_it_must(district_reviewer, staff):
    post = cadre().posts.get()
    with pytest.raises(PermissionDenied):
        services.post_vetted_mark(actor=staff, post=post)
    assert services.post_vetted_mark(actor=district_reviewer, post=post).vetted
    with pytest.raises(ValidationError, match="已经联审"):
        services.post_vetted_mark(actor=district_reviewer, post=post)
    ended = PostFactory(ended_on=dt.date(2024, 5, 1), end_reason=Post.EndReason.RESIGNED)
    with pytest.raises(ValidationError, match="2024-05-01"):
        services.post_vetted_mark(actor=district_reviewer, post=ended)
    ended.refresh_from_db()
    assert not ended.vetted


def test_approval_appoints_with_origin_case_and_vetted():
    cast = Cast()
    from vetting.services import candidates

    case = candidates.case_approve(actor=cast.district_reviewer, case=cast.ready())
    assert (case.post.origin, case.post.vetted) == (Origin.CANDIDATE_CASE, True)


def test_data_migration_marks_posts_of_approved_cases():
    cast = Cast()
    from vetting.services import candidates

    approved = candidates.case_approve(actor=cast.district_reviewer, case=cast.ready()).post
    other = cadre().posts.get()
    # As the posts stood before migration 0008: all 存量登记 and unvetted.
    Post.objects.update(origin=Origin.REGISTRATION, vetted=False)
    migration = importlib.import_module(
        "vetting.migrations.0015_supplementary_review_and_post_origin"
    )
    migration.posts_from_cases(apps, None)
    approved.refresh_from_db()
    other.refresh_from_db()
    assert (approved.origin, approved.vetted) == (Origin.CANDIDATE_CASE, True)
    assert (other.origin, other.vetted) == (Origin.REGISTRATION, False)


# The 任职 and 新建 pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "township_reviewer"])
def test_appoint_page_sends_township_roles_to_a_prefilled_nomination(client, request, role):
    person = cadre()
    village = person.posts.get().village
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("cadres:post_appoint", args=[person.pk]))
    assert response.status_code == 302
    url = urlsplit(response.url)
    assert url.path == reverse("vetting:case_new")
    assert parse_qs(url.query) == {"person": [str(person.pk)], "village": [str(village.pk)]}
    form = client.get(response.url).context["form"]
    assert form.initial == {"person": str(person.pk), "village": str(village.pk)}
    assert person.name in client.get(response.url).content.decode()


def test_nomination_prefill_falls_back_on_the_home_village(client, staff):
    home = VillageFactory()
    person = cadre(home_village=home)
    person.posts.update(ended_on=dt.date(2024, 1, 1), end_reason=Post.EndReason.RESIGNED)
    client.force_login(staff)
    response = client.get(reverse("cadres:post_appoint", args=[person.pk]))
    assert parse_qs(urlsplit(response.url).query)["village"] == [str(home.pk)]


@pytest.mark.parametrize("role", ["district_reviewer", "system_admin"])
def test_district_roles_register_an_existing_post(client, request, role):
    actor = request.getfixturevalue(role)
    person = cadre(VillageFactory(township=township("220502200")))
    client.force_login(actor)
    response = client.post(
        reverse("cadres:post_appoint", args=[person.pk]),
        {
            "village": person.posts.get().village_id,
            "body": "supervision_committee",
            "title": "member",
            "term_start": "2022-01-01",
        },
    )
    assert response.status_code == 302
    post = person.posts.get(body=B.SUPERVISION_COMMITTEE)
    assert (post.origin, post.vetted) == (Origin.REGISTRATION, False)
    assert post.history.get().history_user == actor


def test_staff_cannot_post_past_the_redirect(client, staff):
    person = cadre()
    client.force_login(staff)
    client.post(
        reverse("cadres:post_appoint", args=[person.pk]),
        {
            "village": person.posts.get().village_id,
            "body": "supervision_committee",
            "title": "member",
            "term_start": "2022-01-01",
        },
    )
    assert person.posts.count() == 1


def test_the_profile_shows_origin_and_the_buttons_by_role(client, staff, district_reviewer):
    person = cadre(name="王建国")
    post = person.posts.get()
    url = reverse("cadres:detail", args=[person.pk])
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert "名册导入" in page
    assert "未经联审" in page
    assert "提名任职" in page
    assert "存量登记职务" not in page
    assert f"{reverse('vetting:case_new')}?post={post.pk}" in page  # 申请补审
    client.force_login(district_reviewer)
    page = client.get(url).content.decode()
    assert "存量登记职务" in page
    assert "提名任职" not in page
    assert "申请补审" not in page  # the district does not nominate
    Post.objects.filter(pk=post.pk).update(vetted=True)
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert "未经联审" not in page
    assert "申请补审" not in page


def test_the_list_offers_registration_or_nomination_by_role(client, staff, district_reviewer):
    client.force_login(staff)
    assert "推荐人选" in client.get(reverse("cadres:list")).content.decode()
    client.force_login(district_reviewer)
    assert "存量登记干部" in client.get(reverse("cadres:list")).content.decode()


# The Django admin ------------------------------------------------------------------------


def test_the_admin_neither_adds_nor_changes_people_or_posts(client):
    admin = UserFactory(role="系统管理员", is_staff=True, is_superuser=True)
    client.force_login(admin)
    post = cadre().posts.get()
    for model in ("post", "person"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:cadres_{model}_add")
    for url in (
        "/admin/cadres/post/add/",
        f"/admin/cadres/post/{post.pk}/change/",
        "/admin/cadres/person/add/",
        f"/admin/cadres/person/{post.person_id}/change/",
    ):
        assert client.get(url).status_code in (302, 404), url
        client.post(url, {"origin": "case", "vetted": "on"})
    post.refresh_from_db()
    assert (post.origin, post.vetted) == (Origin.ROSTER, False)


# Filters, export, monthly workbook --------------------------------------------------------


@pytest.fixture
def three_posts(district_reviewer):
    """A roster post, a registered one and one vetted (a 补审 approved), in 金厂镇."""
    roster = cadre(name="甲名册")
    registered = cadre(name="乙登记")
    Post.objects.filter(person=registered).update(origin=Origin.REGISTRATION)
    vetted = cadre(name="丙联审")
    Post.objects.filter(person=vetted).update(vetted=True)
    return roster, registered, vetted


def test_list_filters_by_origin_and_vetting(client, staff, three_posts):
    roster, registered, vetted = three_posts
    client.force_login(staff)

    def names(**query):
        return {p.name for p in client.get(reverse("cadres:list"), query).context["people"]}

    assert names(origin="registration") == {registered.name}
    assert names(origin="roster") == {roster.name, vetted.name}
    assert names(vetted="no") == {roster.name, registered.name}
    assert names(vetted="yes") == {vetted.name}
    assert names(origin="roster", vetted="no") == {roster.name}
    page = client.get(reverse("cadres:list")).content.decode()
    assert page.count('badge warn">未经联审') == 2
    assert "存量登记" in page


def test_export_writes_origin_and_vetting(client, staff, three_posts):
    client.force_login(staff)
    response = client.get(reverse("cadres:list"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][-2:] == ("任职来源", "经联审")
    by_name = {row[3]: row[-2:] for row in rows[1:]}
    assert by_name == {
        "甲名册": ("名册导入", "否"),
        "乙登记": ("存量登记", "否"),
        "丙联审": ("名册导入", "是"),
    }


def test_monthly_workbook_roster_has_origin_and_vetting(three_posts):
    writer = WorkbookWriter()
    write_roster(writer, Month(dt.date.today().replace(day=1)))
    out = io.BytesIO()
    writer.save(out)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.values)
    assert rows[0][-2:] == ("任职来源", "经联审")
    by_name = {row[2]: row[-2:] for row in rows[1:]}
    assert by_name == {
        "甲名册": ("名册导入", "否"),
        "乙登记": ("存量登记", "否"),
        "丙联审": ("名册导入", "是"),
    }


# The roster import ------------------------------------------------------------------------


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def upload(client, data: bytes):
    response = client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", data)}
    )
    run_queued_jobs()  # the worker's check
    return ImportFile.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])


def confirm(client, record: ImportFile):
    """Confirm an upload; the worker then imports it."""
    response = client.post(reverse("cadres:import_confirm", args=[record.pk]))
    run_queued_jobs()
    return response


ROSTER = [cadre_row(1, 职务="村党组织书记、村委会主任"), cadre_row(2)]
FAMILY = [{"干部身份证号": number(1), "姓名": "李芳", "关系": "配偶"}]


@pytest.mark.parametrize("role", ["staff", "township_reviewer"])
def test_township_roster_starts_no_post_and_lists_what_to_nominate(client, request, role, village):
    client.force_login(request.getfixturevalue(role))
    record = upload(client, roster_bytes(ROSTER, FAMILY))
    preview = client.get(reverse("cadres:import_preview", args=[record.pk])).content.decode()
    assert "需提名" in preview
    assert "新增职务" in preview
    response = confirm(client, record)
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    assert Person.objects.count() == 2
    assert not Post.objects.exists()
    assert Person.objects.get(id_number=number(1)).relatives.count() == 1
    record.refresh_from_db()
    rows = record.summary["nomination_rows"]
    assert [(r["row"], r["body"], r["title"]) for r in rows] == [
        (2, B.PARTY_BRANCH, T.SECRETARY),
        (2, B.VILLAGERS_COMMITTEE, T.DIRECTOR),
        (3, B.VILLAGERS_COMMITTEE, T.MEMBER),
    ]
    page = client.get(reverse("cadres:import_preview", args=[record.pk])).content.decode()
    assert "为以上职务发起人选推荐" in page
    assert reverse("vetting:roster_nominate", args=[record.pk]) in page


def test_nominations_action_opens_cases_once(client, staff, village):
    client.force_login(staff)
    record = upload(client, roster_bytes(ROSTER, FAMILY))
    confirm(client, record)
    url = reverse("vetting:roster_nominate", args=[record.pk])
    response = client.post(url)
    assert response.status_code == 302
    cases = CandidateCase.objects.order_by("pk")
    assert cases.count() == 3
    assert {c.state for c in cases} == {CandidateCase.State.DRAFT}
    assert {c.nominated_by for c in cases} == {staff}
    secretary = cases.get(title=T.SECRETARY)
    assert secretary.person.id_number == number(1)
    assert secretary.village == village
    assert [r.name for r in secretary.relatives.all()] == ["李芳"]
    assert "花名册.xlsx" in secretary.reason
    # Twice: nothing more; the same roster uploaded again finds the open cases too.
    client.post(url)
    assert CandidateCase.objects.count() == 3
    again = upload(client, roster_bytes(ROSTER, FAMILY))
    confirm(client, again)
    client.post(reverse("vetting:roster_nominate", args=[again.pk]))
    assert CandidateCase.objects.count() == 3
    assert not Post.objects.exists()


def test_nominations_action_is_scoped(client, staff, other_staff, district_reviewer, village):
    client.force_login(staff)
    record = upload(client, roster_bytes(ROSTER))
    confirm(client, record)
    url = reverse("vetting:roster_nominate", args=[record.pk])
    client.force_login(other_staff)
    assert client.post(url).status_code == 404
    client.force_login(district_reviewer)
    assert client.post(url).status_code == 403
    assert not CandidateCase.objects.exists()


def test_nominations_refuse_a_file_not_imported(client, staff, village):
    client.force_login(staff)
    record = upload(client, roster_bytes(ROSTER))
    response = client.post(reverse("vetting:roster_nominate", args=[record.pk]), follow=True)
    assert "只有已导入的名册" in response.content.decode()
    assert not CandidateCase.objects.exists()


def test_nominations_name_the_row_that_fails_and_open_nothing(client, staff, village):
    client.force_login(staff)
    record = upload(client, roster_bytes(ROSTER))
    confirm(client, record)
    record.refresh_from_db()
    summary = record.summary
    summary["nomination_rows"][1]["term_end"] = summary["nomination_rows"][1]["term_start"]
    ImportFile.objects.filter(pk=record.pk).update(summary=summary)
    response = client.post(reverse("vetting:roster_nominate", args=[record.pk]), follow=True)
    page = response.content.decode()
    assert "第2行" in page
    assert "任期届满" in page or "结束" in page
    assert not CandidateCase.objects.exists()


def test_admin_roster_starts_unvetted_roster_posts(client, system_admin, village):
    client.force_login(system_admin)
    record = upload(client, roster_bytes(ROSTER))
    response = confirm(client, record)
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    assert set(Post.objects.values_list("origin", "vetted")) == {(Origin.ROSTER, False)}
    assert Post.objects.count() == 3


@pytest.mark.parametrize("role", ["district_reviewer", "department_user"])
def test_roles_without_register_writes_do_not_import(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("cadres:import_upload")).status_code == 403


def test_command_as_township_staff_starts_no_post(tmp_path, staff, village, capsys):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster_bytes(ROSTER))
    call_command("import_cadres", str(path), "--user", staff.username)
    out = capsys.readouterr().out
    assert "需提名：第2行" in out
    assert reverse("cadres:import_preview", args=[ImportFile.objects.get().pk]) in out
    assert not Post.objects.exists()


def test_relatives_come_with_a_register_person(staff):
    person = cadre()
    RelativeFactory(cadre=person, name="赵兰")
    from vetting.services.register_cases import register_relatives

    assert [r["name"] for r in register_relatives(person)] == ["赵兰"]
