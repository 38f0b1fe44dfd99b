import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"乡镇工作人员", "乡镇审核人", "区级审核人", "联审部门", "系统管理员"} <= names


def test_district_reviewer_role_sees_all_townships():
    user = UserFactory(role="区级审核人")
    assert user.has_perm("cadres.view_all_townships")
    assert not UserFactory(role="乡镇工作人员").has_perm("cadres.view_all_townships")


def test_login_page_is_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "登录" in response.text
    assert 'lang="zh-hans"' in response.text


def test_login_and_logout(client):
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_says_so_in_chinese(client):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "x"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text


def test_repeated_failures_lock_the_account(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "账户已锁定" in response.text


def test_passwords_are_hashed_with_argon2():
    user = UserFactory()
    assert get_user_model().objects.get(pk=user.pk).password.startswith("argon2")


def test_sessions_expire(settings, client):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    user = UserFactory()
    client.force_login(user)
    assert client.session.get_expire_at_browser_close()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_pages_are_chinese_whatever_the_browser_asks(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.text
    assert response.headers["Content-Language"] == "zh-hans"


def test_english_when_chosen_with_the_switcher(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    response = client.get(reverse("accounts:login"))
    assert "Log in" in response.text
    assert 'lang="en"' in response.text
