from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cadres.scoping import user_townships
from dongchang import manuals
from dongchang.dashboard import figures_for
from dongchang.waiting import waiting_for
from vetting.selectors import opinions_awaited, opinions_followed

# The department's home page shows its oldest pending opinions; its queue has them all.
AWAITED_SHOWN = 20


@login_required
def home(request):
    townships = user_townships(request.user).annotate(village_count=Count("villages"))
    today = timezone.localdate()
    waiting = waiting_for(request.user, today)
    context = {"townships": townships, "waiting": waiting, "today": today}
    if request.user.has_perm("vetting.give_opinion") and request.user.department:
        awaited = opinions_awaited(opinions_followed(request.user))
        context.update(
            department=request.user.get_department_display(),
            awaited=awaited[:AWAITED_SHOWN],
            awaited_count=awaited.count(),
        )
    return render(request, "home.html", context)


@login_required
def dashboard(request):
    figures = figures_for(request.user, timezone.localdate())
    return render(request, "dongchang/dashboard.html", {"figures": figures})


@login_required
def help_index(request):
    """帮助: the manual of the user's own role, with the others a click away."""
    return _help_page(request, manuals.guide_for(request.user))


@login_required
def help_guide(request, role: str):
    guide = manuals.GUIDES_BY_SLUG.get(role)
    if guide is None:
        raise Http404
    return _help_page(request, guide)


def _help_page(request, guide: manuals.Guide):
    context = {"guide": guide, "guides": manuals.GUIDES, "own": manuals.guide_for(request.user)}
    return render(request, guide.template, context)
