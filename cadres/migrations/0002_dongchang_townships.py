"""The real subdistricts, town and townships of Dongchang district (220502)."""

from django.db import migrations

TOWNSHIPS = [
    ("220502001", "老站街道", "subdistrict"),
    ("220502002", "民主街道", "subdistrict"),
    ("220502003", "新站街道", "subdistrict"),
    ("220502004", "东昌街道", "subdistrict"),
    ("220502005", "团结街道", "subdistrict"),
    ("220502006", "光明街道", "subdistrict"),
    ("220502007", "龙泉街道", "subdistrict"),
    ("220502100", "金厂镇", "town"),
    ("220502120", "东昌经济开发区", "zone"),
    ("220502200", "环通乡", "township"),
    ("220502201", "江东乡", "township"),
]


def load(apps, schema_editor):
    Township = apps.get_model("cadres", "Township")
    for code, name, kind in TOWNSHIPS:
        Township.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})


def unload(apps, schema_editor):
    apps.get_model("cadres", "Township").objects.filter(
        code__in=[code for code, _name, _kind in TOWNSHIPS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cadres", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
