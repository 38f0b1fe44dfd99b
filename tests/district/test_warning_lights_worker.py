"""The Celery path with a real worker: a committed change recomputes its cadre's light, and
the nightly task everyone's."""

import pytest
from celery import current_app

from cadres.choices import Light
from dongchang.models import WarningLight
from tests.conftest import wait_for
from tests.factories import cadre
from tests.supervision.factories import MisconductCaseFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def light_of(person):
    row = WarningLight.objects.filter(person=person).first()
    return row.light if row else None


def test_a_commit_and_the_nightly_task_recompute_on_a_worker(celery_worker_process):
    person = cadre()
    # A committed write (autocommit) sends the person's recomputation to the worker.
    MisconductCaseFactory(person=person, village=person.posts.get().village)
    wait_for(lambda: light_of(person) == Light.RED)
    quiet = cadre()
    WarningLight.objects.all().delete()
    current_app.send_task("dongchang.tasks.warning_lights_nightly")
    wait_for(lambda: light_of(person) == Light.RED and light_of(quiet) is not None)
