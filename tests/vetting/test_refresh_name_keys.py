"""refresh_name_keys: keys stored before a normalizer change are derived again."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from cadres.models import Person
from tests.factories import cadre, make_id_number
from tests.vetting.factories import import_list, run_inline
from vetting.models import Hit, WatchlistEntry

pytestmark = pytest.mark.django_db


def refresh() -> str:
    out = io.StringIO()
    call_command("refresh_name_keys", stdout=out)
    return out.getvalue()


def test_stale_keys_are_derived_again_and_then_match(district_reviewer):
    # 薴 simplifies in two steps (薴 → 苧 → 苎); the normalizer once stopped after one.
    person = cadre(name="李苎华", id_number=make_id_number(dt.date(1980, 5, 1), 1, male=True))
    stale_person = cadre(name="王薴", id_number=make_id_number(dt.date(1981, 5, 1), 2))
    Person.objects.filter(pk=stale_person.pk).update(
        name_key="王苧", name_pinyin="", name_initials=""
    )
    import_list(district_reviewer, [{"name": "李薴明", "birth_date": "1980-02-03", "sex": "男"}])
    entry = WatchlistEntry.objects.get()
    WatchlistEntry.objects.filter(pk=entry.pk).update(name_key="李苧明")
    run_inline()
    assert not Hit.objects.exists()  # 李苎华 is not one character from the stale 李苧明

    output = refresh()

    assert "cadres.Person: 1" in output
    assert "vetting.WatchlistEntry: 1" in output
    stale_person.refresh_from_db()
    assert (stale_person.name_key, stale_person.name_pinyin, stale_person.name_initials) == (
        "王苎",
        "wangzhu",
        "wz",
    )
    entry.refresh_from_db()
    assert entry.name_key == "李苎明"
    run_inline()
    hit = Hit.objects.get()
    assert (hit.person, hit.entry, hit.rule) == (person, entry, "one_character")
    # Nothing is stale any more: a second run changes nothing.
    lines = refresh().splitlines()
    assert len(lines) == 6
    assert all(line.endswith(": 0") for line in lines)
