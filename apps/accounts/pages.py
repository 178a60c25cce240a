"""Server-rendered staff pages (full middleware stack): the console shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render

from .models import Staff


@login_required
def console(request):
    staff = Staff.objects.select_related("org").filter(user=request.user).first()
    if staff is None:
        return HttpResponseForbidden("not a staff member of any organisation")
    return render(request, "console/home.html", {"staff": staff})
