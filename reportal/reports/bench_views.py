"""A bare view for bench/load_reports.py: the same server and middleware as the intake, no work of its own.

Wired into reportal/urls.py only when REPORTAL_BENCH_BARE_VIEW is on; it never exists in a normal install.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok":true}', status=201 if request.method == "POST" else 200,
                        content_type="application/json")


urlpatterns = [path("__bench__/bare/", bare, name="bench_bare")]
