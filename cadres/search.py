"""How every list searches and sorts: one normalization of the search box, one name order.

Search: every list's search box is a ``SearchFilter`` (or a form's ``SearchField``), so
that full-width and half-width input, invisible characters and stray spaces are the same
everywhere before any lookup sees the text.

Sort: ``order_by("name_key__pinyin_order")`` sorts names by pinyin, character by
character (阿 < 白 < 张三 < 张三丰 < 章 < 赵), through a collation named ``pinyin``: on
PostgreSQL an ICU collation created by migration cadres 0012, on SQLite a Python function
registered on every connection. The stored name_pinyin cannot serve: it joins toneless
syllables for homophone matching and prefix search, so 章 (zhang) would sort before 张三
(zhangsan), and 张 and 章 would tie.
"""

import django_filters
from django import forms
from django.db.backends.signals import connection_created
from django.db.models import CharField, Transform

from cadres.identity import normalize_query, pinyin_sort_key

PINYIN_COLLATION = "pinyin"
# ICU's Chinese collation in pinyin order; PostgreSQL needs a server built with ICU.
PINYIN_ICU_LOCALE = "zh-u-co-pinyin"


class SearchField(forms.CharField):
    def to_python(self, value):
        return normalize_query(super().to_python(value))


class SearchFilter(django_filters.CharFilter):
    """A list's search box; its methods and lookups receive the normalized text."""

    field_class = SearchField


@CharField.register_lookup
class PinyinOrder(Transform):
    lookup_name = "pinyin_order"

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"{sql} COLLATE {connection.ops.quote_name(PINYIN_COLLATION)}", params


def _compare(left: str, right: str) -> int:
    a, b = pinyin_sort_key(left), pinyin_sort_key(right)
    return (a > b) - (a < b)


def _register_sqlite_collation(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(PINYIN_COLLATION, _compare)


def connect() -> None:
    """Give every SQLite connection the collation (the app's ready() calls this)."""
    connection_created.connect(_register_sqlite_collation, dispatch_uid="cadres_pinyin_collation")
