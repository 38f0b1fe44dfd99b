"""Vocabulary shared by every app: it lives on the ground floor so that all may use it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    """Departments that give opinions in the joint review or receive referrals."""

    DISCIPLINE = "discipline", _("Discipline inspection and supervision commission")
    POLICE = "police", _("Public security bureau")
    COURT = "court", _("Court")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    JUSTICE = "justice", _("Justice bureau")
    PETITIONS = "petitions", _("Letters and visits bureau")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs bureau")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs bureau")
    HEALTH = "health", _("Health commission")
    MARKET = "market", _("Market regulation bureau")
