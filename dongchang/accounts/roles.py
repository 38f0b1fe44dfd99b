"""Roles are auth groups, made by a data migration; their names are what admins see."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The values are the group names stored in the database.
    TOWNSHIP_STAFF = "乡镇工作人员", _("Township staff")
    TOWNSHIP_REVIEWER = "乡镇审核人", _("Township reviewer")
    DISTRICT_REVIEWER = "区级审核人", _("District reviewer (organization department)")
    DEPARTMENT = "联审部门", _("Joint-review department")
    SYSTEM_ADMIN = "系统管理员", _("System administrator")
