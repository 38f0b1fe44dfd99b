"""Factories shared by every suite. Places come from the data migration (real townships)."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cadres.choices import Education, PoliticalStatus
from cadres.dates import split_partial_dates
from cadres.identity import check_character, name_initials
from cadres.models import Person, Post, Relative, Township, Village, VillagerGroup
from cadres.scoping import township_access_set
from cadres.services import default_term_end, identity_values

PASSWORD = "Correct-horse-42"


def township(code: str = "220502100") -> Township:
    return Township.objects.get(code=code)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.LazyFunction(township)
    # A 12-digit code under the township's 9, in the villagers' committee range (200-999).
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{500 + n % 500:03d}")
    name = factory.Sequence(lambda n: f"测试{n}村")


class VillagerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillagerGroup

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"{o.number}组")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a role (group name) and townships (codes)."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def townships(self, create, extracted, **kwargs):
        if extracted:
            township_access_set(
                user=self,
                townships=[t if isinstance(t, Township) else township(t) for t in extracted],
            )
        self.save()


def make_id_number(
    birth: dt.date, sequence: int, *, male: bool = True, region: str = "220502"
) -> str:
    """A valid 18-digit ID number (check character computed) for the given birth date."""
    seq = sequence % 500 * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def hanzi_number(n: int) -> str:
    """``n`` written in the characters 〇一二…九, digit by digit: names told apart by a
    number, which a name may not hold as digits."""
    return "".join("〇一二三四五六七八九"[int(digit)] for digit in str(n))


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


class PersonFactory(factory.django.DjangoModelFactory):
    """A person with a valid ID number; identity fields filled as the service fills them."""

    class Meta:
        model = Person

    class Params:
        birth = factory.Faker(
            "date_between", start_date=dt.date(1961, 1, 1), end_date=dt.date(2000, 12, 31)
        )
        number = factory.Sequence(lambda n: n)

    name = factory.LazyAttribute(
        lambda o: (
            SURNAMES[o.number % len(SURNAMES)]
            + GIVEN[o.number * 7 % len(GIVEN)]
            + GIVEN[o.number * 3 % len(GIVEN)]
        )
    )
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth, o.number))
    political_status = PoliticalStatus.CPC_MEMBER
    education = Education.HIGH_SCHOOL

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        identity = identity_values(
            name=kwargs.pop("name"),
            id_number=kwargs.pop("id_number"),
            birth_date=kwargs.pop("birth_date", None),
            sex=kwargs.pop("sex", ""),
        )
        # party_joined_on may be a PartialDate (1998.07), as the services take it.
        kwargs = {**split_partial_dates(model_class, kwargs), **identity}
        kwargs["name_initials"] = name_initials(kwargs["name_key"])
        return super()._create(model_class, *args, **kwargs)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    person = factory.SubFactory(PersonFactory)
    village = factory.SubFactory(VillageFactory)
    body = Post.Body.VILLAGERS_COMMITTEE
    title = Post.Title.MEMBER
    term_start = dt.date(2021, 12, 1)
    term_end = factory.LazyAttribute(lambda o: default_term_end(o.term_start))
    # Most posts in the suites stand for cadres serving before the system, as in a real roster.
    origin = Post.Origin.ROSTER


class RelativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relative

    class Params:
        birth = factory.Faker(
            "date_between", start_date=dt.date(1940, 1, 1), end_date=dt.date(2015, 12, 31)
        )
        number = factory.Sequence(lambda n: n + 100_000)

    cadre = factory.SubFactory(PersonFactory)
    relation = Relative.Relation.SPOUSE
    name = factory.LazyAttribute(
        lambda o: SURNAMES[o.number * 5 % len(SURNAMES)] + GIVEN[o.number % len(GIVEN)]
    )
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth, o.number, male=False))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.update(
            identity_values(
                name=kwargs.pop("name"),
                id_number=kwargs.pop("id_number"),
                birth_date=kwargs.pop("birth_date", None),
                sex=kwargs.pop("sex", ""),
            )
        )
        return super()._create(model_class, *args, **kwargs)


def cadre(village=None, *, body=Post.Body.VILLAGERS_COMMITTEE, title=Post.Title.MEMBER, **person):
    """A serving cadre: a person with one post (in a new village of 金厂镇 by default)."""
    post = PostFactory(
        person=PersonFactory(**person), village=village or VillageFactory(), body=body, title=title
    )
    return post.person
