# ruff: noqa: S311, S608
# (Seeded generator: reproducibility, not secrecy; SQL names come from the models.)
"""Benchmark data for screening (DESIGN.md §5): cadres, relatives and list entries.

Fixed seed, so every run builds the same data. Rows are written in large batches
(COPY on PostgreSQL). Names follow real distributions (surname shares of the national
register, a vocabulary of about 500 given-name characters of falling frequency, one
name in six with a one-character given name), so homophones and one-character
neighbours are about as common as in real lists; each name's keys are computed once.
"""

import datetime as dt
import functools
import itertools
import random
import re

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cadres.identity import check_character
from cadres.models import ImportFile, Person, Post, Relative, Township, Village
from cadres.services import identity_values
from vetting.bulk import insert_rows
from vetting.models import WatchlistEntry, WatchlistImport, WatchlistSource

SEED = 20260501
SOURCE_NAME = "基准测试名单"
# Surnames with their approximate share of the population in percent (national household
# register, 2020), then a tail of rarer ones, so equal surnames are as common as in a real
# list and the matches they cause are realistic in number.
_TOP_SURNAMES = (
    "王7.12 李6.94 张6.74 刘5.10 陈4.61 杨3.22 黄2.45 赵2.19 吴2.05 周1.99 徐1.55 "
    "孙1.51 马1.29 朱1.28 胡1.17 郭1.12 何1.07 林1.03 高1.03 罗0.92 郑0.89 梁0.87 "
    "谢0.76 宋0.70 唐0.69 许0.67 韩0.65 冯0.61 邓0.61 曹0.59 彭0.57 曾0.56 肖0.55 "
    "田0.53 董0.52 袁0.50 潘0.49 于0.49 蒋0.48 蔡0.47 余0.46 杜0.45 叶0.44 程0.43 "
    "苏0.42 魏0.41 吕0.40 丁0.39 任0.38 沈0.37 姚0.36 卢0.35 姜0.34 崔0.33 钟0.32 "
    "谭0.31 陆0.30 汪0.29 范0.28 金0.27 石0.27 廖0.26 贾0.26 夏0.25 韦0.25 付0.24 "
    "方0.24 白0.23 邹0.23 孟0.22 熊0.22 秦0.21 邱0.21 江0.20 尹0.20 薛0.19 闫0.19 "
    "段0.18 雷0.18 侯0.17 龙0.17 史0.16 陶0.16 黎0.15 贺0.15 顾0.14 毛0.14 郝0.13 "
    "龚0.13 邵0.12 万0.12 钱0.12 严0.11 覃0.11 武0.11 戴0.10 莫0.10 孔0.10 向0.10 "
    "汤0.10"
)
SURNAMES = (
    *((name, float(share)) for name, share in re.findall(r"(\S+?)([\d.]+)", _TOP_SURNAMES)),
    *(
        (surname, 0.04)
        for surname in "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿"
        "关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍"
        "华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米"
        "柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    ),
    *((surname, 0.01) for surname in ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容")),
)
# Given-name characters, roughly most used first; drawn with weights falling as 1/(rank + 8),
# so a few (英, 华, 玉, 秀 …) are very common and most are rare, as in real names.
GIVEN = "".join(
    dict.fromkeys(
        "英华玉秀明珍文芳桂兰红丽凤春海金建国平志永军霞荣新德淑云光伟梅林杰燕东成福宝庆兴强"
        "小生美清学晓利峰敏卫丹俊立忠洪家静斌勇涛超刚辉民飞宇佳艳娟磊洋鹏浩博雪琳玲婷娜颖慧"
        "晶倩瑞欣雨萍亮宏彬健鑫鸿凯旭晨阳冬梓子涵轩怡思嘉宁天然悦诗雅可馨琪一雯秋芬娥琴莲香"
        "翠花菊素凤彩兵波武松柏山水泉江河湖波涛浪岩石铁钢锋剑振振祥瑞吉昌盛发达富贵财顺安"
        "康乐喜和善良贤淑惠敏聪智仁义礼信孝廉正直方圆长久远志宏伟毅坚韧勤俭朴实诚守贞洁"
        "芝兰桂芸蓉莉茜茹萱薇蕾蓓菲苹荷莎菁蔚芮芷若楠桐梧枫柳杨槐松竹梦园晴朗昊晟昕暄曦"
        "旻炜煜烨焱炎熙照然灿耀辰星月日晖彤丹霏霖露霜雪冰凌泽润涵淼鑫森林彦博文武德才艺"
        "俊逸轩昂翔鹤鹏鸿雁燕莺鹃凤麟龙虎豹骏驰腾跃飞扬帆航远舟川渊源流洲岛峻岭峰崇嵩巍"
        "立业广厚博深宽宇宙乾坤元亨贞吉庆祥福禄寿喜财宝玉珠琳琅珊瑚琪瑾瑜璐瑶璇玮珏琦琛"
        "铭锦钧铎锐钰镇铮锡鉴银铜铁锋钊钦铠凯旋胜利捷冠魁首先启开创新振兴复旺隆丰登收获"
        "耕读书墨砚笔画诗词歌赋曲韵律音乐声琴瑟笙箫鸣响亮光辉煌荣耀彩虹霓云霞雾雷电风雨"
        "春夏秋冬晨夕朝暮早晚昼夜年岁时代世纪元初始终全完美善佳好优秀丽美艳娇媚婉约柔"
        "静怡欢愉悦乐笑颜容貌姿态仪表风度气质品格性情心意志向理想信念精神魂魄灵秀慧颖"
        "聪敏捷睿哲思想念恩情爱怀抱胸襟宽容忍让谦逊恭敬诚挚真切亲密友谊团结和睦平安泰"
        "兆亿万千百十双两三四五六七八九甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    )
)
_SURNAME_WEIGHTS = list(itertools.accumulate(weight for _surname, weight in SURNAMES))
_GIVEN_WEIGHTS = list(itertools.accumulate(1 / (rank + 8) for rank in range(len(GIVEN))))


def random_name(rng: random.Random) -> str:
    """A name drawn like real ones: about one in six has a one-character given name."""
    surname = rng.choices(SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0][0]
    length = 1 if rng.random() < 0.17 else 2
    return surname + "".join(rng.choices(GIVEN, cum_weights=_GIVEN_WEIGHTS, k=length))


@functools.cache
def _identity(name: str) -> tuple[str, str]:
    values = identity_values(name=name)
    return values["name_key"], values["name_pinyin"]


def _id_number(rng: random.Random, birth: dt.date, male: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"220502{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def _person(rng: random.Random, start: int, end: int) -> dict:
    name = random_name(rng)
    birth = dt.date(rng.randrange(start, end), rng.randrange(1, 13), rng.randrange(1, 29))
    male = rng.random() < 0.5
    key, pinyin = _identity(name)
    return {
        "name": name,
        "name_key": key,
        "name_pinyin": pinyin,
        "id_number": _id_number(rng, birth, male),
        "birth_date": birth,
        "sex": "male" if male else "female",
    }


def _write(model, columns: list[str], rows) -> None:
    insert_rows(model._meta.db_table, columns, rows)


class Command(BaseCommand):
    help = (
        "Generate screening benchmark data with a fixed seed (N cadres, 3N relatives, M entries)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cadres", type=int, default=100_000)
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies both counts")

    def handle(self, *args, cadres: int, entries: int, scale: float, **options):
        cadres, entries = max(1, int(cadres * scale)), max(1, int(entries * scale))
        if WatchlistSource.objects.filter(name=SOURCE_NAME).exists():
            raise CommandError("benchmark data already exist in this database")
        rng = random.Random(SEED)
        now = timezone.now()
        with transaction.atomic():
            self._build(rng, now, cadres, entries)
        self.stdout.write(f"{cadres} cadres, {3 * cadres} relatives, {entries} entries")

    def _build(self, rng, now, cadres: int, entries: int) -> None:
        township = Township.objects.get(code="220502100")
        villages = Village.objects.bulk_create(
            Village(township=township, code=f"220502100{n:03d}", name=f"基准{n}村")
            for n in range(700, 1000)
        )
        person_base = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        relative_base = (
            Relative.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        people, seen = [], set()
        while len(people) < cadres:  # a cadre's ID number is unique in the register
            person = _person(rng, 1960, 2000)
            if person["id_number"] not in seen:
                seen.add(person["id_number"])
                people.append(person)
        identity = ["name", "name_key", "name_pinyin", "id_number", "birth_date", "sex"]
        _write(
            Person,
            [
                "id",
                "created_at",
                "updated_at",
                *identity,
                "name_initials",
                "ethnicity",
                "political_status",
                "education",
                "phone",
                "strict_control_reason",
                "strict_control_source",
                "native_place",
                "birthplace",
                "health",
            ],
            (
                (person_base + i, now, now, *(p[k] for k in identity), "", "01", "", "", "")
                + ("",) * 5
                for i, p in enumerate(people)
            ),
        )
        _write(
            Post,
            [
                "created_at",
                "updated_at",
                "person_id",
                "village_id",
                "body",
                "title",
                "term_start",
                "term_end",
                "end_reason",
                "end_note",
                "origin",
                "vetted",
            ],
            (
                (
                    now,
                    now,
                    person_base + i,
                    villages[i % len(villages)].pk,
                    "villagers_committee",
                    "member",
                    "2021-12-01",
                    "2026-12-01",
                    "",
                    "",
                    "roster",
                    False,
                )
                for i in range(cadres)
            ),
        )
        relatives = [_person(rng, 1940, 2015) for _ in range(3 * cadres)]
        _write(
            Relative,
            [
                "id",
                "created_at",
                "updated_at",
                *identity,
                "cadre_id",
                "relation",
                "work_unit_and_post",
            ],
            (
                (
                    relative_base + i,
                    now,
                    now,
                    *(r[k] for k in identity),
                    person_base + i // 3,
                    "other",
                    "",
                )
                for i, r in enumerate(relatives)
            ),
        )
        user, _created = get_user_model().objects.get_or_create(
            username="benchmark", defaults={"name": "基准测试"}
        )
        record = ImportFile.objects.create(
            kind=ImportFile.Kind.WATCHLIST,
            original_name="benchmark.xlsx",
            sha256="0" * 64,
            size=0,
            file="imports/benchmark.xlsx",
            uploaded_by=user,
            status=ImportFile.Status.IMPORTED,
        )
        source = WatchlistSource.objects.create(
            name=SOURCE_NAME, kind=WatchlistSource.Kind.CRIMINAL
        )
        imp = WatchlistImport.objects.create(
            source=source, import_file=record, imported_by=user, rows=entries, added=entries
        )
        subjects = people + relatives

        def entry(i: int) -> tuple:
            roll = rng.random()
            if roll < 0.002:  # the same person: strong
                e = dict(rng.choice(subjects))
            elif roll < 0.004:  # same name and birth date, no ID number: probable
                e = {**rng.choice(subjects), "id_number": None}
            else:
                e = _person(rng, 1940, 2005)
            return (
                now,
                now,
                *(e[k] for k in identity),
                source.pk,
                f"{e['id_number'] or e['name_key']}|{i}",
                "有期徒刑",
                "",
                "",
                "{}",
                True,
                imp.pk,
            )

        _write(
            WatchlistEntry,
            [
                "created_at",
                "updated_at",
                *identity,
                "source_id",
                "row_key",
                "measure",
                "deciding_body",
                "description",
                "raw",
                "active",
                "screen_import_id",
            ],
            (entry(i) for i in range(entries)),
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Person, Relative, WatchlistEntry):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                        f"(SELECT MAX(id) FROM {model._meta.db_table}))"
                    )
                cursor.execute("ANALYZE")
