"""Handovers (移交, issue 23): opened when a general election ends a post, the incoming holder
found from the register, items with documents, three confirmations with separation of duties,
overdue handovers, township scoping."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cadres import signals
from cadres.models import AccessLogEntry, Post
from cadres.services import post_end
from dongchang.todo import items_for, overdue_by_township, todo_deadlines_replace
from supervision import selectors, services
from supervision.models import Audit, Handover, HandoverDocument, HandoverLine
from supervision.services import HandoverSide
from tests.factories import PostFactory, UserFactory, VillagerGroupFactory
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db

ENDED = dt.date(2026, 11, 20)
NEW_TERM = dt.date(2026, 11, 20)


def pdf(name: str = "公章移交清单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 handover", content_type="application/pdf")


def zh(error) -> str:
    """A service's refusal, in the site's language."""
    with translation.override("zh-hans"):
        return " ".join(error.value.messages)


def elected_out(staff, post) -> Handover:
    post_end(actor=staff, post=post, ended_on=ENDED, reason=Post.EndReason.ELECTION)
    return Handover.objects.get(outgoing_post=post)


@pytest.fixture
def director(village):
    return PostFactory(village=village, title=Post.Title.DIRECTOR)


@pytest.fixture
def handover(staff, director):
    return elected_out(staff, director)


def line(actor, handover, **extra) -> HandoverLine:
    return services.handover_line_add(
        actor=actor,
        handover=handover,
        kind=extra.pop("kind", HandoverLine.Kind.SEAL),
        description=extra.pop("description", "村民委员会印章"),
        **extra,
    )


# Opening ------------------------------------------------------------------------------------


def test_an_election_opens_the_handover_with_the_departure_audit(staff, director):
    handover = elected_out(staff, director)
    assert handover.village == director.village
    assert handover.opened_by is None
    assert handover.state == Handover.State.OPEN
    assert handover.due_on == ENDED + dt.timedelta(days=selectors.HANDOVER_DAYS)
    assert Audit.objects.filter(post=director).exists()  # the audit's receiver still runs


def test_the_due_date_follows_the_districts_rule_and_stays_when_it_changes(
    staff, director, village
):
    district = UserFactory(role="区级审核人")
    todo_deadlines_replace(actor=district, handover_days=15, note="交接期限延至15天")
    handover = elected_out(staff, director)
    assert handover.due_on == ENDED + dt.timedelta(days=15)
    todo_deadlines_replace(actor=district, handover_days=5, note="交接期限缩短")
    handover.refresh_from_db()
    assert handover.due_on == ENDED + dt.timedelta(days=15)
    later = PostFactory(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.MEMBER)
    assert elected_out(staff, later).due_on == ENDED + dt.timedelta(days=5)


def test_one_signal_opens_every_handover_and_audit_in_constant_queries(staff, village):
    """A general election ends a whole team at once: the handovers and audits of twelve posts
    cost the queries of two."""

    def team(size):
        return [
            PostFactory(village=village, body=Post.Body.VILLAGERS_COMMITTEE) for _ in range(size)
        ]

    def opened(posts):
        for post in posts:
            post.ended_on, post.end_reason = ENDED, Post.EndReason.ELECTION
        Post.objects.bulk_update(posts, ["ended_on", "end_reason"])
        with CaptureQueriesContext(connection) as queries:
            signals.post_ended.send(sender=Post, posts=posts)
        return len(queries)

    opened(team(1))  # warms the caches
    small, large = team(2), team(12)
    assert opened(large) <= opened(small)
    assert Handover.objects.filter(outgoing_post__in=large).count() == 12
    assert Audit.objects.filter(post__in=large, kind=Audit.Kind.TERM_END).count() == 12


@pytest.mark.parametrize("reason", ["resigned", "term_expired", "adjustment", "removed"])
def test_other_ends_open_no_handover(staff, director, reason):
    post_end(actor=staff, post=director, ended_on=ENDED, reason=reason)
    assert not Handover.objects.exists()
    assert director in selectors.handover_posts(staff)  # township staff may open one


def test_a_group_leader_ended_by_an_election_is_handed_over_by_hand(staff, village):
    leader = PostFactory(
        village=village,
        body=Post.Body.VILLAGER_GROUP,
        title=Post.Title.GROUP_LEADER,
        villager_group=VillagerGroupFactory(village=village),
    )
    post_end(actor=staff, post=leader, ended_on=ENDED, reason=Post.EndReason.ELECTION)
    assert not Handover.objects.exists()


def test_the_signal_sent_again_opens_no_second_handover(staff, director):
    handover = elected_out(staff, director)
    director.refresh_from_db()
    assert services.handovers_open_for_ended_posts(posts=[director]) == []
    assert Handover.objects.get() == handover
    assert Handover.objects.count() == 1


def test_staff_open_a_handover_by_hand_for_another_end(staff, director):
    post_end(actor=staff, post=director, ended_on=ENDED, reason="resigned")
    handover = services.handover_open(actor=staff, post=director, due_on=dt.date(2026, 12, 1))
    assert handover.opened_by == staff
    assert handover.history.first().history_user == staff
    with pytest.raises(ValidationError) as error:
        services.handover_open(actor=staff, post=director, due_on=dt.date(2026, 12, 1))
    assert "该职务的移交已经开启" in zh(error)


def test_a_serving_post_or_an_early_due_date_is_refused(staff, director, village):
    with pytest.raises(ValidationError) as error:
        services.handover_open(actor=staff, post=director, due_on=dt.date(2026, 12, 1))
    assert "该职务尚未结束" in zh(error)
    post_end(actor=staff, post=director, ended_on=ENDED, reason="resigned")
    with pytest.raises(ValidationError) as error:
        services.handover_open(actor=staff, post=director, due_on=ENDED - dt.timedelta(days=1))
    assert "2026-11-20" in zh(error)
    assert not Handover.objects.exists()


def test_opening_by_hand_is_for_the_own_township_and_township_roles(
    staff, other_staff, district_reviewer, department_user, director
):
    post_end(actor=staff, post=director, ended_on=ENDED, reason="resigned")
    for user in (other_staff, district_reviewer, department_user):
        with pytest.raises(PermissionDenied):
            services.handover_open(actor=user, post=director, due_on=dt.date(2026, 12, 1))
    assert not selectors.handover_posts(other_staff).exists()


# The incoming holder ---------------------------------------------------------------------------


def test_the_successor_is_found_when_the_new_post_starts_after_the_handover(staff, handover):
    assert handover.incoming_person is None
    successor = PostFactory(
        village=handover.village, title=Post.Title.DIRECTOR, term_start=NEW_TERM
    )
    row = selectors.handovers(staff).get(pk=handover.pk)
    assert (row.resolved_post_id, row.resolved_person_id) == (successor.pk, successor.person_id)
    # Stored at the next write.
    line(staff, handover)
    handover.refresh_from_db()
    assert (handover.incoming_post, handover.incoming_person) == (successor, successor.person)


def test_a_successor_already_in_office_is_stored_at_the_opening(staff, director):
    successor = PostFactory(
        village=director.village, title=Post.Title.DEPUTY_DIRECTOR, term_start=NEW_TERM
    )
    deputy = PostFactory(village=director.village, title=Post.Title.DEPUTY_DIRECTOR)
    handover = elected_out(staff, deputy)
    assert handover.incoming_person == successor.person
    assert not Handover.objects.filter(outgoing_post=director).exists()


def test_earlier_posts_other_titles_and_villages_are_not_successors(staff, handover, village):
    PostFactory(village=village, title=Post.Title.DIRECTOR, body=Post.Body.SUPERVISION_COMMITTEE)
    PostFactory(village=village, title=Post.Title.MEMBER, term_start=NEW_TERM)
    PostFactory(title=Post.Title.DIRECTOR, term_start=NEW_TERM)  # another village
    PostFactory(  # began before the post ended
        village=village, title=Post.Title.DIRECTOR, term_start=dt.date(2021, 12, 1),
        ended_on=dt.date(2022, 1, 1), end_reason="resigned",
    )  # fmt: skip
    assert selectors.handovers(staff).get(pk=handover.pk).resolved_person_id is None


def test_several_fitting_posts_are_left_for_staff_to_name(staff, village):
    member = PostFactory(village=village)
    handover = elected_out(staff, member)
    first = PostFactory(village=village, term_start=NEW_TERM)
    PostFactory(village=village, term_start=NEW_TERM)
    row = selectors.handovers(staff).get(pk=handover.pk)
    assert (row.candidate_count, row.resolved_person_id) == (2, None)
    services.handover_update(
        actor=staff, handover=handover, due_on=handover.due_on, incoming_post=first
    )
    handover.refresh_from_db()
    assert handover.incoming_person == first.person
    assert selectors.handovers(staff).get(pk=handover.pk).resolved_post_id == first.pk


def test_naming_a_stranger_or_the_outgoing_holder_is_refused(staff, handover, other_village):
    stranger = PostFactory(village=other_village).person
    with pytest.raises(ValidationError) as error:
        services.handover_update(
            actor=staff, handover=handover, due_on=handover.due_on, incoming_person=stranger
        )
    assert "从未在" in zh(error)
    with pytest.raises(ValidationError) as error:
        services.handover_update(
            actor=staff,
            handover=handover,
            due_on=handover.due_on,
            incoming_person=handover.outgoing_post.person,
        )
    assert error.value.message_dict.keys() == {"incoming_person"}


# Items and documents ------------------------------------------------------------------------------


def test_an_item_with_its_document_is_downloaded_in_the_township_only(
    client, staff, other_staff, handover
):
    item = line(
        staff,
        handover,
        kind=HandoverLine.Kind.ACCOUNTS,
        description="2021—2026年会计凭证",
        quantity=12,
        notes="装订成册",
        document=pdf("账目清单.pdf"),
    )
    document = HandoverDocument.objects.get(line=item)
    assert (document.uploaded_by, document.content_type) == (staff, "application/pdf")
    url = reverse("supervision:handover_document", args=[document.pk])
    client.force_login(other_staff)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 handover"
    assert AccessLogEntry.objects.filter(user=staff, action="download").exists()


def test_a_program_is_not_a_document_and_nothing_is_added(staff, handover):
    program = SimpleUploadedFile("清单.pdf", b"MZ\x90\x00\x03", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        line(staff, handover, document=program)
    assert "document" in error.value.message_dict
    assert not HandoverLine.objects.exists()


def test_a_quantity_below_one_is_refused(staff, handover):
    with pytest.raises(ValidationError) as error:
        line(staff, handover, quantity=0)
    assert "quantity" in error.value.message_dict


def test_changing_the_list_withdraws_the_holders_confirmations(staff, handover):
    item = line(staff, handover)
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.OUTGOING)
    line(staff, handover, kind=HandoverLine.Kind.ASSETS, description="办公电脑", quantity=2)
    handover.refresh_from_db()
    assert handover.outgoing_confirmed_at is None
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.OUTGOING)
    services.handover_line_remove(actor=staff, line=item)
    handover.refresh_from_db()
    assert handover.outgoing_confirmed_at is None
    assert handover.lines.count() == 1
    # The history keeps the confirmation that was withdrawn.
    assert handover.history.filter(outgoing_confirmed_by=staff).exists()


# Confirmations ---------------------------------------------------------------------------------


@pytest.fixture
def with_successor(handover):
    successor = PostFactory(
        village=handover.village, title=Post.Title.DIRECTOR, term_start=NEW_TERM
    )
    return handover, successor


def test_three_confirmations_complete_and_lock_the_handover(
    staff, township_reviewer, with_successor
):
    handover, successor = with_successor
    line(staff, handover)
    with pytest.raises(ValidationError) as error:
        services.handover_confirm(
            actor=township_reviewer, handover=handover, side=HandoverSide.WITNESS
        )
    assert "两方" in zh(error)
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.OUTGOING)
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.INCOMING)
    handover = services.handover_confirm(
        actor=township_reviewer, handover=handover, side=HandoverSide.WITNESS
    )
    assert handover.state == Handover.State.COMPLETED
    assert handover.completed_on is not None
    assert (handover.outgoing_confirmed_by, handover.incoming_confirmed_by) == (staff, staff)
    assert handover.witness == township_reviewer
    assert handover.incoming_person == successor.person
    assert handover not in selectors.overdue_handovers(staff, dt.date(2027, 6, 1))
    for attempt in (
        lambda: line(staff, handover),
        lambda: services.handover_update(actor=staff, handover=handover, due_on=handover.due_on),
        lambda: services.handover_line_remove(actor=staff, line=handover.lines.get()),
        lambda: services.handover_confirm(
            actor=staff, handover=handover, side=HandoverSide.OUTGOING
        ),
    ):
        with pytest.raises(ValidationError) as error:
            attempt()
        assert "已完成" in zh(error)


def test_whoever_recorded_the_items_may_not_witness(staff, township_reviewer, with_successor):
    handover, _successor = with_successor
    line(staff, handover)
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.OUTGOING)
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.INCOMING)
    assert not services.may_witness(staff, handover)
    with pytest.raises(PermissionDenied) as error:
        services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.WITNESS)
    with translation.override("zh-hans"):
        assert "不能担任监交人" in str(error.value)
    # Also who removed an item, or uploaded a document.
    item = line(township_reviewer, handover, description="旧印章")
    services.handover_line_remove(actor=township_reviewer, line=item)
    assert not services.may_witness(township_reviewer, handover)
    assert Handover.objects.get(pk=handover.pk).state == Handover.State.OPEN


def test_the_incoming_holder_confirms_once_known(staff, handover):
    line(staff, handover)
    with pytest.raises(ValidationError) as error:
        services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.INCOMING)
    assert "接收人" in zh(error)
    with pytest.raises(ValidationError):
        services.handover_confirm(actor=staff, handover=handover, side="someone")


def test_nobody_confirms_an_empty_list(staff, handover):
    with pytest.raises(ValidationError) as error:
        services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.OUTGOING)
    assert "移交清单" in zh(error)


def test_district_roles_departments_and_other_townships_do_not_touch_a_handover(
    staff, other_staff, district_reviewer, department_user, system_admin, handover
):
    line(staff, handover)
    for user in (other_staff, district_reviewer, department_user, system_admin):
        with pytest.raises(PermissionDenied):
            line(user, handover)
        with pytest.raises(PermissionDenied):
            services.handover_confirm(actor=user, handover=handover, side=HandoverSide.OUTGOING)
    superuser = UserFactory(is_superuser=True)
    handover.refresh_from_db()
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.OUTGOING)
    PostFactory(village=handover.village, title=Post.Title.DIRECTOR, term_start=NEW_TERM)
    services.handover_confirm(actor=staff, handover=handover, side=HandoverSide.INCOMING)
    # A district-wide account is no township witness, whatever its permissions.
    with pytest.raises(PermissionDenied):
        services.handover_confirm(actor=superuser, handover=handover, side=HandoverSide.WITNESS)


# Overdue ----------------------------------------------------------------------------------------


def test_overdue_handovers_are_open_past_their_due_date_and_scoped(
    staff, other_staff, district_reviewer, handover
):
    due = handover.due_on
    assert list(selectors.overdue_handovers(staff, due)) == []  # the due day is in time
    assert list(selectors.overdue_handovers(staff, due + dt.timedelta(days=1))) == [handover]
    assert list(selectors.overdue_handovers(district_reviewer, due + dt.timedelta(days=1))) == [
        handover
    ]
    assert list(selectors.overdue_handovers(other_staff, due + dt.timedelta(days=1))) == []


# Pages ----------------------------------------------------------------------------------------


def test_the_list_filters_overdue_and_exports(client, staff, handover, village):
    open_in_time = elected_out(staff, PostFactory(village=village))
    Handover.objects.filter(pk=open_in_time.pk).update(due_on=dt.date(2099, 1, 1))
    client.force_login(staff)
    url = reverse("supervision:handover_list")
    response = client.get(url, {"state": "overdue"})
    assert response.status_code == 200
    assert [h.pk for h in response.context["rows"]] == [handover.pk]
    assert "逾期" in response.content.decode()
    assert len(client.get(url).context["rows"]) == 2
    export = client.get(url, {"format": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_list_reads_a_constant_number_of_queries(client, staff, village):
    client.force_login(staff)
    url = reverse("supervision:handover_list")

    def add():
        for _ in range(3):
            post = PostFactory(village=village)
            handover = elected_out(staff, post)
            line(staff, handover)
            PostFactory(village=village, term_start=NEW_TERM)

    add()
    response = assert_queries_flat(lambda: client.get(url), add)
    assert len(response.context["rows"]) == 6


def test_the_detail_page_reads_a_constant_number_of_queries(client, staff, handover):
    client.force_login(staff)
    url = reverse("supervision:handover_detail", args=[handover.pk])

    def add():
        for number in range(3):
            line(staff, handover, description=f"档案{number}", document=pdf(f"清单{number}.pdf"))

    add()
    response = assert_queries_flat(lambda: client.get(url), add)
    assert response.status_code == 200


def test_the_pages_by_role_and_township(
    client, staff, other_staff, department_user, district_reviewer, handover
):
    detail = reverse("supervision:handover_detail", args=[handover.pk])
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    confirm = reverse("supervision:handover_confirm", args=[handover.pk, "outgoing"])
    assert client.post(confirm).status_code == 404
    assert Handover.objects.get(pk=handover.pk).outgoing_confirmed_at is None
    assert list(client.get(reverse("supervision:handover_list")).context["rows"]) == []
    client.force_login(department_user)
    assert client.get(reverse("supervision:handover_list")).status_code == 403
    assert client.get(detail).status_code == 404
    client.force_login(district_reviewer)
    page = client.get(detail)
    assert page.status_code == 200
    assert "登记确认" not in page.content.decode()  # read-only
    assert client.get(reverse("supervision:handover_edit", args=[handover.pk])).status_code == 403


def test_the_confirmations_through_the_pages(client, staff, township_reviewer, with_successor):
    handover, successor = with_successor
    client.force_login(staff)
    response = client.post(
        reverse("supervision:handover_line_add", args=[handover.pk]),
        {"kind": "seal", "description": "村民委员会印章", "quantity": 1, "document": pdf()},
    )
    assert response.status_code == 302
    for side in ("outgoing", "incoming"):
        client.post(reverse("supervision:handover_confirm", args=[handover.pk, side]))
    page = client.get(reverse("supervision:handover_detail", args=[handover.pk])).content.decode()
    assert successor.person.name in page
    assert "监交人（签字）" in page  # the A4 print's signature lines
    # The staff who recorded the items is refused the witness.
    refused = client.post(reverse("supervision:handover_confirm", args=[handover.pk, "witness"]))
    assert refused.status_code == 403
    client.force_login(township_reviewer)
    client.post(reverse("supervision:handover_confirm", args=[handover.pk, "witness"]))
    assert Handover.objects.get(pk=handover.pk).state == Handover.State.COMPLETED
    edit = client.get(reverse("supervision:handover_edit", args=[handover.pk]))
    assert edit.status_code == 302


def test_an_item_form_with_errors_says_what_is_wrong_in_chinese(client, staff, handover):
    client.force_login(staff)
    response = client.post(
        reverse("supervision:handover_line_add", args=[handover.pk]),
        {"kind": "seal", "description": "", "quantity": 0},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "这个字段是必填项" in errors["description"][0]
    assert set(errors) == {"description", "quantity"}
    assert not HandoverLine.objects.exists()


def test_open_by_hand_through_the_page(client, staff, director):
    post_end(actor=staff, post=director, ended_on=ENDED, reason="resigned")
    client.force_login(staff)
    url = reverse("supervision:handover_create")
    form = client.get(url, {"post": director.pk}).context["form"]
    assert form.initial["post"] == director
    response = client.post(url, {"post": director.pk, "due_on": "2026-12-10"})
    handover = Handover.objects.get(outgoing_post=director)
    assert response.url == reverse("supervision:handover_detail", args=[handover.pk])
    assert client.get(url, {"post": "abc"}).status_code == 404


def test_open_handovers_are_to_do_items_marked_overdue_and_counted_for_the_district(
    staff, other_staff, district_reviewer, handover
):
    late = handover.due_on + dt.timedelta(days=2)
    items = [item for item in items_for(staff, late) if item.kind == "handover"]
    assert [(item.key, item.overdue, item.days_overdue) for item in items] == [
        (f"handover:{handover.pk}", True, 2)
    ]
    assert items[0].url == reverse("supervision:handover_detail", args=[handover.pk])
    in_time = [item for item in items_for(staff, handover.due_on) if item.kind == "handover"]
    assert [item.overdue for item in in_time] == [False]
    assert not [item for item in items_for(other_staff, late) if item.kind == "handover"]
    table = overdue_by_township(district_reviewer, late)
    column = [code for code, _label in table.kinds].index("handover")
    counts = {name: cells[column] for name, cells, _total in table.rows}
    assert counts[handover.village.township.name] == 1
    assert sum(counts.values()) == 1
