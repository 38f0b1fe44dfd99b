"""Every write to the register goes through a function here."""

from django.db import transaction

from cadres.models import Township, Village, VillagerGroup


@transaction.atomic
def village_upsert(*, township: Township, code: str, name: str) -> Village:
    village, _created = Village.objects.update_or_create(
        code=code, defaults={"township": township, "name": name}
    )
    return village


@transaction.atomic
def villager_group_upsert(*, village: Village, number: int, name: str) -> VillagerGroup:
    group, _created = VillagerGroup.objects.update_or_create(
        village=village, name=name, defaults={"number": number}
    )
    return group
