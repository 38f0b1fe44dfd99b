"""The training section of a cadre's profile (registered in TrainingConfig.ready)."""

from training.selectors import person_training


def profile_section(request, person) -> dict | None:
    """Sessions, daily study and hours by year; nothing for roles outside training."""
    if not request.user.has_perm("training.view_session"):
        return None
    return person_training(person, request.user)
