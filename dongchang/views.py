from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from cadres.scoping import user_townships


@login_required
def home(request):
    townships = user_townships(request.user).annotate(village_count=Count("villages"))
    return render(request, "home.html", {"townships": townships})
