"""Age bands, shared by the cadre list's filter, the dashboard and the monthly workbook."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# (value, label, youngest age, oldest age)
AGE_BANDS = [
    ("le35", _("35 or younger"), 0, 35),
    ("36_45", _("36–45"), 36, 45),
    ("46_55", _("46–55"), 46, 55),
    ("56_60", _("56–60"), 56, 60),
    ("gt60", _("Over 60"), 61, 200),
]


def age_band_q(band: str, on: dt.date, field: str = "birth_date") -> Q:
    """People of the band's ages on the given day: born in (on − (oldest+1) y, on − youngest y]."""
    for value, _label, youngest, oldest in AGE_BANDS:
        if value == band:
            return Q(
                **{
                    f"{field}__gt": on - relativedelta(years=oldest + 1),
                    f"{field}__lte": on - relativedelta(years=youngest),
                }
            )
    raise ValueError(band)
