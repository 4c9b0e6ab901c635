"""A small API that exercises each auth class of reportal.access through real HTTP (used by test_api_auth)."""

from django.urls import include, path
from ninja import NinjaAPI

from reportal import access
from reportal.access import Role, Scope

probe = NinjaAPI(urls_namespace="access-probe", auth=access.UNDECLARED, docs_url=None, openapi_url=None)


def _who(request):
    auth = request.auth
    return {"who": getattr(auth, "name", None) or auth.get_username()}


@probe.get("/assessors", auth=access.staff_api(Role.ANALYST, Role.SENIOR))
def assessors(request):
    return _who(request)


@probe.post("/assessors", auth=access.staff_api(Role.ANALYST, Role.SENIOR))
def assessors_post(request):
    return _who(request)


@probe.get("/match", auth=access.MemberKeyAuth(Scope.MATCH, staff=True))
def match(request):
    return _who(request)


@probe.get("/feed", auth=access.MemberKeyAuth(Scope.URL_LIST))
def feed(request):
    return _who(request)


@probe.get("/public", auth=access.PUBLIC)
def public(request):
    return {"who": "anyone"}


@probe.get("/forgotten")
def forgotten(request):
    return {"who": "should never answer"}


@access.require_staff(background=True)
def heartbeat_page(request):
    from django.http import HttpResponse

    return HttpResponse("beat")


def forgotten_page(request):
    from django.http import HttpResponse

    return HttpResponse("a page that forgot to ask reportal.access")


urlpatterns = [
    path("staff/forgotten/", forgotten_page, name="forgotten-page"),
    path("probe/", probe.urls),
    path("probe-heartbeat/", heartbeat_page),
    path("", include("reportal.urls")),
]
