"""A candidate through the whole vetting in chromium, with a joint review that finishes
although two of its three departments never answer in the system: one replies on paper,
which the district records with the letter, and one is withdrawn with a reason."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_flows import action_form, labelled, open_menu, switch_user
from tests.factories import VillageFactory, make_id_number, township
from tests.vetting_candidates.factories import Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ui(page):
    """The page, accepting the app's confirmation dialogs (data-confirm) as a user would."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def open_case(page, name: str) -> None:
    open_menu(page, "源头管控", "资格联审")
    page.get_by_role("link", name=name).click()


def test_a_joint_review_with_a_paper_reply_and_a_withdrawal_ends_in_an_appointment(ui):
    cast = Cast()
    VillageFactory(name="民主村", township=township("220502100"))
    title = ui.get_by_role("heading", name="人选：赵新")

    switch_user(ui, cast.staff)
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
    expect(title).to_contain_text("草稿")
    action_form(ui, "提交审查").get_by_role("button", name="确认").click()
    expect(title).to_contain_text("乡镇初审")

    switch_user(ui, cast.township_reviewer)
    open_case(ui, "赵新")
    action_form(ui, "记录五关审查").get_by_role("button", name="确认").click()
    action_form(ui, "报送区级联审").get_by_role("button", name="确认").click()
    expect(title).to_contain_text("区级联审")

    switch_user(ui, cast.district_reviewer)
    open_case(ui, "赵新")
    joint_review = action_form(ui, "发起联审")
    for department in joint_review.get_by_role("checkbox").all():
        department.uncheck()
    for department in ("纪委监委", "公安", "法院"):
        joint_review.get_by_label(department).check()
    joint_review.get_by_role("button", name="确认").click()
    expect(ui.locator(".messages")).to_contain_text("已征求意见：纪委监委、公安、法院。")
    opinions = ui.locator(".card", has=ui.get_by_role("heading", name="部门联审意见"))
    expect(opinions.locator("tbody tr")).to_have_count(3)

    # 纪委监委 finds the case on its home page and agrees through its own login.
    switch_user(ui, cast.department)
    expect(ui.get_by_role("heading", name="待出具的联审意见")).to_be_visible()
    ui.get_by_role("link", name="赵新：纪委监委").click()
    opinion = action_form(ui, "出具本部门意见")
    opinion.get_by_role("radio", name="同意", exact=True).check()
    opinion.get_by_role("button", name="确认").click()
    expect(action_form(ui, "出具本部门意见")).to_have_count(0)

    # 公安 replied on paper; 法院 has nobody for the review and is withdrawn.
    switch_user(ui, cast.district_reviewer)
    open_case(ui, "赵新")
    reply = action_form(ui, "据回函录入部门意见")
    reply.get_by_label(labelled("部门")).select_option(label="公安")
    reply.get_by_role("radio", name="同意", exact=True).check()
    reply.get_by_label(labelled("回函日期")).fill(timezone.localdate().isoformat())
    reply.locator("input[type=file]").set_input_files(
        {"name": "公安分局回函.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 reply"}
    )
    reply.get_by_role("button", name="确认").click()
    police = opinions.locator("tr", has_text="公安")
    expect(police).to_contain_text("据回函录入")
    expect(police.get_by_role("link", name="回函")).to_be_visible()

    withdraw = action_form(ui, "撤回联审部门")
    withdraw.get_by_label(labelled("部门")).select_option(label="法院")
    withdraw.get_by_label(labelled("撤回该部门的理由")).fill("法院未确定联审人员，经部务会研究撤回")
    withdraw.get_by_role("button", name="确认").click()
    court = opinions.locator("tr", has_text="法院")
    expect(court).to_contain_text("已撤出联审")
    expect(court).to_contain_text("法院未确定联审人员")
    timeline = ui.locator(".card", has=ui.get_by_role("heading", name="办理过程"))
    expect(timeline).to_contain_text("据回函录入意见")
    expect(timeline).to_contain_text("撤回联审部门")

    action_form(ui, "记录五关审查").get_by_role("button", name="确认").click()
    approval = action_form(ui, "审核通过并任命")
    approval.locator("[name=note]").fill("经联审，同意任用")
    approval.get_by_role("button", name="确认").click()
    expect(title).to_contain_text("审核通过")

    open_menu(ui, "干部名册", "干部名册")
    expect(ui.locator("table").get_by_role("link", name="赵新")).to_be_visible()
