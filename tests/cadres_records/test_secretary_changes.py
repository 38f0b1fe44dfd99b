"""Secretary changes (规范村党组织书记调整程序): the township asks, the district approves first."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from cadres import signals
from cadres.models import AccessLogEntry, Post
from cadres.records import services
from cadres.records.models import SecretaryChange, SecretaryFiling
from cadres.services import post_end
from dongchang.todo import groups_for as waiting_for
from tests.cadres_records.factories import other_village, pdf, secretary
from tests.factories import PostFactory, UserFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline
from vetting.models import Hit, RemovalCase, WatchlistSource
from vetting.services import removal, review

pytestmark = pytest.mark.django_db

ENDS_ON = dt.date(2026, 3, 1)


@pytest.fixture
def sysadmin(db):
    return UserFactory(role="系统管理员")


def secretary_post(village=None) -> Post:
    return secretary(village).posts.get()


def ask(user, post, **kwargs):
    values = {
        "ends_on": ENDS_ON,
        "end_reason": Post.EndReason.RESIGNED,
        "reason": "本人因身体原因申请辞去村党组织书记职务，镇党委会议研究同意。",
        "successor": "王建国",
        "documents": [pdf("辞职申请.pdf")],
    }
    values.update(kwargs)
    return services.secretary_change_request(actor=user, post=post, **values)


def decide(user, change, approve=True, note=""):
    return services.secretary_change_decide(actor=user, change=change, approve=approve, note=note)


# The workflow ------------------------------------------------------------------------------


@pytest.mark.parametrize("asker", ["staff", "township_reviewer"])
@pytest.mark.parametrize("decider", ["district_reviewer", "sysadmin"])
def test_township_asks_and_district_approval_ends_the_post(request, asker, decider):
    asker, decider = request.getfixturevalue(asker), request.getfixturevalue(decider)
    post = secretary_post()
    change = ask(asker, post)
    assert change.status == SecretaryChange.Status.REQUESTED
    assert (change.village, change.person) == (post.village, post.person)
    assert change.documents.get().original_name == "辞职申请.pdf"
    post.refresh_from_db()
    assert post.ended_on is None  # nothing happens before the district approves

    decide(decider, change, note="同意")
    change.refresh_from_db()
    post.refresh_from_db()
    assert change.status == SecretaryChange.Status.APPROVED
    assert (change.decided_by, change.decision_note) == (decider, "同意")
    assert (post.ended_on, post.end_reason) == (ENDS_ON, Post.EndReason.RESIGNED)
    assert post.end_note == change.reason
    assert post.history.first().history_user == decider
    assert [h.status for h in change.history.order_by("history_date")] == [
        "requested",
        "approved",
    ]
    assert change.history.order_by("history_date").first().history_user == asker
    with pytest.raises(ValidationError):
        decide(decider, change)


def test_return_with_a_note_then_revise_and_approve(staff, district_reviewer):
    post = secretary_post()
    change = ask(staff, post)
    with pytest.raises(ValidationError) as error:
        decide(district_reviewer, change, approve=False)
    assert "reason" in error.value.message_dict
    decide(district_reviewer, change, approve=False, note="缺少镇党委会议纪要")
    change.refresh_from_db()
    assert change.status == SecretaryChange.Status.RETURNED
    with pytest.raises(ValidationError):
        decide(district_reviewer, change)  # a returned request waits for the township
    # Returned is still in progress: no second request for the same post.
    with pytest.raises(ValidationError):
        ask(staff, post)

    services.secretary_change_revise(
        actor=staff,
        change=change,
        ends_on=dt.date(2026, 4, 1),
        end_reason=Post.EndReason.TRANSFERRED,
        reason="调任镇机关工作，附镇党委会议纪要。",
        successor="",
        documents=[pdf("会议纪要.pdf")],
    )
    change.refresh_from_db()
    assert change.status == SecretaryChange.Status.REQUESTED
    assert change.documents.count() == 2
    with pytest.raises(ValidationError):
        services.secretary_change_revise(
            actor=staff,
            change=change,
            ends_on=dt.date(2026, 4, 1),
            end_reason="transferred",
            reason="x",
        )  # only a returned one is revised
    decide(district_reviewer, change)
    post.refresh_from_db()
    assert (post.ended_on, post.end_reason) == (dt.date(2026, 4, 1), "transferred")
    statuses = [h.status for h in change.history.order_by("history_date")]
    assert statuses == ["requested", "returned", "requested", "approved"]


@pytest.mark.parametrize("returned_first", [False, True])
def test_township_withdraws_with_a_reason(staff, district_reviewer, returned_first):
    post = secretary_post()
    change = ask(staff, post)
    if returned_first:
        decide(district_reviewer, change, approve=False, note="请补充材料")
    with pytest.raises(ValidationError) as error:
        services.secretary_change_withdraw(actor=staff, change=change, reason=" ")
    assert "reason" in error.value.message_dict
    services.secretary_change_withdraw(actor=staff, change=change, reason="本人撤回辞职申请")
    change.refresh_from_db()
    assert (change.status, change.withdraw_reason) == ("withdrawn", "本人撤回辞职申请")
    with pytest.raises(ValidationError):
        decide(district_reviewer, change)
    with pytest.raises(ValidationError):
        services.secretary_change_withdraw(actor=staff, change=change, reason="再撤")
    post.refresh_from_db()
    assert post.ended_on is None
    assert ask(staff, post).status == "requested"  # a new request may follow


def test_each_role_and_township(
    staff, other_staff, township_reviewer, district_reviewer, department_user, sysadmin
):
    post = secretary_post()
    for user in (other_staff, district_reviewer, department_user, sysadmin):
        with pytest.raises(PermissionDenied):
            ask(user, post)
    change = ask(staff, post)
    for user in (staff, township_reviewer, other_staff, department_user):
        with pytest.raises(PermissionDenied):
            decide(user, change)
    for user in (other_staff, district_reviewer, department_user):
        with pytest.raises(PermissionDenied):
            services.secretary_change_withdraw(actor=user, change=change, reason="撤回")
    decide(district_reviewer, change, approve=False, note="退回")
    for user in (other_staff, district_reviewer):
        with pytest.raises(PermissionDenied):
            services.secretary_change_revise(
                actor=user, change=change, ends_on=ENDS_ON, end_reason="resigned", reason="改"
            )
    # 环通乡's staff ask for 环通乡's secretary.
    assert ask(other_staff, secretary_post(other_village())).status == "requested"


def test_bad_input_is_refused_with_the_field_named_and_nothing_written(staff):
    post = secretary_post()
    cases = [
        ({"reason": "  "}, "reason"),
        ({"ends_on": post.term_start - dt.timedelta(days=1)}, "ends_on"),
        ({"end_reason": "fired"}, "end_reason"),
        ({"documents": []}, "documents"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationError) as error:
            ask(staff, post, **values)
        assert field in error.value.message_dict, values
    member = cadre(post.village).posts.get()
    with pytest.raises(ValidationError) as error:
        ask(staff, member)
    assert "post" in error.value.message_dict
    deputy = cadre(post.village, body="party_branch", title="deputy_secretary").posts.get()
    with pytest.raises(ValidationError):
        ask(staff, deputy)
    ended = secretary_post()
    ended.ended_on, ended.end_reason = dt.date(2025, 1, 1), "resigned"
    ended.save()
    with pytest.raises(ValidationError) as error:
        ask(staff, ended)
    assert "post" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        ask(staff, secretary_post(other_village()))
    assert not SecretaryChange.objects.exists()
    assert not post.village.secretary_changes.exists()


def test_a_failed_approval_leaves_nothing_half_written(staff, district_reviewer):
    post = secretary_post()
    change = ask(staff, post)

    def refuse(**kwargs):
        raise RuntimeError("a listener of post_ended failed")

    signals.post_ended.connect(refuse, weak=False)
    try:
        with pytest.raises(RuntimeError):
            decide(district_reviewer, change)
    finally:
        signals.post_ended.disconnect(refuse)
    change.refresh_from_db()
    post.refresh_from_db()
    assert change.status == SecretaryChange.Status.REQUESTED
    assert change.decided_by is None
    assert post.ended_on is None
    # The post ended meanwhile (the district removed the secretary): approval is refused.
    post_end(actor=district_reviewer, post=post, ended_on=ENDS_ON, reason="removed")
    with pytest.raises(ValidationError):
        decide(district_reviewer, change)
    change.refresh_from_db()
    assert change.status == SecretaryChange.Status.REQUESTED


# No way around the request ---------------------------------------------------------------------


def test_township_roles_cannot_end_a_secretary_post_directly(
    staff, township_reviewer, district_reviewer
):
    post = secretary_post()
    for user in (staff, township_reviewer):
        with pytest.raises(ValidationError) as error:
            post_end(actor=user, post=post, ended_on=ENDS_ON, reason="resigned")
        assert "村党组织书记" in error.value.messages[0]
        assert "书记调整申请" in error.value.messages[0]
    post.refresh_from_db()
    assert post.ended_on is None
    # Other posts still end through the register, secretaries through the district.
    member = cadre(post.village).posts.get()
    post_end(actor=staff, post=member, ended_on=ENDS_ON, reason="resigned")
    post_end(actor=district_reviewer, post=post, ended_on=ENDS_ON, reason="recalled")
    post.refresh_from_db()
    assert post.end_reason == "recalled"


def test_end_post_page_sends_township_roles_to_the_request(client, staff, sysadmin):
    post = secretary_post()
    url = reverse("cadres:post_end", args=[post.pk])
    client.force_login(staff)
    request_url = reverse("cadres:records:change_create", args=[post.pk])
    assert client.get(url).headers["Location"] == request_url
    response = client.post(url, {"ended_on": "2026-03-01", "reason": "resigned"})
    assert response.headers["Location"] == request_url
    post.refresh_from_db()
    assert post.ended_on is None
    profile = client.get(reverse("cadres:detail", args=[post.person_id])).text
    assert request_url in profile
    assert url not in profile
    # The system administrator (a district role) ends it on the page.
    client.force_login(sysadmin)
    assert url in client.get(reverse("cadres:detail", args=[post.person_id])).text
    assert client.post(url, {"ended_on": "2026-03-01", "reason": "resigned"}).status_code == 302
    post.refresh_from_db()
    assert post.ended_on == ENDS_ON


def test_district_removal_still_ends_a_secretary(district_reviewer):
    person = secretary(name="马刚", id_number=make_id_number(dt.date(1979, 9, 9), 40))
    import_list(
        district_reviewer,
        [{"name": person.name, "id_number": person.id_number, "measure": "有期徒刑三年"}],
        kind=WatchlistSource.Kind.CRIMINAL,
    )
    run_inline()
    hit = Hit.objects.get(person=person)
    review.hit_confirm(actor=district_reviewer, hit=hit, reason="身份证号一致，系本人")
    case = RemovalCase.objects.get(hit=hit)
    # Separation of duties: whoever confirmed the hit does not decide the removal.
    decider = UserFactory(role="区级审核人")
    removal.removal_case_decide(actor=decider, case=case, remove=True, reason="依规清退")
    post = person.posts.get()
    assert (post.ended_on, post.end_reason) == (dt.date.today(), Post.EndReason.REMOVED)


# After approval: the new secretary's filing ------------------------------------------------------


def test_approved_change_opens_the_new_secretarys_filing(client, staff, district_reviewer):
    post = secretary_post()
    village = post.village
    change = ask(staff, post)
    unfiled = reverse("cadres:records:unfiled_list")
    client.force_login(staff)

    def listed():
        return {v.pk for v in client.get(unfiled).context["rows"]}

    services.secretary_filing_submit(
        actor=staff,
        village=village,
        filing_number="旧书记备案",
        filed_on=dt.date(2025, 1, 5),
        documents=[pdf()],
    )
    assert village.pk not in listed()
    decide(district_reviewer, change)
    assert village.pk in listed()  # no secretary now: awaiting the new one
    detail = client.get(reverse("cadres:records:change_detail", args=[change.pk])).text
    assert "新书记备案" in detail
    assert "未备案" in detail

    successor = PostFactory(
        village=village, body="party_branch", title="secretary", term_start=dt.date(2026, 3, 2)
    )
    assert village.pk in listed()
    detail = client.get(reverse("cadres:records:change_detail", args=[change.pk])).text
    assert successor.person.name in detail
    assert "未备案" in detail
    filing = services.secretary_filing_submit(
        actor=staff,
        village=village,
        filing_number="新书记备案",
        filed_on=dt.date(2026, 3, 5),
        documents=[pdf()],
    )
    assert village.pk not in listed()
    detail = client.get(reverse("cadres:records:change_detail", args=[change.pk])).text
    assert reverse("cadres:records:filing_detail", args=[filing.pk]) in detail
    assert filing.status == SecretaryFiling.Status.SUBMITTED


def test_waiting_items(staff, other_staff, township_reviewer, district_reviewer, sysadmin):
    today = dt.date.today()

    def counts(user):
        return {item.label: item.count for item in waiting_for(user, today)}

    change = ask(staff, secretary_post())
    ask(other_staff, secretary_post(other_village()))
    assert counts(district_reviewer)["待审批的书记调整申请"] == 2
    assert counts(sysadmin)["待审批的书记调整申请"] == 2
    assert counts(staff)["被区委组织部退回的书记调整申请"] == 0
    assert "待审批的书记调整申请" not in counts(staff)
    decide(district_reviewer, change, approve=False, note="补充材料")
    assert counts(staff)["被区委组织部退回的书记调整申请"] == 1
    assert counts(township_reviewer)["被区委组织部退回的书记调整申请"] == 1
    assert counts(other_staff)["被区委组织部退回的书记调整申请"] == 0
    assert counts(district_reviewer)["待审批的书记调整申请"] == 1
    unfiled = "村党组织书记未备案的村"
    before = counts(staff)[unfiled]
    services.secretary_change_revise(
        actor=staff, change=change, ends_on=ENDS_ON, end_reason="resigned", reason="已补充"
    )
    decide(district_reviewer, change)
    assert counts(staff)[unfiled] == before  # the same village, now without a secretary
    assert counts(other_staff)[unfiled] == 1


# Pages ---------------------------------------------------------------------------------------


def test_request_page_validates_in_chinese_and_submits(client, staff):
    post = secretary_post()
    url = reverse("cadres:records:change_create", args=[post.pk])
    client.force_login(staff)
    response = client.post(url, {"ends_on": "x", "end_reason": "resigned", "reason": ""})
    errors = response.context["form"].errors
    assert errors.keys() >= {"ends_on", "reason", "documents"}
    response = client.post(
        url,
        {
            "ends_on": "2020-01-01",
            "end_reason": "resigned",
            "reason": "辞职",
            "documents": [pdf()],
        },
    )
    assert "不能早于" in str(response.context["form"].errors["ends_on"])
    response = client.post(
        url,
        {
            "ends_on": "2026-03-01",
            "end_reason": "resigned",
            "reason": "辞职",
            "successor": "王建国",
            "documents": [pdf(), pdf("纪要.docx", b"docx")],
        },
    )
    change = SecretaryChange.objects.get()
    assert response.headers["Location"] == reverse("cadres:records:change_detail", args=[change.pk])
    assert change.documents.count() == 2
    # A request in progress: the form sends the township to it.
    assert client.get(url).headers["Location"] == response.headers["Location"]
    assert SecretaryChange.objects.count() == 1
    member = cadre(post.village).posts.get()
    response = client.post(
        reverse("cadres:records:change_create", args=[member.pk]),
        {"ends_on": "2026-03-01", "end_reason": "resigned", "reason": "辞职", "documents": [pdf()]},
    )
    assert "村党组织书记" in str(response.context["form"].non_field_errors())


def test_detail_actions_on_the_page(client, staff, district_reviewer):
    change = ask(staff, secretary_post())
    url = reverse("cadres:records:change_detail", args=[change.pk])
    client.force_login(staff)
    page = client.get(url).text
    assert "撤回申请" in page
    assert 'name="decision"' not in page
    assert client.post(url, {"action": "decide", "decision": "confirm"}).status_code == 403
    client.force_login(district_reviewer)
    page = client.get(url).text
    assert 'name="decision"' in page
    assert "data-confirm" in page
    assert client.post(url, {"action": "withdraw", "reason": "x"}).status_code == 403
    client.post(url, {"action": "decide", "decision": "return", "reason": ""})
    change.refresh_from_db()
    assert change.status == "requested"
    client.post(url, {"action": "decide", "decision": "return", "reason": "请补充会议纪要"})
    change.refresh_from_db()
    assert change.status == "returned"
    client.force_login(staff)
    data = {
        "action": "revise",
        "ends_on": "2026-05-01",
        "end_reason": "resigned",
        "reason": "已补充会议纪要",
    }
    client.post(url, data)
    change.refresh_from_db()
    assert (change.status, change.ends_on) == ("requested", dt.date(2026, 5, 1))
    client.force_login(district_reviewer)
    client.post(url, {"action": "decide", "decision": "confirm", "reason": ""})
    change.refresh_from_db()
    assert change.status == "approved"
    page = client.get(url).text
    for text in ("请补充会议纪要", "已补充会议纪要", "已通过", "已退回"):
        assert text in page


def test_pages_are_scoped_and_logged(
    client, staff, other_staff, district_reviewer, department_user, sysadmin
):
    own = ask(staff, secretary_post())
    other = ask(other_staff, secretary_post(other_village()))
    document = own.documents.get()
    client.force_login(staff)
    rows = client.get(reverse("cadres:records:change_list")).context["rows"]
    assert [c.pk for c in rows] == [own.pk]
    assert client.get(reverse("cadres:records:change_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("cadres:records:change_detail", args=[other.pk])).status_code == 404
    other_document = reverse("cadres:records:change_document", args=[other.documents.get().pk])
    assert client.get(other_document).status_code == 404
    other_post = reverse("cadres:records:change_create", args=[other.post_id])
    assert client.get(other_post).status_code == 404
    response = client.get(reverse("cadres:records:change_document", args=[document.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert AccessLogEntry.objects.filter(action="download", object_id=str(document.pk)).exists()
    for user in (district_reviewer, sysadmin):
        client.force_login(user)
        response = client.get(reverse("cadres:records:change_list") + "?status=requested")
        assert len(response.context["rows"]) == 2
        response = client.get(
            reverse("cadres:records:change_list") + f"?township={own.village.township_id}"
        )
        assert [c.pk for c in response.context["rows"]] == [own.pk]
        assert (
            client.get(reverse("cadres:records:change_create", args=[own.post_id])).status_code
            == 403
        )
    response = client.get(reverse("cadres:records:change_list") + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLogEntry.objects.filter(action="export").exists()
    client.force_login(department_user)
    for url in (
        reverse("cadres:records:change_list"),
        reverse("cadres:records:change_detail", args=[own.pk]),
        reverse("cadres:records:change_document", args=[document.pk]),
    ):
        assert client.get(url).status_code == 403


# Races ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_give_one(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: a second writer fails with 'database is locked'")
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    reviewers = [UserFactory(role="区级审核人") for _ in range(2)]
    post = secretary_post()
    change = ask(staff, post)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(reviewer):
        try:
            barrier.wait()
            decide(reviewer, change)
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    change.refresh_from_db()
    assert change.status == SecretaryChange.Status.APPROVED
    assert change.history.filter(status="approved").count() == 1
    post.refresh_from_db()
    assert post.ended_on == ENDS_ON
    assert post.history.exclude(ended_on=None).count() == 1
