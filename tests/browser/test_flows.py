"""The main flows end to end, through the real pages only: every change under test is made by
clicks, form fills and uploads in chromium; only the starting users, villages and cadres
come from factories.

Screening runs of a watchlist import and the monthly workbook are Celery tasks, so those
flows start a real worker (the project has no eager mode).
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from dongchang.reports import Month
from tests.browser.conftest import log_in
from tests.cadres_import.test_roster import cadre_row
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import PASSWORD, UserFactory, VillageFactory, cadre, make_id_number, township
from tests.vetting import factories as watchlists
from tests.vetting_candidates.factories import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTHLY_SHEETS = [
    "汇总", "干部花名册", "本月变动", "资格审查",
    "排查预警", "教育培训", "培训覆盖", "监督管理", "制度管理", "队伍结构",
]  # fmt: skip


@pytest.fixture
def ui(page):
    """The page, accepting the app's confirmation dialogs (data-confirm) as a user would."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def labelled(text: str) -> re.Pattern:
    """A whole label, with or without Django's label suffix."""
    return re.compile(rf"^{text}[:：]?$")


def switch_user(page, user) -> None:
    page.context.clear_cookies()
    log_in(page, user.username, PASSWORD)


def open_menu(page, menu: str, item: str) -> None:
    page.locator("summary", has_text=menu).click()
    page.get_by_role("link", name=item, exact=True).click()


def action_form(page, heading: str):
    """One of the case page's action forms, found by its heading."""
    return page.locator("form", has=page.get_by_role("heading", name=heading))


def upload(page, data: bytes, name: str) -> None:
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": data}
    )


def test_township_staff_imports_a_roster_and_nominates_a_candidate(
    ui, worker_stores_in_this_tests_uploads, celery_worker_process, staff
):
    VillageFactory(name="民主村", township=township("220502100"))
    log_in(ui, staff.username, PASSWORD)

    open_menu(ui, "干部名册", "花名册导入")
    upload(ui, roster_bytes([cadre_row(1), cadre_row(2)]), "花名册.xlsx")
    ui.get_by_role("button", name="上传并预览").click()
    expect(ui.get_by_role("heading", name="花名册导入预览")).to_be_visible()
    # The worker checks the file, then imports it; the page polls meanwhile (htmx).
    expect(ui.get_by_text("所有行均可导入")).to_be_visible(timeout=60_000)
    ui.get_by_role("button", name="确认导入").click()
    expect(ui.locator("main")).to_contain_text("新增人员 2 人", timeout=60_000)
    # 凡进必审: a township's roster starts no post; its posts wait for their nominations.
    nominations = ui.locator(".card", has=ui.get_by_role("heading", name="需提名职务"))
    expect(nominations.locator("tbody tr")).to_have_count(2)
    nominations.get_by_role("button", name="为以上职务发起人选推荐").click()
    expect(ui.get_by_role("status")).to_contain_text("已发起 2 份人选推荐草稿")
    expect(ui.locator("table").get_by_role("link", name="张二")).to_be_visible()
    open_menu(ui, "干部名册", "干部名册")
    register = ui.locator("table")
    expect(register.get_by_role("link", name="张二")).to_be_visible()
    expect(register.get_by_role("link", name="张三")).to_be_visible()
    expect(register).not_to_contain_text("村民委员会委员")

    open_menu(ui, "源头管控", "资格联审")
    ui.get_by_role("link", name="推荐人选", exact=True).click()
    ui.get_by_label(labelled("姓名")).fill("赵新")
    ui.get_by_label(labelled("身份证号")).fill(make_id_number(dt.date(1990, 6, 1), 7))
    ui.get_by_label("拟任村").select_option(label="民主村")
    ui.get_by_label(labelled("组织")).select_option("villagers_committee")
    ui.get_by_label(labelled("职务")).select_option("member")
    ui.get_by_label(labelled("任职时间")).fill("2026-12-01")
    ui.get_by_label("推荐理由").fill("群众基础好，带富能力强")
    ui.get_by_role("button", name="保存").click()
    expect(ui.get_by_role("status")).to_have_text("推荐人选已保存为草稿。")
    expect(ui.get_by_role("heading", name="人选：赵新")).to_contain_text("草稿")

    family = ui.locator("form", has=ui.get_by_role("button", name="添加家庭成员"))
    family.get_by_label("姓名").fill("钱芳")
    family.get_by_label("关系").select_option("spouse")
    family.get_by_label("身份证号").fill(make_id_number(dt.date(1991, 2, 3), 8, male=False))
    family.get_by_label("工作单位及职务").fill("务农")
    family.get_by_role("button", name="添加家庭成员").click()
    relatives = ui.locator(".card", has=ui.get_by_role("heading", name="家庭成员"))
    expect(relatives.locator("tbody tr")).to_have_count(1)
    expect(relatives.locator("tbody tr")).to_contain_text("钱芳")

    action_form(ui, "提交审查").get_by_role("button", name="确认").click()
    expect(ui.get_by_role("heading", name="人选：赵新")).to_contain_text("乡镇初审")
    expect(ui.get_by_role("heading", name="可办理事项")).to_have_count(0)


def test_reviewers_and_departments_approve_and_the_candidate_becomes_a_cadre(ui):
    cast = Cast()
    cast.submitted(name="孙立")
    police = UserFactory(role="联审部门", department="police")
    title = ui.get_by_role("heading", name="人选：孙立")

    switch_user(ui, cast.township_reviewer)
    open_menu(ui, "源头管控", "资格联审")
    ui.get_by_role("link", name="孙立").click()
    action_form(ui, "记录五关审查").get_by_role("button", name="确认").click()
    township_checks = ui.locator(".card", has=ui.get_by_role("heading", name="乡镇初审：五关审查"))
    expect(township_checks.get_by_text("通过", exact=True)).to_have_count(5)
    action_form(ui, "报送区级联审").get_by_role("button", name="确认").click()
    expect(title).to_contain_text("区级联审")

    switch_user(ui, cast.district_reviewer)
    open_menu(ui, "源头管控", "资格联审")
    ui.get_by_role("link", name="孙立").click()
    joint_review = action_form(ui, "发起联审")
    for department in joint_review.get_by_role("checkbox").all():
        department.uncheck()
    joint_review.get_by_label("纪委监委").check()
    joint_review.get_by_label("公安").check()
    joint_review.get_by_role("button", name="确认").click()
    opinions = ui.locator(".card", has=ui.get_by_role("heading", name="部门联审意见"))
    expect(opinions.locator("tbody tr")).to_have_count(2)

    for department in (cast.department, police):
        switch_user(ui, department)
        open_menu(ui, "源头管控", "资格联审")
        ui.get_by_role("link", name="孙立").click()
        opinion = action_form(ui, "出具本部门意见")
        opinion.get_by_role("radio", name="同意", exact=True).check()
        opinion.get_by_role("button", name="确认").click()
        expect(ui.get_by_role("status")).to_have_text("操作成功。")
        expect(action_form(ui, "出具本部门意见")).to_have_count(0)

    switch_user(ui, cast.district_reviewer)
    open_menu(ui, "源头管控", "资格联审")
    ui.get_by_role("link", name="孙立").click()
    expect(opinions.get_by_text("同意", exact=True)).to_have_count(2)
    action_form(ui, "记录五关审查").get_by_role("button", name="确认").click()
    district_checks = ui.locator(".card", has=ui.get_by_role("heading", name="区级联审：五关审查"))
    expect(district_checks.get_by_text("通过", exact=True)).to_have_count(5)
    approval = action_form(ui, "审核通过并任命")
    approval.locator("[name=note]").fill("经联审，同意任用")
    approval.get_by_role("button", name="确认").click()
    expect(title).to_contain_text("审核通过")

    ui.get_by_role("link", name=re.compile(r"^2026-12-01 – ")).click()
    expect(ui.get_by_role("heading", name=re.compile("孙立"))).to_be_visible()
    posts = ui.locator(".card", has=ui.get_by_role("heading", name="现任职务"))
    expect(posts).to_contain_text("村民委员会")
    open_menu(ui, "干部名册", "干部名册")
    expect(ui.locator("table").get_by_role("link", name="孙立")).to_be_visible()


@pytest.mark.worker
def test_a_watchlist_import_hits_a_serving_cadre_and_the_district_confirms_it(
    ui, worker_stores_in_this_tests_uploads, celery_worker_process, district_reviewer
):
    person = cadre(name="王元", id_number=make_id_number(dt.date(1975, 4, 9), 11))
    switch_user(ui, district_reviewer)

    open_menu(ui, "源头管控", "排查名单")
    ui.get_by_role("link", name="导入排查名单").click()
    rows = [{"name": "王元", "id_number": person.id_number, "measure": "开除党籍"}]
    upload(ui, watchlists.workbook_bytes(rows), "处分名单.xlsx")
    ui.get_by_label("名单名称").fill("区纪委监委处分名单")
    ui.get_by_label("名单类别").select_option("party_discipline")
    ui.get_by_role("button", name="上传并预览").click()
    # The worker reads the file, then imports it; the page polls meanwhile (htmx).
    expect(ui.get_by_text("读取1行。")).to_be_visible(timeout=60_000)
    ui.get_by_role("button", name="确认导入").click()
    expect(ui.get_by_role("heading", name="名单已导入")).to_be_visible(timeout=60_000)
    ui.get_by_role("link", name="查看新增条目的排查进度").click()

    # The run page polls its progress (htmx) while the worker screens.
    progress = ui.locator("#run-progress")
    expect(progress).to_contain_text("已完成", timeout=60_000)
    expect(progress.locator("dd").nth(2)).to_have_text("1")  # new hits

    ui.get_by_role("link", name="排查预警").click()
    ui.locator("table").get_by_role("link", name="王元").click()
    ui.get_by_label("原因").fill("身份证号一致，经核实系本人")
    ui.get_by_role("button", name="确认：系同一人").click()
    expect(ui.get_by_role("status")).to_have_text("决定已记录。")
    expect(ui.locator("dl.facts").first).to_contain_text("已确认")
    expect(ui.locator("dl.facts").first).to_contain_text("身份证号一致，经核实系本人")


@pytest.fixture
def worker_stores_in_this_tests_uploads(monkeypatch, settings):
    """The worker reads uploads and writes workbooks where its own settings say,
    <DJANGO_VAR_DIR>/uploads: point that at this test's upload folder (isolated_uploads),
    keeping the broker folder.

    Requested before celery_worker_process, whose worker inherits this environment.
    """
    uploads = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert uploads.name == "uploads"
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        broker = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
        monkeypatch.setenv("CELERY_FILESYSTEM_DIR", str(broker))
    monkeypatch.setenv("DJANGO_VAR_DIR", str(uploads.parent))


@pytest.mark.worker
def test_the_district_builds_and_downloads_the_monthly_workbook(
    ui, worker_stores_in_this_tests_uploads, celery_worker_process, district_reviewer, tmp_path
):
    cadre(name="李明")
    month = Month.previous(timezone.localdate())
    switch_user(ui, district_reviewer)

    open_menu(ui, "统计分析", "月报")
    expect(ui.get_by_label("月份")).to_have_value(str(month))
    ui.get_by_role("button", name="生成月报").click()
    expect(ui.get_by_role("status")).to_contain_text(f"{month} 的月报正在由后台生成")

    # The page follows the build by itself (htmx) and offers its result once the worker is done.
    download_link = ui.get_by_role("link", name="下载结果")
    expect(download_link).to_be_visible(timeout=60_000)
    with ui.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == f"东昌区村干部队伍月报-{month}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    assert workbook.sheetnames == MONTHLY_SHEETS
    roster = [row[2] for row in workbook["干部花名册"].iter_rows(min_row=3, values_only=True)]
    assert roster == ["李明"]
