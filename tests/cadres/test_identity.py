"""Identity normalization: thorough examples and properties (hypothesis)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from cadres.identity import (
    check_character,
    clean_name,
    mask_id_number,
    name_initials,
    name_key,
    name_pinyin,
    normalize_id_number,
    normalize_query,
    pinyin_sort_key,
    strip_invisible,
    upgrade_15_to_18,
)
from tests.factories import make_id_number

# A published sample number (GB 11643 examples) and its legacy 15-digit form.
SAMPLE = "11010519491231002X"
SAMPLE_15 = "110105491231002"

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
sequences = st.integers(min_value=0, max_value=999)


def build(region: str, birth: dt.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@given(regions, births, sequences)
def test_every_well_formed_number_is_accepted(region, birth, sequence):
    """A genuine number is never rejected, whatever its region code."""
    number = build(region, birth, sequence)
    result = normalize_id_number(number)
    assert result.errors == []
    assert result.value == number
    assert result.birth_date == birth
    assert result.sex == ("male" if sequence % 2 else "female")


@given(regions, births, sequences, st.integers(min_value=0, max_value=16))
def test_any_single_digit_typo_is_caught(region, birth, sequence, position):
    """MOD 11-2 detects every single-character substitution."""
    number = build(region, birth, sequence)
    replacement = str((int(number[position]) + 1) % 10)
    typo = number[:position] + replacement + number[position + 1 :]
    assert normalize_id_number(typo).value is None


@given(regions, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_15_digit_numbers_become_their_18_digit_form(region, birth, sequence):
    number18 = build(region, birth, sequence)
    number15 = number18[:6] + number18[8:17]
    assert upgrade_15_to_18(number15) == number18
    assert normalize_id_number(number15).value == number18


@given(regions, births, sequences)
def test_check_character_is_a_digit_or_x(region, birth, sequence):
    assert build(region, birth, sequence)[-1] in "0123456789X"


@pytest.mark.parametrize(
    "raw",
    [
        SAMPLE,
        SAMPLE.lower(),
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width
        " 110105 19491231 002X ",
        "110105-19491231-002x",
        "'11010519491231002X",  # Excel's text marker
        SAMPLE_15,
        int(SAMPLE_15),  # a 15-digit number fits in a spreadsheet number
    ],
)
def test_the_ways_a_number_arrives(raw):
    result = normalize_id_number(raw)
    assert result.value == SAMPLE
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "female"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (1.10105194912310e17, "末几位已经丢失"),
        ("1.10105E+17", "末几位已经丢失"),
        (110105194912310020, "末几位已经丢失"),
        ("11010519491231002Y", "只能由数字组成"),
        ("11010519491231003X", "校验位"),
        ("110105194913310025", "校验位"),
        ("12345", "5 位"),
        (3.5, "小数"),
        (True, "既不是数字也不是文本"),
    ],
)
def test_what_cannot_be_an_id_number_says_why_in_chinese(raw, words):
    result = normalize_id_number(raw)
    assert result.value is None
    assert words in " ".join(result.errors)


def test_impossible_birth_dates_are_refused():
    future = build("220502", dt.date(2030, 1, 1), 11)
    assert "不可能" in normalize_id_number(future, today=dt.date(2026, 11, 27)).errors[0]
    not_a_date = "2205021990023" + "0011"
    not_a_date += check_character(not_a_date)
    assert "不是有效日期" in normalize_id_number(not_a_date).errors[0]


def test_an_unknown_region_is_only_a_warning():
    number = build("999999", dt.date(1990, 1, 1), 11)
    result = normalize_id_number(number)
    assert result.value == number
    assert result.warnings


def test_empty_is_no_number_and_no_error():
    for raw in (None, ""):
        result = normalize_id_number(raw)
        assert (result.value, result.errors) == (None, [])


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("王 元", "王元"),
        ("王　元", "王元"),  # ideographic space
        (" 張偉 ", "张伟"),  # traditional characters
        ("買買提.艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("ａｂｃ", "ABC"),
    ],
)
def test_name_keys(raw, key):
    assert name_key(raw) == key


def test_name_as_written_keeps_its_characters():
    assert clean_name(" 張 偉 ") == "張偉"


def test_pinyin_and_initials():
    assert name_pinyin(name_key("张伟")) == name_pinyin(name_key("章玮")) == "zhangwei"
    assert name_initials(name_key("张伟")) == "zw"


# Characters of names, heteronyms (重 长 朝 单 乐 行 曾 解) and characters that form phrases of
# pypinyin's dictionary with them (重庆 长江 朝阳 音乐 银行 解放), a separator and a letter.
NAME_CHARACTERS = "王李张刘陈杨赵重庆长江朝阳单乐音行银曾解放伟芳国华建军·A"


@given(st.text(alphabet=NAME_CHARACTERS, min_size=1, max_size=6))
def test_pinyin_and_initials_read_as_pypinyin_reads_the_whole_name(text):
    """Names without a phrase are read character by character: the result is pypinyin's."""
    whole = text.replace("·", "")
    expected = lazy_pinyin(whole, errors="ignore")
    assert name_pinyin(text) == "".join(expected).lower()
    initials = lazy_pinyin(whole, style=Style.FIRST_LETTER, errors="ignore")
    assert name_initials(text) == "".join(initials).lower()


def test_a_phrase_in_a_name_is_read_as_the_phrase():
    assert name_pinyin("张重庆") == "zhangchongqing"
    assert name_pinyin("张重") == "zhangzhong"


def test_masking_shows_only_the_ends():
    assert mask_id_number("220502199001011233") == "2205**********1233"
    assert mask_id_number(None) == ""


def test_factory_numbers_are_valid():
    number = make_id_number(dt.date(1980, 2, 29), 7, male=False)
    assert normalize_id_number(number).value == number


# Invisible characters and width ---------------------------------------------------------

# What text copied from web pages, chat programs and Word brings along: zero-width spaces and
# joiners, word joiner, BOM, soft hyphen, bidi marks, and every other format character (Cf).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
INVISIBLE += "\u2066\u2067\u2068\u2069"
# Spaces of every width: NBSP, U+2000–U+200A, narrow NBSP, medium math space, ideographic.
SPACES = " \u00a0" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)

noise = st.text(
    st.one_of(st.sampled_from(INVISIBLE + SPACES), st.characters(categories=["Cf"])), max_size=3
)
han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
# Chinese names, with a Latin part now and then, minority names with their separators.
name_parts = st.text(st.one_of(han, st.sampled_from("ABCXYZ")), min_size=1, max_size=4)
names = st.builds(
    lambda parts, separator: separator.join(parts),
    st.lists(name_parts, min_size=1, max_size=3),
    st.sampled_from(["·", "•", "‧", "・", ".", "．", "-"]),
)


def scatter(text: str, draw_noise) -> str:
    """``text`` with noise before, between and after its characters."""
    return draw_noise() + "".join(char + draw_noise() for char in text)


@given(names, st.data())
def test_no_invisible_space_or_width_variant_changes_a_name_key(name, data):
    variant = scatter(name.translate(FULL_WIDTH), lambda: data.draw(noise))
    assert name_key(variant) == name_key(name)
    assert clean_name(variant) == clean_name(name)


@given(regions, births, sequences, st.data())
def test_no_invisible_space_or_width_variant_changes_an_id_number(region, birth, sequence, data):
    number = build(region, birth, sequence)
    variant = scatter(number.translate(FULL_WIDTH).lower(), lambda: data.draw(noise))
    assert normalize_id_number(variant).value == number


@given(st.text(max_size=20))
def test_a_search_query_is_normalized_once_and_for_all(text):
    query = normalize_query(text)
    assert normalize_query(query) == query
    assert query == query.strip()
    assert not any(char in query for char in INVISIBLE)


def test_invisible_characters_are_stripped_and_separators_kept():
    assert strip_invisible("买\u200b买提\u00ad·艾\ufeff力") == "买买提·艾力"
    assert name_key("买买提\u200d·\u2060艾力") == "买买提·艾力"
    assert normalize_query(" ２２０５\u200b Ｘ\u3000 ") == "2205 X"


def test_pinyin_order_goes_character_by_character():
    order = ["阿", "白", "买买提·艾力", "西安", "先", "张三", "张三丰", "章", "赵", "ABC"]
    assert sorted(order, key=lambda name: pinyin_sort_key(name_key(name))) == order
