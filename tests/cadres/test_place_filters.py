import pytest
from django.http import Http404
from django.urls import reverse

from cadres.models import Township
from cadres.scoping import object_or_404, query_number, query_numbers
from tests.conftest import JINCHANG

pytestmark = pytest.mark.django_db

GARBAGE = ["99999999999999999999", "²", "٣", "-1", "1e3", "金厂镇"]
LISTS = ["cadres:list", "cadres:records:filing_list", "cadres:records:unfiled_list"]


@pytest.mark.parametrize("parameter", ["township", "village"])
@pytest.mark.parametrize("fixture", ["staff", "district_reviewer"])
def test_garbage_place_keys_are_ignored_not_a_server_error(client, request, fixture, parameter):
    """Issue 20 finding 6: a key too large for the column (OverflowError on SQLite) or made of
    another script's digits (ValueError) is no village or township."""
    client.force_login(request.getfixturevalue(fixture))
    for name in LISTS:
        for value in GARBAGE:
            response = client.get(reverse(name), {parameter: value})
            assert response.status_code == 200, (name, value)


@pytest.mark.parametrize("value", ["abc", "²", "٣", "-1", "1e3", " ", "", "9" * 19])
def test_text_that_is_no_key_finds_no_object(value):
    assert query_number(value) is None
    with pytest.raises(Http404):
        object_or_404(Township.objects.all(), value)


def test_a_key_finds_its_object():
    jinchang = Township.objects.get(code=JINCHANG)
    assert query_number(f" {jinchang.pk} ") == jinchang.pk
    assert object_or_404(Township.objects.all(), str(jinchang.pk)) == jinchang
    assert query_numbers(["²", str(jinchang.pk), "abc"]) == [jinchang.pk]
