"""Factories shared by every suite. Places come from the data migration (real townships)."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cadres.models import Township, Village, VillagerGroup
from cadres.scoping import township_access_set

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
