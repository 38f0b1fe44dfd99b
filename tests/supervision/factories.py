"""Factories of the supervision suite (records made directly; services are tested separately)."""

import datetime as dt

import factory

from supervision.models import Audit, Disclosure, MisconductCase, SupervisionRecord
from tests.factories import PersonFactory, UserFactory, VillageFactory


class SupervisionRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionRecord

    tier = SupervisionRecord.Tier.TOWNSHIP_COMMITTEE
    date = dt.date(2026, 3, 1)
    village = factory.SubFactory(VillageFactory)
    kind = SupervisionRecord.Kind.INSPECTION
    findings = "账目公开不及时"
    recorded_by = factory.SubFactory(UserFactory)


class AuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audit

    kind = Audit.Kind.FINANCIAL
    village = factory.SubFactory(VillageFactory)
    period_start = dt.date(2025, 1, 1)
    period_end = dt.date(2025, 12, 31)


class DisclosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disclosure

    village = factory.SubFactory(VillageFactory)
    kind = "finance"
    period_start = dt.date(2026, 3, 1)
    content = "2月份财务收支明细"
    published_on = dt.date(2026, 3, 5)
    channel = Disclosure.Channel.NOTICE_BOARD
    recorded_by = factory.SubFactory(UserFactory)


class MisconductCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MisconductCase

    person = factory.SubFactory(PersonFactory)
    village = factory.SubFactory(VillageFactory)
    occurred_on = dt.date(2026, 3, 1)
    facts = "违规报销差旅费"
    category = MisconductCase.Category.FINANCE
    source = MisconductCase.Source.COMPLAINT
    opened_by = factory.SubFactory(UserFactory)
