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


def test_a_short_password_is_refused_in_chinese(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xq7#z", "new_password2": "Xq7#z"},
    )
    assert response.status_code == 200
    assert "密码太短，至少需要 10 个字符。" in response.text
    assert "too short" not in response.text


def _fail_login(client, user, **headers):
    client.post(
        reverse("accounts:login"), {"username": user.username, "password": "wrong"}, **headers
    )


def _locked(client, user, **headers) -> bool:
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}, **headers
    )
    return response.status_code == 429


def test_without_a_proxy_a_forwarded_header_does_not_dodge_the_lockout(client, settings):
    """TRUSTED_PROXY_COUNT 0: the connection's address counts, whatever the client writes."""
    settings.TRUSTED_PROXY_COUNT = 0
    user = UserFactory()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, user, HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
    assert _locked(client, user, HTTP_X_FORWARDED_FOR="198.51.100.7")


def test_behind_one_proxy_the_lockout_counts_the_forwarded_client(client, settings):
    """TRUSTED_PROXY_COUNT 1: every request comes from the proxy; the client is the address
    it appended, and what a client prepends to the header is not believed."""
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login(client, user, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", **proxy)
    assert _locked(client, user, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9", **proxy)
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert not _locked(client, user, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
