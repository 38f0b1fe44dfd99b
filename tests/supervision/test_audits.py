import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cadres.models import Post
from cadres.services import post_end
from supervision import selectors, services
from supervision.models import Audit
from tests.factories import PostFactory
from tests.querycount import assert_queries_flat
from tests.supervision.factories import AuditFactory

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 27)


def due(user):
    return {(p.pk, p.due_kind) for p in selectors.posts_due_for_audit(user, ON)}


def test_ended_post_through_the_register_plans_its_departure_audit(staff, cadre_post):
    post_end(actor=staff, post=cadre_post, ended_on=dt.date(2026, 6, 1), reason="resigned")
    audit = Audit.objects.get(post=cadre_post)
    assert audit.kind == Audit.Kind.DEPARTURE
    assert audit.status == Audit.Status.PLANNED
    assert audit.village == cadre_post.village
    assert due(staff) == set()


def test_ended_post_without_the_signal_is_found_by_query(staff, cadre_post):
    Post.objects.filter(pk=cadre_post.pk).update(
        ended_on=dt.date(2026, 6, 1), end_reason=Post.EndReason.RECALLED
    )
    assert due(staff) == {(cadre_post.pk, Audit.Kind.DEPARTURE)}


def test_term_expired_while_serving_calls_for_a_term_end_audit(staff, village):
    expired = PostFactory(
        village=village, term_start=dt.date(2021, 11, 1), term_end=dt.date(2026, 11, 1)
    )
    PostFactory(village=village, term_start=dt.date(2021, 12, 1), term_end=dt.date(2026, 12, 1))
    assert due(staff) == {(expired.pk, Audit.Kind.TERM_END)}


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("term_expired", Audit.Kind.TERM_END),
        # A roster that renews a village: a general election ends the term, an adjustment
        # is a departure during it.
        ("election", Audit.Kind.TERM_END),
        ("adjustment", Audit.Kind.DEPARTURE),
    ],
)
def test_post_ended_at_term_end_calls_for_a_term_end_audit(staff, cadre_post, reason, kind):
    post_end(actor=staff, post=cadre_post, ended_on=dt.date(2026, 11, 1), reason=reason)
    assert Audit.objects.get(post=cadre_post).kind == kind
    Audit.objects.all().delete()
    assert due(staff) == {(cadre_post.pk, kind)}


def test_already_audited_and_unaudited_bodies_are_excluded(staff, village):
    audited = PostFactory(village=village, term_end=dt.date(2026, 11, 1))
    AuditFactory(
        kind=Audit.Kind.TERM_END, post=audited, village=village, period_start=None, period_end=None
    )
    PostFactory(
        village=village,
        body=Post.Body.SUPERVISION_COMMITTEE,
        title=Post.Title.MEMBER,
        term_end=dt.date(2026, 11, 1),
    )
    assert due(staff) == set()


def test_due_posts_are_scoped(other_staff, village):
    PostFactory(village=village, term_end=dt.date(2026, 11, 1))
    assert due(other_staff) == set()


def test_due_list_query_count_does_not_grow(staff, village):
    def add_posts():
        for _ in range(5):
            PostFactory(village=village, term_end=dt.date(2026, 11, 1))

    def read():
        rows = list(selectors.posts_due_for_audit(staff, ON))
        return [(str(p.person), p.village.township.name) for p in rows]

    add_posts()
    assert len(assert_queries_flat(read, add_posts)) == 10


def test_financial_audit_and_its_completion(staff, village):
    audit = services.audit_create(
        actor=staff,
        kind=Audit.Kind.FINANCIAL,
        village=village,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        auditor="区农村经济管理总站",
    )
    audit = services.audit_update(
        actor=staff,
        audit=audit,
        status=Audit.Status.COMPLETED,
        auditor="区农村经济管理总站",
        findings="白条入账3笔",
        amount_questioned=Decimal("12345.60"),
        conclusion="基本规范",
        completed_on=dt.date(2026, 3, 1),
    )
    assert audit.amount_questioned == Decimal("12345.60")


def test_negative_amount_is_refused(staff, village):
    audit = AuditFactory(village=village)
    with pytest.raises(ValidationError) as error:
        services.audit_update(
            actor=staff,
            audit=audit,
            status=Audit.Status.IN_PROGRESS,
            auditor="",
            findings="",
            amount_questioned=Decimal("-1"),
            conclusion="",
        )
    assert "amount_questioned" in error.value.message_dict
    audit.refresh_from_db()
    assert audit.status == Audit.Status.PLANNED


def test_financial_period_must_not_end_before_it_starts(staff, village):
    with pytest.raises(ValidationError) as error:
        services.audit_create(
            actor=staff,
            kind=Audit.Kind.FINANCIAL,
            village=village,
            period_start=dt.date(2025, 12, 1),
            period_end=dt.date(2025, 1, 1),
        )
    assert "period_end" in error.value.message_dict


def test_audit_of_another_townships_post_is_refused(staff, other_village):
    post = PostFactory(village=other_village)
    with pytest.raises(PermissionDenied):
        services.audit_create(actor=staff, kind=Audit.Kind.DEPARTURE, post=post)


def test_attachment_types_are_checked(staff, village, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    audit = AuditFactory(village=village)
    attachment = services.audit_attach(
        actor=staff, audit=audit, upload=SimpleUploadedFile("审计报告.pdf", b"%PDF-1.4 x")
    )
    assert attachment.original_name == "审计报告.pdf"
    assert "审计报告" not in attachment.file.name
    with pytest.raises(ValidationError):
        services.audit_attach(
            actor=staff, audit=audit, upload=SimpleUploadedFile("run.html", b"<script>")
        )
