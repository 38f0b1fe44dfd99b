"""The error pages: in Chinese, in the site's layout, with a way back, and leaking nothing;
and the words every page borrows from Django and django-filter, in Chinese too."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.conftest import HUANTONG
from tests.factories import VillageFactory, cadre, township

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


def test_a_missing_page_is_a_chinese_404(client, staff):
    client.force_login(staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text
    assert reverse("home") in text
    assert "URLconf" not in text  # the debug page lists every URL pattern


def test_another_townships_record_is_the_same_404(client, staff):
    other = cadre(VillageFactory(township=township(HUANTONG)))
    client.force_login(staff)
    response = client.get(reverse("cadres:detail", args=[other.pk]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert other.name not in response.content.decode()


def test_a_refusal_is_a_chinese_403(client, staff):
    client.force_login(staff)
    response = client.get(reverse("vetting:watchlist_list"))
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    assert "403 Forbidden" not in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    request = RequestFactory().get("/")
    response = defaults.server_error(request)
    assert response.status_code == 500
    text = response.content.decode()
    assert "系统出错了" in text
    assert "Traceback" not in text


def test_an_expired_form_explains_itself(staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


def test_selects_and_sort_menus_read_in_chinese(client, township_reviewer):
    client.force_login(township_reviewer)
    sessions = client.get(reverse("training:sessions")).content.decode()
    assert "（降序）" in sessions
    assert "descending" not in sessions
    form = client.get(reverse("vetting:case_new")).content.decode()
    assert "（请选择）" in form
    assert "---------" not in form
