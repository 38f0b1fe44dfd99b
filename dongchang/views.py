from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from cadres.scoping import user_townships
from dongchang.dashboard import figures_for
from dongchang.waiting import waiting_for


@login_required
def home(request):
    townships = user_townships(request.user).annotate(village_count=Count("villages"))
    waiting = waiting_for(request.user, timezone.localdate())
    return render(request, "home.html", {"townships": townships, "waiting": waiting})


@login_required
def dashboard(request):
    figures = figures_for(request.user, timezone.localdate())
    return render(request, "dongchang/dashboard.html", {"figures": figures})
