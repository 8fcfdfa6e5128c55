"""Pages of the shared kernel: home."""

from django.shortcuts import render

from ecerp.core.permissions import AUTHENTICATED, require_permission


@require_permission(AUTHENTICATED)
def home(request):
    return render(request, "core/home.html", {})
