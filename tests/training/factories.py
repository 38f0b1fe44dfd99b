"""Factories of the training suite."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from training.models import Attendance, Round, Session


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    title = factory.Sequence(lambda n: f"第{n}期村干部轮训")
    organizer = None
    year = 2026


class SessionFactory(factory.django.DjangoModelFactory):
    """A district-wide centralized session by default; pass organizer=township for a township's."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"培训班{n}")
    kind = Session.Kind.CENTRALIZED
    organizer = None
    lecturer = "区委党校讲师"
    place = "区委党校"
    starts_at = factory.LazyFunction(lambda: at(dt.date(2026, 3, 10)))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))
    hours = Decimal("3.0")
    reach = factory.LazyAttribute(
        lambda o: Session.Reach.TOWNSHIPS if o.organizer else Session.Reach.DISTRICT
    )

    @factory.post_generation
    def townships(self, create, extracted, **kwargs):
        if self.organizer_id:
            self.townships.set([self.organizer])
        elif extracted:
            self.townships.set(extracted)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    status = Attendance.Status.INVITED
    village = factory.LazyAttribute(lambda o: o.person.posts.first().village)
