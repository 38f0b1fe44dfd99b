"""Changing the district's rules: every change is a new version, the old one stays with the
decisions made under it (vetting.models.rules)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cadres.services import require_perm
from vetting.models import EligibilityRule, EligibilityRules, NegativeList, NegativeListItem

ITEM_FIELDS = {"kind", "measure", "bars_candidate", "opens_removal", "within_years"}
RULE_FIELDS = {"code", "enabled", "years", "message"}


def _new_version(model, *, actor, note: str):
    """Deactivate the active version under its lock and start the next one."""
    model.objects.select_for_update().filter(active=True).update(active=False)
    return model.objects.create(active=True, created_by=actor, note=(note or "").strip())


@transaction.atomic
def negative_list_replace(*, actor, items: Iterable[dict], note: str = "") -> NegativeList:
    """Make a new version of the negative list from ``items`` (dicts of NegativeListItem
    fields); decisions already made keep the version they used."""
    require_perm(actor, "vetting.add_negativelist")
    items = [dict(item) for item in items]
    errors = []
    seen = set()
    for number, item in enumerate(items, start=1):
        unknown = set(item) - ITEM_FIELDS
        if unknown:
            raise TypeError(f"unknown negative list fields: {sorted(unknown)}")
        item["measure"] = (item.get("measure") or "").strip()
        key = (item.get("kind"), item["measure"])
        if key in seen:
            errors.append(
                _("Line %(number)s: this list kind and measure are already on the list.")
                % {"number": number}
            )
        seen.add(key)
    if not items:
        errors.append(_("The negative list needs at least one line."))
    if errors:
        raise ValidationError(errors)
    version = _new_version(NegativeList, actor=actor, note=note)
    lines = [NegativeListItem(version=version, **item) for item in items]
    for number, line in enumerate(lines, start=1):
        try:
            line.full_clean(exclude=["version"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                [
                    _("Line %(number)s: %(message)s") % {"number": number, "message": message}
                    for message in error.messages
                ]
            ) from error
    NegativeListItem.objects.bulk_create(lines)
    return version


@transaction.atomic
def eligibility_rules_replace(*, actor, rules: Iterable[dict], note: str = "") -> EligibilityRules:
    """Make a new version of the eligibility rules: one dict of EligibilityRule fields per
    condition, every condition once."""
    require_perm(actor, "vetting.add_eligibilityrules")
    rules = [dict(rule) for rule in rules]
    for rule in rules:
        unknown = set(rule) - RULE_FIELDS
        if unknown:
            raise TypeError(f"unknown eligibility rule fields: {sorted(unknown)}")
    if sorted(rule.get("code") for rule in rules) != sorted(EligibilityRule.Code.values):
        raise ValidationError(_("Give every eligibility condition once."))
    errors = {}
    for rule in rules:
        rule["message"] = (rule.get("message") or "").strip()
        label = EligibilityRule.Code(rule["code"]).label
        if not rule["message"]:
            errors.setdefault("message", []).append(
                _("%(condition)s: give the message shown when it is not met.")
                % {"condition": label}
            )
        if rule["code"] == EligibilityRule.Code.MINIMUM_AGE and not rule.get("years"):
            errors.setdefault("years", []).append(
                _("%(condition)s: give the age in years.") % {"condition": label}
            )
    if errors:
        raise ValidationError(errors)
    version = _new_version(EligibilityRules, actor=actor, note=note)
    EligibilityRule.objects.bulk_create(EligibilityRule(version=version, **rule) for rule in rules)
    return version
