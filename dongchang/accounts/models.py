from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cadres.choices import Department


class User(AbstractUser):
    """A person who logs in: township staff, reviewers, departments, administrators."""

    name = models.CharField(_("full name"), max_length=50, blank=True)
    department = models.CharField(
        _("department"),
        max_length=20,
        choices=Department.choices,
        blank=True,
        help_text=_("Only for users of the joint-review department role."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or super().get_full_name()

    def role_names(self) -> list[str]:
        return [g.name for g in self.groups.all()]
