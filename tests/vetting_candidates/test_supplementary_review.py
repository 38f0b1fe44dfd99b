"""补审: a post recorded without a case (roster or 存量登记) goes through the same joint review;
approved, it no longer shows 未经联审 and no new post starts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.models import Post
from tests.factories import PostFactory, RelativeFactory, VillageFactory, cadre, township
from tests.vetting_candidates.factories import Cast, all_pass
from vetting.models import CandidateCase
from vetting.services import candidates
from vetting.services.register_cases import supplementary_case_create

pytestmark = pytest.mark.django_db
Kind = CandidateCase.Kind


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture
def post(db):
    """A 金厂镇 secretary brought in by a roster, with a spouse on the register."""
    person = cadre(body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY, name="赵书记")
    RelativeFactory(cadre=person, name="钱芳")
    return person.posts.get()


def open_review(cast, post):
    return supplementary_case_create(actor=cast.staff, post=post, reason="任职早于系统启用")


def to_approval(cast, case):
    """The same steps as a nomination, up to the district's decision."""
    case = candidates.case_submit(actor=cast.staff, case=case)
    candidates.case_checkpoints_record(actor=cast.township_reviewer, case=case, verdicts=all_pass())
    case = candidates.case_forward(actor=cast.township_reviewer, case=case)
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"]
    )
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    return case


def test_full_path_from_the_profile_to_approval(client, cast, post):
    profile = reverse("cadres:detail", args=[post.person_id])
    client.force_login(cast.staff)
    page = client.get(profile).content.decode()
    link = f"{reverse('vetting:case_new')}?post={post.pk}"
    assert link in page
    form_page = client.get(link).content.decode()
    assert "申请补审" in form_page
    assert "赵书记" in form_page
    assert client.post(link, {"reason": ""}).context["form"].errors["reason"]
    response = client.post(link, {"reason": "任职早于系统启用，按要求补审"})
    case = CandidateCase.objects.get()
    assert response.url == reverse("vetting:case_detail", args=[case.pk])
    assert (case.kind, case.reviewed_post, case.person) == (Kind.SUPPLEMENTARY, post, post.person)
    assert (case.village, case.body, case.title) == (post.village, post.body, post.title)
    assert (case.term_start, case.term_end) == (post.term_start, post.term_end)
    assert case.id_number == post.person.id_number
    assert [r.name for r in case.relatives.all()] == ["钱芳"]
    detail = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert "存量职务补审" in detail
    assert "补审职务" in detail
    listed = client.get(reverse("vetting:case_list"), {"kind": "supplementary"})
    assert [c.pk for c in listed.context["cases"]] == [case.pk]
    assert "补审" in listed.content.decode()
    assert not client.get(reverse("vetting:case_list"), {"kind": "new_post"}).context["cases"]

    case = to_approval(cast, case)
    case = candidates.case_approve(actor=cast.district_reviewer, case=case, note="同意")
    post.refresh_from_db()
    assert (post.vetted, post.origin) == (True, Post.Origin.ROSTER)
    assert case.post == post
    assert Post.objects.count() == 1  # no new post starts
    assert post.history.first().history_user == cast.district_reviewer
    page = client.get(profile).content.decode()
    assert "未经联审" not in page
    assert link not in page


def test_the_post_is_the_posts_not_the_nominators(cast, post):
    case = open_review(cast, post)
    other = VillageFactory()
    candidates.case_update(
        actor=cast.staff, case=case, village=other, title=Post.Title.MEMBER, reason="改"
    )
    case.refresh_from_db()
    assert (case.village, case.title, case.reason) == (post.village, post.title, "改")


def test_refused_for_a_vetted_an_ended_or_an_already_reviewed_post(cast, post):
    case = open_review(cast, post)
    with pytest.raises(ValidationError, match=f"案卷 {case.pk}"):
        open_review(cast, post)
    candidates.case_reject(
        actor=cast.township_reviewer,
        case=candidates.case_submit(actor=cast.staff, case=case),
        reason="材料不全",
    )
    assert open_review(cast, post).kind == Kind.SUPPLEMENTARY  # after a rejection, again
    vetted = cadre().posts.get()
    Post.objects.filter(pk=vetted.pk).update(vetted=True)
    with pytest.raises(ValidationError, match="已经联审"):
        open_review(cast, vetted)
    ended = PostFactory(ended_on=dt.date(2024, 1, 1), end_reason=Post.EndReason.RESIGNED)
    with pytest.raises(ValidationError, match="已离任"):
        open_review(cast, ended)


def test_a_post_ended_meanwhile_refuses_the_approval(cast, post):
    case = to_approval(cast, open_review(cast, post))
    Post.objects.filter(pk=post.pk).update(
        ended_on=dt.date(2025, 1, 1), end_reason=Post.EndReason.RESIGNED
    )
    with pytest.raises(ValidationError, match="2025-01-01"):
        candidates.case_approve(actor=cast.district_reviewer, case=case)
    case.refresh_from_db()
    post.refresh_from_db()
    assert case.state == CandidateCase.State.DISTRICT_REVIEW
    assert not post.vetted


def test_who_may_open_a_review(client, cast, post, other_staff, district_reviewer):
    link = f"{reverse('vetting:case_new')}?post={post.pk}"
    client.force_login(other_staff)
    assert client.get(link).status_code == 404
    assert client.post(link, {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        supplementary_case_create(actor=other_staff, post=post, reason="x")
    client.force_login(district_reviewer)
    assert client.get(link).status_code == 403
    with pytest.raises(PermissionDenied):
        supplementary_case_create(actor=district_reviewer, post=post, reason="x")
    client.force_login(cast.township_reviewer)
    assert client.get(link).status_code == 200
    client.force_login(cast.staff)
    assert client.get(f"{reverse('vetting:case_new')}?post=abc").status_code == 404
    assert not CandidateCase.objects.exists()


def test_another_township_post_is_404_for_staff(client, cast):
    other = cadre(VillageFactory(township=township("220502200"))).posts.get()
    client.force_login(cast.staff)
    assert client.get(f"{reverse('vetting:case_new')}?post={other.pk}").status_code == 404


def test_nominating_from_the_register_keeps_the_new_post_path(cast, post):
    """A nomination of a serving person to another post is a new-post case, as before."""
    case = candidates.case_create(
        actor=cast.staff,
        person=post.person,
        village=post.village,
        body=Post.Body.VILLAGERS_COMMITTEE,
        title=Post.Title.DIRECTOR,
        term_start=dt.date(2026, 12, 1),
        reason="一肩挑",
    )
    case = candidates.case_approve(actor=cast.district_reviewer, case=to_approval(cast, case))
    assert case.kind == Kind.NEW_POST
    assert (case.post.origin, case.post.vetted) == (Post.Origin.CANDIDATE_CASE, True)
    post.refresh_from_db()
    assert not post.vetted
