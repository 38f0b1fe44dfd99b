import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_township_user_logs_in_and_sees_only_their_township(page):
    user = UserFactory(role="乡镇工作人员", townships=["220502100"])
    log_in(page, user.username, PASSWORD)
    assert page.get_by_role("heading", name="首页").is_visible()
    townships = page.locator("section", has=page.get_by_role("heading", name="我的乡镇（街道）"))
    assert "金厂镇" in townships.inner_text()
    assert "环通乡" not in page.content()


def test_wrong_password_shows_a_chinese_error(page):
    user = UserFactory()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("用户名或密码错误").is_visible()


def test_pages_run_without_content_security_policy_violations(page):
    user = UserFactory(role="乡镇工作人员", townships=["220502100"])
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, user.username, PASSWORD)
    page.reload()
    assert violations == []
