import pytest

from tests.conftest import HUANTONG, JINCHANG
from tests.factories import PostFactory, UserFactory, VillageFactory, township


@pytest.fixture
def village(db):
    return VillageFactory(township=township(JINCHANG))


@pytest.fixture
def other_village(db):
    return VillageFactory(township=township(HUANTONG))


@pytest.fixture
def cadre_post(village):
    """A serving villagers' committee member of the 金厂镇 village."""
    return PostFactory(village=village)


@pytest.fixture
def agriculture_user(db):
    return UserFactory(role="联审部门", department="agriculture")
