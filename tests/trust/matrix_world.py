"""The permission matrix's world: one object of every kind in 金厂镇 ("own") and 环通乡 ("other").

Everything is made through the apps' services (as a superuser builder, which passes every
permission and township check) or their test factories. The other side's names and texts
carry MARKER, so a page that shows another township's data can be caught by a substring test.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cadres.error_workbook import ErrorWorkbook
from cadres.jobs import job_execute
from cadres.models import (
    EducationRecord,
    ImportFile,
    Job,
    Post,
    ResumeLine,
    RewardPunishment,
    StrictControlSource,
)
from cadres.person_details import person_detail_add, person_photo_store
from cadres.place_events import village_rename
from cadres.places import places_import_file, places_preview
from cadres.records import services as records
from cadres.roster_jobs import roster_stored_check
from cadres.services import import_file_store, person_strict_control_set, post_end
from dongchang.models import Notification
from dongchang.notifications import notification_add
from dongchang.reports import Month
from dongchang.services import REPORT_JOB, monthly_report_build
from supervision import services as supervision
from supervision.models import Audit, Handover, MisconductCase, SupervisionRecord
from tests.cadres_import.workbooks import roster_bytes, workbook_bytes
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import (
    PostFactory,
    RelativeFactory,
    UserFactory,
    VillageFactory,
    make_id_number,
    township,
)
from tests.training.factories import at
from tests.vetting.factories import import_list, run_inline
from tests.vetting_candidates.factories import all_pass, person_data, relative_data
from training import services as training
from training.models import Session
from training.signin_jobs import signin_preview_start
from vetting.models import CandidateCase, ElectionPlan, Hit, RemovalCase, WatchlistSource
from vetting.services import candidates, election, review

# Every name and text of the other township's objects contains this.
MARKER = "泄漏"
REPORT_MONTH = "2026-10"

ROLES = ("anonymous", "staff", "reviewer", "district", "department", "sysadmin")
TOWNSHIP_ROLES = ("staff", "reviewer")


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 matrix", content_type="application/pdf")


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("公开栏.png", buffer.getvalue(), content_type="image/png")


def xlsx(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@dataclass
class Side:
    """The objects of one township; attribute names are what the URL table refers to."""

    code: str
    label: str  # "" for 金厂镇, MARKER for 环通乡
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError as error:
            raise AttributeError(name) from error


@dataclass
class World:
    own: Side
    other: Side
    users: dict
    district: dict  # district-wide objects
    other_ids: list[str]  # full ID numbers of the other side's people (never on any page)

    @property
    def markers(self) -> list[str]:
        return [MARKER, *self.other_ids]


def _side(code: str, label: str, number: int, builder, uploader) -> Side:
    today = dt.date.today()
    side = Side(code=code, label=label)
    o = side.objects
    t = township(code)
    o["township"] = t
    o["village"] = VillageFactory(township=t, name=f"{label}东岗村" if label else "东岗村")
    secretary = PostFactory(
        village=o["village"],
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.SECRETARY,
        person__name=f"环通{label}" if label else "金厂书记",
        person__id_number=make_id_number(dt.date(1975, 5, number), number),
    )
    o["post"] = secretary
    o["person"] = secretary.person
    o["relative"] = RelativeFactory(
        cadre=secretary.person,
        name=f"{label}亲属" if label else "书记亲属",
        id_number=make_id_number(dt.date(1980, 6, number), number + 50, male=False),
    )
    text = f"{label}情况说明"
    # The register's detail rows and photo (cadres.person_details).
    person_photo_store(actor=builder, person=o["person"], upload=png())
    o["education_row"] = person_detail_add(
        actor=builder,
        person=o["person"],
        model=EducationRecord,
        kind=EducationRecord.Kind.FULL_TIME,
        level="high_school",
        school=f"{label}中学",
    )
    o["resume_row"] = person_detail_add(
        actor=builder, person=o["person"], model=ResumeLine, started_on=today, text=text
    )
    o["reward_row"] = person_detail_add(
        actor=builder,
        person=o["person"],
        model=RewardPunishment,
        kind=RewardPunishment.Kind.REWARD,
        decided_on=today,
        description=text,
    )

    # Management records (cadres/records).
    o["filing"] = records.secretary_filing_submit(
        actor=builder,
        village=o["village"],
        filing_number=f"东组备{number}号",
        filed_on=today,
        documents=[pdf()],
        note=text,
    )
    o["filing_document"] = o["filing"].documents.get()
    o["secretary_change"] = records.secretary_change_request(
        actor=builder,
        post=secretary,
        ends_on=today,
        end_reason=Post.EndReason.RESIGNED,
        reason=text,
        successor=f"{label}接任人",
        documents=[pdf()],
    )
    o["change_document"] = o["secretary_change"].documents.get()
    o["report"] = records.personal_report_submit(
        actor=builder,
        person=o["person"],
        village=o["village"],
        year=today.year,
        kind="annual",
        categories=[],
        content=text,
        reported_on=today,
    )
    o["roster"] = records.duty_roster_create(
        actor=builder,
        village=o["village"],
        period="week",
        starts_on=today,
        ends_on=today + dt.timedelta(days=6),
        note=text,
    )
    o["shift"] = records.duty_shift_add(
        actor=builder,
        roster=o["roster"],
        person=o["person"],
        date=today + dt.timedelta(days=1),
        start_time=dt.time(8),
        end_time=dt.time(17),
    )
    o["leave"] = records.leave_record(
        actor=builder,
        person=o["person"],
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=32),
        reason=text,
    )
    o["project"] = records.pioneer_project_claim(
        actor=builder,
        village=o["village"],
        year=today.year,
        title=f"{label}产业项目",
        goals=text,
        milestones=text,
    )
    progress = records.project_progress_add(
        actor=builder, project=o["project"], on=today, text=text, documents=[pdf()]
    )
    o["progress_document"] = progress.documents.get()
    o["evaluation"] = records.evaluation_record(
        actor=builder,
        person=o["person"],
        village=o["village"],
        year=today.year - 1,
        performance=Decimal("90"),
        discipline=Decimal("90"),
        reputation=Decimal("90"),
        evaluator=f"{label}镇党委",
        evaluated_on=today,
        comments=text,
    )
    # The candidate is the cadre's relative, so a recusal opens.
    o["candidate"] = records.party_candidate_add(
        actor=builder,
        village=o["village"],
        name=o["relative"].name,
        id_number=o["relative"].id_number,
        stage="applicant",
    )
    o["recusal"] = o["candidate"].recusals.get()

    # Training.
    o["round"] = training.round_create(
        actor=builder, title=f"{label}镇轮训", organizer=t, year=today.year, description=text
    )
    o["session"] = training.session_create(
        actor=builder,
        title=f"{label}镇培训班",
        kind=Session.Kind.CENTRALIZED,
        organizer=t,
        starts_at=at(today - dt.timedelta(days=3)),
        ends_at=at(today - dt.timedelta(days=3), 12),
        hours=Decimal("3"),
        lecturer=f"{label}讲师",
        place=f"{label}会议室",
        topics=text,
        reach=Session.Reach.TOWNSHIPS,
        townships=[t],
        round=o["round"],
    )
    training.roster_add_people(actor=builder, session=o["session"], people=[o["person"]])
    o["material"] = training.material_add(
        actor=builder, session=o["session"], upload=pdf(f"{label}课件.pdf")
    )
    o["study"] = training.daily_study_record(
        actor=builder, person=o["person"], topic=text, studied_on=today, hours=Decimal("1")
    )
    # The second row's status is no status, so the check keeps an error workbook to download.
    sheet = roster_bytes(
        [
            {"姓名": o["person"].name, "身份证号": o["person"].id_number, "签到情况": "已签到"},
            {"姓名": o["person"].name, "身份证号": o["person"].id_number, "签到情况": "迟到早退"},
        ],
        headers=("姓名", "身份证号", "签到情况"),
    )
    o["signin_file"], _ = signin_preview_start(
        actor=uploader, session=o["session"], upload=xlsx(sheet, "签到表.xlsx")
    )
    # The worker's check, which the preview shows.
    job_execute(job_id=o["signin_file"].job_id, attempt=o["signin_file"].job.attempt)

    # Supervision.
    o["supervision_record"] = supervision.record_create(
        actor=builder,
        tier=SupervisionRecord.Tier.TOWNSHIP_COMMITTEE,
        date=today - dt.timedelta(days=10),
        village=o["village"],
        kind=SupervisionRecord.Kind.INSPECTION,
        findings=text,
        cadres=[o["person"]],
        rectification=text,
        rectification_deadline=today - dt.timedelta(days=1),
    )
    o["audit"] = supervision.audit_create(
        actor=builder,
        kind=Audit.Kind.FINANCIAL,
        village=o["village"],
        period_start=dt.date(today.year - 1, 1, 1),
        period_end=dt.date(today.year - 1, 12, 31),
        auditor=f"{label}审计组",
    )
    o["attachment"] = supervision.audit_attach(
        actor=builder, audit=o["audit"], upload=pdf(f"{label}审计报告.pdf")
    )
    o["disclosure"] = supervision.disclosure_create(
        actor=builder,
        village=o["village"],
        kind="finance",
        period_day=today,
        content=text,
        published_on=today,
        channel="notice_board",
        photo=png(),
    )
    o["case"] = supervision.case_open(
        actor=builder,
        person=o["person"],
        village=o["village"],
        occurred_on=today,
        facts=text,
        category=MisconductCase.Category.FINANCE,
        source=MisconductCase.Source.COMPLAINT,
    )
    # A handover (移交) opened by the general election that ended a committee member's post,
    # with an item and its document.
    outgoing = PostFactory(
        village=o["village"],
        person__name=f"{label}移交人" if label else "金厂移交人",
        person__id_number=make_id_number(dt.date(1970, 3, number), number + 70),
    )
    post_end(actor=builder, post=outgoing, ended_on=today, reason=Post.EndReason.ELECTION)
    o["handover"] = Handover.objects.get(outgoing_post=outgoing)
    o["handover_line"] = supervision.handover_line_add(
        actor=builder,
        handover=o["handover"],
        kind="seal",
        description=text,
        document=pdf(f"{label}移交清单.pdf"),
    )
    o["handover_document"] = o["handover_line"].documents.get()

    # The register's roster import (kept, not confirmed).
    workbook = roster_bytes(
        [{"乡镇": t.name, "村": o["village"].name, "姓名": f"{label}新人" if label else "新人"}]
    )
    o["import_file"], _ = import_file_store(
        actor=uploader,
        upload=xlsx(workbook, "花名册.xlsx"),
        kind=ImportFile.Kind.ROSTER,
        township=t,
    )
    # The worker's check: the row lacks an ID number, so the file has its error workbook.
    roster_stored_check(record=o["import_file"], actor=uploader)
    # A finished job of the township, asked by its staff, with its result file.
    o["job"] = Job.objects.create(
        kind=REPORT_JOB,
        requested_by=uploader,
        township=t,
        state=Job.State.DONE,
        result_name="结果.xlsx",
    )
    o["job"].result_file.save("result", ContentFile(roster_bytes([])))
    return side


def _candidate_case(side: Side, staff, reviewer, users) -> None:
    """A nomination at district review, with the department (discipline) asked for its opinion."""
    label = side.label
    case = candidates.case_create(
        actor=staff,
        village=side.village,
        body=Post.Body.VILLAGERS_COMMITTEE,
        title=Post.Title.MEMBER,
        term_start=dt.date(2026, 12, 1),
        reason=f"{label}群众基础好",
        relatives=[relative_data(name=f"{label}亲戚" if label else "候选亲属")],
        **person_data(name=f"{label}候选人" if label else "金厂候选人"),
    )
    side.objects["case_attachment"] = candidates.case_attachment_add(
        actor=staff, case=case, upload=pdf(f"{label}推荐材料.pdf")
    )
    side.objects["case_relative"] = case.relatives.get()
    case = candidates.case_submit(actor=staff, case=case)
    candidates.case_checkpoints_record(actor=reviewer, case=case, verdicts=all_pass())
    case = candidates.case_forward(actor=reviewer, case=case)
    candidates.case_joint_review_open(
        actor=users["district"], case=case, departments=["discipline"]
    )
    side.objects["candidate_case"] = case
    # A nomination workbook, kept for its preview (shown to its uploader only).
    nominee = {
        "乡镇": side.township.name,
        "村": side.village.name,
        "姓名": f"{label}批量候选" if label else "批量候选",
        "身份证号": make_id_number(dt.date(1990, 1, 2), len(label) + 7),
        "拟任职务": "村民委员会委员",
        "任职时间": "2026-12-01",
        "推荐理由": f"{label}群众基础好",
    }
    sheet = roster_bytes([nominee], headers=list(nominee))
    side.objects["batch_file"], _ = import_file_store(
        actor=staff,
        upload=xlsx(sheet, "候选人.xlsx"),
        kind=ImportFile.Kind.CANDIDATES,
        township=side.township,
    )
    # The case stands for one nominated from the workbook: the batch's forms print it.
    CandidateCase.objects.filter(pk=case.pk).update(batch=side.objects["batch_file"])


def _election(district: dict, builder, *sides) -> None:
    """The general election, open: each side's plan, its village in it, and a results
    workbook uploaded by its staff (shown to the uploader only)."""
    district["election"] = election.election_open(
        actor=builder,
        name="2026年村“两委”换届",
        year=2026,
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 31),
        joint_review_deadline=dt.date(2026, 11, 30),
        filing_deadline=dt.date(2026, 12, 31),
    )
    for side, staff in sides:
        plan = ElectionPlan.objects.get(election=district["election"], township=side.township)
        side.objects["election_plan"] = plan
        side.objects["election_village"] = plan.villages.get(village=side.village)
        row = {
            "村": side.village.name,
            "姓名": "当选人",
            "身份证号": "",
            "当选职务": "",
            "得票数": "",
        }
        side.objects["results_file"], _ = import_file_store(
            actor=staff,
            upload=xlsx(roster_bytes([row], headers=list(row)), f"{side.label}选举结果.xlsx"),
            kind=ImportFile.Kind.ELECTION_RESULTS,
            township=side.township,
        )


def build_world() -> World:
    builder = UserFactory(username="matrix-builder", is_superuser=True, is_staff=True)
    users = {
        "staff": UserFactory(role="乡镇工作人员", townships=[JINCHANG]),
        "reviewer": UserFactory(role="乡镇审核人", townships=[JINCHANG]),
        "district": UserFactory(role="区级审核人"),
        "department": UserFactory(role="联审部门", department="discipline"),
        "sysadmin": UserFactory(role="系统管理员", is_staff=True),
        "other_staff": UserFactory(role="乡镇工作人员", townships=[HUANTONG]),
        "other_reviewer": UserFactory(role="乡镇审核人", townships=[HUANTONG]),
    }
    own = _side(JINCHANG, "", 11, builder, users["staff"])
    other = _side(HUANTONG, MARKER, 12, builder, users["other_staff"])

    # District-wide objects: a district round and session with both sides' cadres on its
    # roster, watchlists with hits on both cadres (confirmed: removal cases), a monthly report.
    today = dt.date.today()
    district = {}
    district["round"] = training.round_create(
        actor=builder, title="全区村干部轮训", organizer=None, year=today.year
    )
    district["session"] = training.session_create(
        actor=builder,
        title="全区村党组织书记培训班",
        kind=Session.Kind.CENTRALIZED,
        organizer=None,
        starts_at=at(today - dt.timedelta(days=2)),
        ends_at=at(today - dt.timedelta(days=2), 12),
        hours=Decimal("3"),
        round=district["round"],
    )
    training.roster_add_people(
        actor=builder, session=district["session"], people=[own.person, other.person]
    )
    district["material"] = training.material_add(
        actor=builder, session=district["session"], upload=pdf("全区课件.pdf")
    )
    district["watchlist"] = import_list(
        users["district"],
        [
            {
                "name": side.person.name,
                "id_number": side.person.id_number,
                "measure": "有期徒刑三年",
            }
            for side in (own, other)
        ],
        kind=WatchlistSource.Kind.CRIMINAL,
    )
    district["watchlist_file"] = district["watchlist"].import_file
    # As if the worker's check had found rows in error: its workbook is kept with the file.
    errors = ContentFile(ErrorWorkbook().content())
    district["watchlist_file"].error_file.save("errors.xlsx", errors)
    district["run"] = run_inline()
    for side in (own, other):
        hit = Hit.objects.get(person=side.person)
        review.hit_confirm(actor=users["district"], hit=hit, reason="身份证号一致，系本人")
        side.objects["hit"] = hit
        side.objects["removal"] = RemovalCase.objects.get(hit=hit)
        # Under strict control, its review due: on the list, the profile and the home page.
        person_strict_control_set(
            actor=builder,
            person=side.person,
            since=today - dt.timedelta(days=400),
            review_on=today - dt.timedelta(days=10),
            reason=f"{side.label}从严掌控原因",
            source=StrictControlSource.MANUAL,
        )
    _candidate_case(own, users["staff"], users["reviewer"], users)
    _candidate_case(other, users["other_staff"], users["other_reviewer"], users)
    _election(district, builder, (own, users["staff"]), (other, users["other_staff"]))
    district["report"] = monthly_report_build(month=Month.parse(REPORT_MONTH))
    # A rename of a village of the other side: the system administrator's record only.
    district["place_event"] = village_rename(
        actor=builder,
        village=VillageFactory(township=township(HUANTONG), name=f"{MARKER}旧名村"),
        name=f"{MARKER}新名村",
        effective_on=today,
        document_number=f"{MARKER}发〔2026〕1号",
        document=pdf("更名批复.pdf"),
    )
    # The district reviewer's own notification: nobody else sees or marks it.
    notification_add(
        user=users["district"],
        key="matrix",
        kind=Notification.Kind.OVERDUE,
        message="区级审核人的提醒",
        url="/",
    )
    district["notification"] = Notification.objects.get(user=users["district"], key="matrix")
    # A list of division codes uploaded and previewed by the administrator (a superuser).
    district["places_file"], _earlier = places_import_file(
        actor=builder,
        upload=xlsx(
            workbook_bytes({"区划": [["统计用区划代码", "名称"], ["220502100000", "金厂镇"]]}),
            "区划代码.xlsx",
        ),
    )
    places_preview(actor=builder, record=district["places_file"])
    assert Group.objects.filter(name="系统管理员").exists()
    return World(
        own=own,
        other=other,
        users=users,
        district=district,
        other_ids=[other.person.id_number, other.relative.id_number],
    )
