"""Helpers for the management records' tests."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from cadres.models import Post
from tests.factories import VillageFactory, cadre, township


def secretary(village=None, **person):
    """A serving village party secretary (in a new village of 金厂镇 by default)."""
    return cadre(
        village or VillageFactory(),
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.SECRETARY,
        **person,
    )


def other_village():
    """A village of 环通乡, outside the fixture staff's township."""
    return VillageFactory(township=township("220502200"))


def pdf(name="任职批复.pdf", content=b"%PDF-1.4 test"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def serving_village(person):
    return person.posts.get().village


THIS_YEAR = dt.date.today().year
