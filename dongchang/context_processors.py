from cadres import scoping
from dongchang.notifications import unread_count


def user_townships(request) -> dict:
    """The townships shown beside the user's name in the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_sees_all_townships": scoping.sees_all_townships(user),
        "user_township_names": lambda: [t.name for t in scoping.user_townships(user)],
    }


def notification_bell(request) -> dict:
    """The bell's unread count, read only when a page shows it (one count query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": lambda: unread_count(user)}
