import pytest
from django.urls import reverse

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
