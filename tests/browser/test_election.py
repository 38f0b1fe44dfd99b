"""One village's election results entered by the township and confirmed by the district, in
chromium: the old secretary's post ends with 换届, the 一肩挑 newcomer holds both posts."""

import pytest
from playwright.sync_api import expect

from cadres.models import Post
from tests.browser.test_flows import open_menu, switch_user
from tests.factories import PostFactory, UserFactory, VillageFactory, township
from tests.vetting_election.factories import approved_case, election_village, open_election

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_township_enters_and_district_confirms_one_village(page):
    page.on("dialog", lambda dialog: dialog.accept())
    district = UserFactory(role="区级审核人")
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    the_election = open_election(district)
    village = VillageFactory(name="民主村", township=township("220502100"))
    old = PostFactory(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    ev = election_village(the_election, village)
    secretary = approved_case(the_election, village, "party_branch", "secretary")
    approved_case(the_election, village, "villagers_committee", "director", person=secretary.person)

    switch_user(page, staff)
    open_menu(page, "源头管控", "村“两委”换届")
    page.get_by_role("link", name=the_election.name).click()
    page.get_by_role("link", name="民主村").click()
    form = page.locator("#results-form")
    for row in form.locator("tbody tr").all():
        row.get_by_role("checkbox").check()
        row.get_by_role("spinbutton").fill("812")
    form.get_by_role("button", name="保存选举结果").click()
    expect(page.locator("#candidates")).to_contain_text("一肩挑")

    switch_user(page, district)
    page.goto(f"/vetting/elections/villages/{ev.pk}/")
    page.get_by_role("button", name="确认选举结果").click()
    expect(page.get_by_text("选举结果已确认，新一届班子已任职。")).to_be_visible()
    old.refresh_from_db()
    assert old.end_reason == Post.EndReason.ELECTION
    assert secretary.person.posts.filter(ended_on__isnull=True).count() == 2
