"""提醒: the bell's list of the user's own notifications, and marking them read.

Every user has a bell; nobody sees or marks another's notification (404). Marking is a
POST (CSRF); from htmx it answers with the row (or the list's body) and the bell, swapped in
place, otherwise with a redirect: to the notification's link when asked to follow it.
"""

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from cadres.listing import Col, ListSpec, field_column, list_response, local_date_column
from cadres.scoping import object_or_404
from cadres.widgets import QuickSelect
from dongchang import notifications
from dongchang.models import Notification


class NotificationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=gettext_lazy("Read or not"),
        choices=[("unread", gettext_lazy("Unread")), ("read", gettext_lazy("Read"))],
        method="by_state",
    )
    kind = django_filters.ChoiceFilter(
        widget=QuickSelect,
        label=gettext_lazy("Kind of notification"),
        choices=Notification.Kind.choices,
    )

    class Meta:
        model = Notification
        fields = ["state", "kind"]

    def by_state(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")


def _spec() -> ListSpec:
    return ListSpec(
        title=_("Notifications"),
        columns=[
            local_date_column(_("Date"), "created_at", key="created", width=12),
            field_column(_("Kind of notification"), "kind", display=True, width=16),
            Col(_("Message"), lambda n: n.message, width=60),
            Col(_("Read"), lambda n: _("Yes") if n.read_at else "", width=8),
        ],
        default_sort="-created",
        filename="notifications-{date}.xlsx",
        template="dongchang/notifications.html",
        context_name="notifications",
    )


@login_required
def notification_list(request):
    filterset = NotificationFilter(
        request.GET, queryset=notifications.notifications_of(request.user), request=request
    )
    return list_response(request, spec=_spec(), filterset=filterset)


CHANGED = "notificationsChanged"  # the htmx event on which the bell reloads itself


@login_required
def notification_bell(request):
    """The bell alone, for htmx to reload after a notification is marked read."""
    return TemplateResponse(request, "dongchang/_bell.html")


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one read; with ``follow``, then go to where it points; from htmx, the row."""
    notification = object_or_404(notifications.notifications_of(request.user), pk)
    notifications.notification_read(user=request.user, notification=notification)
    if request.POST.get("follow") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    if request.htmx:
        response = TemplateResponse(
            request, "dongchang/_notification_row.html", {"notification": notification}
        )
        return trigger_client_event(response, CHANGED)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    count = notifications.notifications_read_all(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")
