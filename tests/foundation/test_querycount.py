import pytest

from cadres.models import Person
from tests.factories import PersonFactory
from tests.querycount import assert_queries_flat


def _add_people(count: int):
    def grow():
        for _ in range(count):
            PersonFactory()

    return grow


@pytest.mark.django_db
def test_a_query_per_row_fails():
    _add_people(3)()

    def one_query_per_row():
        return [
            Person.objects.filter(pk=pk).count()
            for pk in Person.objects.values_list("pk", flat=True)
        ]

    with pytest.raises(AssertionError, match="queries before the rows grew"):
        assert_queries_flat(one_query_per_row, _add_people(3))


@pytest.mark.django_db
def test_a_set_based_read_passes_and_returns_the_last_result():
    _add_people(3)()
    result = assert_queries_flat(lambda: list(Person.objects.all()), _add_people(3))
    assert len(result) == 6
