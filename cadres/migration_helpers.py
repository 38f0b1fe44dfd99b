"""Helpers for data migrations that every app shares.

Kept small and stable: migrations that import them run again on every fresh
database, and tests call the same loaders after transactional tests flush.
"""

from django.contrib.auth.management import create_permissions


def records_label(apps) -> str:
    """The app label of the management records' models in ``apps``.

    They were models of ``cadres`` until ``records`` 0001: the migrations before it see them
    there, while tests reload those migrations' data with today's registry.
    """
    try:
        apps.get_model("cadres", "SecretaryFiling")
    except LookupError:
        return "records"
    return "cadres"


def _split(dotted: str, app_label: str | None) -> tuple[str, str]:
    if app_label is not None:
        return app_label, dotted
    label, codename = dotted.split(".")
    return label, codename


def grant_role_permissions(
    apps, role_permissions: dict[str, list[str]], *, app_label: str | None = None
) -> None:
    """Give each role group (by name) the listed permissions.

    Permissions are "app_label.codename", or bare codenames of ``app_label``.

    Permissions are normally made after migrate; the groups need them now, so
    they are made first for every app in the registry.
    """
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions
        # takes for "no models"; tests also call this with the real registry.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, dotted_names in role_permissions.items():
        group, _created = Group.objects.get_or_create(name=name)
        for dotted in dotted_names:
            label, codename = _split(dotted, app_label)
            group.permissions.add(
                Permission.objects.get(content_type__app_label=label, codename=codename)
            )


def revoke_role_permissions(
    apps, role_permissions: dict[str, list[str]], *, app_label: str | None = None
) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, dotted_names in role_permissions.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for dotted in dotted_names:
            label, codename = _split(dotted, app_label)
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=label, codename=codename)
            )
