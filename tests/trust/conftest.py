"""The permission matrix's world as a fixture, for the modules that request every URL."""

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from tests.trust.matrix_world import build_world


def storage_settings(location) -> dict:
    return {
        "MEDIA_ROOT": location,
        "STORAGES": {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(location)}},
        },
    }


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-uploads")


@pytest.fixture
def world_uploads(uploads):
    """The world's files serve every test of the module (not a folder per test): a module
    that uses the world marks its tests with it."""
    with override_settings(**storage_settings(uploads)):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, uploads):
    """Built once for each module that asks, in a transaction rolled back at its end."""
    with (
        override_settings(**storage_settings(uploads)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
