"""The sort menu of every list."""

import django_filters
from django.utils.translation import gettext_lazy as _


class Ordering(django_filters.OrderingFilter):
    # django-filter's own catalogues have zh_CN, which zh-hans does not read.
    descending_fmt = _("%s (descending)")
