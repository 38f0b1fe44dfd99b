"""The demo district loaded by `make run`: villages and the demo accounts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from cadres.models import Township
from cadres.scoping import township_access_set
from cadres.services import village_upsert, villager_group_upsert
from dongchang.accounts.roles import Role

DEMO_PASSWORD = "Dongchang-demo-2026"  # noqa: S105 (demo only; seed_demo refuses outside DEBUG)

VILLAGES = {
    "220502100": ["金厂村", "新开岭村", "大安村", "东升村", "胜利村", "太平村"],
    "220502200": ["环通村", "南岔村", "双胜村", "前进村", "新华村"],
    "220502201": ["江东村", "民主村", "红星村", "自安村", "永安村"],
}
GROUPS_PER_VILLAGE = 4

# username, name, role, department, township codes
ACCOUNTS = [
    ("admin", "系统管理员", Role.SYSTEM_ADMIN, "", []),
    ("zzb", "区委组织部审核人", Role.DISTRICT_REVIEWER, "", []),
    ("jc_staff", "金厂镇工作人员", Role.TOWNSHIP_STAFF, "", ["220502100"]),
    ("jc_review", "金厂镇审核人", Role.TOWNSHIP_REVIEWER, "", ["220502100"]),
    ("ht_staff", "环通乡工作人员", Role.TOWNSHIP_STAFF, "", ["220502200"]),
    ("ht_review", "环通乡审核人", Role.TOWNSHIP_REVIEWER, "", ["220502200"]),
    ("jd_staff", "江东乡工作人员", Role.TOWNSHIP_STAFF, "", ["220502201"]),
    ("jd_review", "江东乡审核人", Role.TOWNSHIP_REVIEWER, "", ["220502201"]),
    ("jw_dept", "区纪委监委联审员", Role.DEPARTMENT, "discipline", []),
    ("ga_dept", "公安分局联审员", Role.DEPARTMENT, "police", []),
]


@transaction.atomic
def load_places() -> None:
    for township_code, names in VILLAGES.items():
        township = Township.objects.get(code=township_code)
        for index, name in enumerate(names, start=1):
            village = village_upsert(
                township=township, code=f"{township_code}{200 + index:03d}", name=name
            )
            for number in range(1, GROUPS_PER_VILLAGE + 1):
                villager_group_upsert(village=village, number=number, name=f"{number}组")


@transaction.atomic
def load_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts once; return (username, name, role) for printing."""
    User = get_user_model()
    rows = []
    for username, name, role, department, codes in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"name": name, "department": department}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == Role.SYSTEM_ADMIN
            user.is_superuser = role == Role.SYSTEM_ADMIN
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
            township_access_set(user=user, townships=Township.objects.filter(code__in=codes))
        rows.append((username, name, role.label))
    return rows
