import pytest
from django.core.cache import cache

from cadres.models import Township
from dongchang.api.models import Scope
from dongchang.api.services import api_client_create, api_token_issue
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, VillageFactory, cadre

ALL_SCOPES = [s for s in Scope.values if s != Scope.REVEAL]


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts in the cache: every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_admin(db):
    return UserFactory(is_superuser=True, is_staff=True, username="api-admin")


class Api:
    """Calls with a client's token; ``make`` creates a client and issues its token."""

    def __init__(self, admin, django_client):
        self.admin = admin
        self.http = django_client
        self.count = 0

    def make(self, townships=(JINCHANG,), scopes=ALL_SCOPES, **kwargs):
        self.count += 1
        all_townships = townships == "all"
        client = api_client_create(
            actor=self.admin,
            name=kwargs.pop("name", f"系统{self.count}"),
            owner=kwargs.pop("owner", self.admin),
            townships=[] if all_townships else Township.objects.filter(code__in=townships),
            all_townships=all_townships,
            scopes=scopes,
            **kwargs,
        )
        token = api_token_issue(actor=self.admin, client=client)
        return client, token[1], token[0]

    def get(self, url, token, **params):
        return self.http.get(url, params, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def api(api_admin, client):
    return Api(api_admin, client)


@pytest.fixture
def places(db):
    """A village of 金厂镇 and one of 环通乡, a cadre in each."""
    own = VillageFactory()
    other = VillageFactory(township=Township.objects.get(code=HUANTONG))
    return {
        "own_village": own,
        "other_village": other,
        "own": cadre(own, name="金一"),
        "other": cadre(other, name="环一"),
    }
