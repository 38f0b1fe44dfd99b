import pytest

from tests.factories import VillageFactory

pytestmark = pytest.mark.django_db


def test_a_save_of_named_fields_also_moves_updated_at():
    village = VillageFactory()
    before = village.updated_at
    village.name = "改名村"
    village.save(update_fields=["name"])
    village.refresh_from_db()
    assert village.name == "改名村"
    assert village.updated_at > before
