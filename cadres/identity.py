"""Identity normalization: the one module that turns ID numbers and names into keys.

A genuine ID number is never rejected. What can be checked for sure is the
length, the digits, the check character (ISO 7064 MOD 11-2) and the birth
date; an unknown region code is at most a warning, because codes change and
old numbers stay valid for life.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from pypinyin import Style
from pypinyin.constants import PHRASES_DICT
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from cadres.choices import Sex

# Separators used between the parts of minority names (买买提·艾力), unified to U+00B7.
NAME_SEPARATORS = "·•‧・･.．-‐－—"
_SEPARATOR_RE = re.compile(f"[{re.escape(NAME_SEPARATORS)}]+")
_SPACE_RE = re.compile(r"\s+")
# ID separators people type or paste: spaces of every kind, dashes, apostrophes (Excel text marker).
_ID_NOISE_RE = re.compile(r"[\s\-‐－—'’`]+")
_ID18_RE = re.compile(r"^\d{17}[\dX]$")
# Text copied from web pages, chat programs and Word carries characters that show nothing:
# zero-width spaces and joiners, word joiners, BOMs, soft hyphens, bidi marks (all of
# Unicode category Cf). They must never tell two names or two numbers apart.
_INVISIBLE = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")


def _char_class(chars: str) -> str:
    """A regex character class of ``chars`` written as ranges: a class of 160-odd single
    characters beyond the BMP is matched by a linear scan, ten times slower (every text cell
    of an import passes through it)."""
    ranges: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last != first else "")
        for first, last in ranges
    )


_INVISIBLE_RE = re.compile(f"[{_char_class(_INVISIBLE)}]+")
# For a test of one character that must cost next to nothing.
INVISIBLE_CHARACTERS = frozenset(_INVISIBLE)
_ID15_RE = re.compile(r"^\d{15}$")


@dataclass
class IdNumber:
    """The outcome of reading one ID number: a value, or errors; warnings either way."""

    raw: object
    value: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _StyleCachingConverter(DefaultConverter):
    """pypinyin's default converter, with each syllable's style conversion memoized.

    Stripping tones (zhāng → zhang) is half of pypinyin's cost per name, and for the
    default converter it depends only on (syllable, style, strict): its hooks return
    None and the tone styles ignore the character. Results are identical.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._styles: dict[tuple, str] = {}

    def convert_style(self, han, orig_pinyin, style, strict, **kwargs):
        key = (orig_pinyin, style, strict)
        converted = self._styles.get(key)
        if converted is None:
            converted = super().convert_style(han, orig_pinyin, style, strict, **kwargs)
            self._styles[key] = converted
        return converted


_PINYIN = Pinyin(_StyleCachingConverter())


def strip_invisible(text: str) -> str:
    """``text`` without the characters that show nothing (Unicode category Cf).

    Spaces of every width are not removed here: NFKC turns them into plain spaces,
    and each caller decides whether a space matters.
    """
    return _INVISIBLE_RE.sub("", text)


def normalize_query(raw: object) -> str:
    """A search box's text as every list compares it: ２２０５ is 2205, Ｘ is X.

    Width folded (NFKC), invisible characters gone, runs of spaces one space, trimmed.
    """
    text = unicodedata.normalize("NFKC", strip_invisible(str(raw or "")))
    return " ".join(text.split())


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    return ric.calc_check_digit(first17 + "0")


def upgrade_15_to_18(number15: str) -> str:
    """A legacy 15-digit number (19xx births) in its 18-digit form."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


@functools.lru_cache(maxsize=16384)
def _region_known(code_and_year: str) -> bool:
    """Whether the region code was in use in the birth year (cached: ~1 ms a lookup)."""
    try:
        ric.get_birth_place(code_and_year + "01010000")
    except (StdnumError, KeyError):
        # python-stdnum raises KeyError for codes its table lists without a county
        # (e.g. 110001): unknown is a warning, never a crash.
        return False
    return True


def normalize_id_number(raw: object, *, today: dt.date | None = None) -> IdNumber:
    """Read an ID number as typed, pasted or stored in a spreadsheet cell."""
    result = IdNumber(raw=raw)
    if raw is None or raw == "":
        return result
    if isinstance(raw, bool):
        result.errors.append(_("The ID number is not a number or text."))
        return result
    if isinstance(raw, int | float):
        # A spreadsheet keeps 15 significant digits: an 18-digit number stored as a
        # number has lost its last digits for good. A 15-digit legacy number fits.
        if isinstance(raw, float) and not raw.is_integer():
            result.errors.append(_("The ID number is a decimal number, not an ID number."))
            return result
        digits = str(int(raw))
        if len(digits) != 15:
            result.errors.append(
                _(
                    "The ID number was stored as a number, so its last digits are lost and "
                    "cannot be recovered. Format the column as text and type it again."
                )
            )
            return result
        text = digits
    else:
        text = unicodedata.normalize("NFKC", strip_invisible(str(raw)))
        text = _ID_NOISE_RE.sub("", text).upper()
    if _ID15_RE.match(text):
        text = upgrade_15_to_18(text)
    elif not _ID18_RE.match(text):
        if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", text):
            result.errors.append(
                _(
                    "The ID number was stored as a number, so its last digits are lost and "
                    "cannot be recovered. Format the column as text and type it again."
                )
            )
        elif "*" in text:
            result.errors.append(
                _(
                    "The ID number is masked with *. Type the full number, or export the "
                    "register as a user who may see full ID numbers."
                )
            )
        elif len(text) not in (15, 18):
            result.errors.append(
                _("The ID number has %(count)d characters; it must have 18 (or 15 for old ones).")
                % {"count": len(text)}
            )
        else:
            result.errors.append(
                _("The ID number may hold only digits, with X or x as the last character.")
            )
        return result
    if text[-1] != check_character(text[:17]):
        result.errors.append(
            _("The check character of the ID number is wrong: a character was mistyped.")
        )
        return result
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        result.errors.append(_("The birth date inside the ID number is not a real date."))
        return result
    if birth > (today or dt.date.today()) or birth.year < 1900:
        result.errors.append(_("The birth date inside the ID number is impossible."))
        return result
    if not _region_known(text[:10]):
        result.warnings.append(
            _("The region code %(code)s is not in the current list; check the number.")
            % {"code": text[:6]}
        )
    result.value = text
    result.birth_date = birth
    result.sex = Sex.MALE if int(text[16]) % 2 else Sex.FEMALE
    return result


# Cached: name_key cleans the name that identity_values has just cleaned.
@functools.lru_cache(maxsize=65536, typed=True)
def clean_name(raw: object) -> str:
    """A name as written, tidied for display: width folded, spaces gone, separators unified."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", strip_invisible(str(raw))).strip()
    # Two-character names are often padded (王 元), and spaces creep in anywhere. Removing
    # them can bring a combining mark next to a letter (NFKC turns ¯ into a space and a
    # combining macron), so normalize once more: a cleaned name must clean to itself.
    text = unicodedata.normalize("NFKC", _SPACE_RE.sub("", text))
    return _SEPARATOR_RE.sub("·", text)


# Besides letters of every script (Han characters of every extension, Latin for pinyin and
# foreign names, Hangul …) and their combining marks, a name holds the separator of minority
# names (clean_name turns · • ・ . - into it), 〇 (a Han character that Unicode files as a
# number) and private-use characters, which some registers' fonts give to Han characters not
# yet encoded. Digits, punctuation, symbols (markup's < > & " included) and controls it never
# holds.
_NAME_MARKS = frozenset("·〇")


@functools.lru_cache(maxsize=65536)
def _foreign_name_character(cleaned: str) -> str | None:
    for char in cleaned:
        category = unicodedata.category(char)
        if category[0] not in "LM" and category != "Co" and char not in _NAME_MARKS:
            return char
    return None


def name_refusal(raw: object) -> str | None:
    """Why ``raw`` cannot be a person's name, naming the first character no name holds;
    None when it can. Invisible characters and spaces are not refused: clean_name drops them.

    Every path that records a person's name asks (through identity_values); a watchlist's
    names are the issuing organ's, transcribed as they came and only matched."""
    char = _foreign_name_character(clean_name(raw))
    if char is None:
        return None
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    return _(
        "The name holds “%(character)s”, which no name holds: a name is written in letters "
        "(Chinese characters included), with · between the parts of a minority name."
    ) % {"character": shown}


# Cached: imports meet the same names again and again, and pinyin costs ~0.1 ms a name.
@functools.lru_cache(maxsize=65536)
def name_key(raw: object) -> str:
    """The key that equal names share: cleaned, simplified characters, upper-case Latin."""
    key = clean_name(raw)
    # Until nothing changes, so that a key is its own key: OpenCC simplifies a few characters
    # in two steps (薴 → 苧 → 苎), and upper-casing can split a letter into combining marks.
    for _step in range(4):
        simplified = unicodedata.normalize("NFKC", _t2s().convert(key).upper())
        if simplified == key:
            break
        key = simplified
    return key


@functools.lru_cache(maxsize=65536)
def name_pinyin(key: str) -> str:
    """Toneless pinyin of a name key, for homophone matching (张伟 = 章伟)."""
    return _read_pinyin(key.replace("·", ""), Style.NORMAL).lower()


def _read_pinyin(text: str, style: Style) -> str:
    """pypinyin's ``lazy_pinyin`` of ``text`` joined, unknown characters left out.

    pypinyin reads a phrase of its dictionary as a whole (重庆 chongqing, not zhongqing)
    and every other character alone. A name that holds no such phrase (98 % of names) is
    therefore read character by character, each character's reading cached: the same
    result at a third of the cost, where a cache by name does not help (most names of a
    list are distinct).
    """
    if _holds_phrase(text):
        return "".join(_PINYIN.lazy_pinyin(text, style=style, errors="ignore"))
    return "".join(_character_pinyin(char, style) for char in text)


def _holds_phrase(text: str) -> bool:
    return any(
        text[start:end] in PHRASES_DICT
        for start in range(len(text) - 1)
        for end in range(start + 2, len(text) + 1)
    )


@functools.lru_cache(maxsize=16384)
def _character_pinyin(char: str, style: Style) -> str:
    return "".join(_PINYIN.lazy_pinyin(char, style=style, errors="ignore"))


@functools.lru_cache(maxsize=8192)
def _character_order(char: str) -> tuple:
    # As ICU's Chinese (pinyin) collation, which PostgreSQL uses: punctuation and spaces
    # first, then digits, then Han characters by toneless syllable and tone, then other
    # letters (Latin); the character itself breaks the remaining ties.
    if unicodedata.name(char, "").startswith("CJK"):
        syllable = _PINYIN.lazy_pinyin(char, style=Style.TONE3, neutral_tone_with_five=True)[0]
        if syllable != char:
            return (2, syllable.rstrip("12345"), syllable[-1], char)
    group = 1 if char.isdigit() else 3 if char.isalpha() else 0
    return (group, char.casefold(), char)


@functools.lru_cache(maxsize=65536)
def pinyin_sort_key(text: str) -> tuple:
    """A name's place in pinyin order, character by character: 张三 < 张三丰 < 章 < 赵.

    The collation ``pinyin`` compares with it on SQLite (cadres.search).
    """
    return tuple(_character_order(char) for char in text)


def name_initials(key: str) -> str:
    """Pinyin initials of a name key, for search (zw finds 张伟)."""
    return _read_pinyin(key.replace("·", ""), Style.FIRST_LETTER).lower()


def mask_id_number(value: str | None) -> str:
    """2205**********1233: enough to tell numbers apart, not enough to use one."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
