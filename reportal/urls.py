"""URL map. Fixed prefixes come first; everything else is a portal at /<slug>/ (see portals.models.RESERVED_SLUGS)."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from reportal.api import api
from reportal.portals import urls as portal_urls  # also registers the <lang:...> converter used below
from reportal.stats import views as stats_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("staff/", include("reportal.accounts.urls")),
    path("workbench/removal/", include("reportal.actions.urls")),
    path("workbench/search/", include("reportal.crawler.urls")),
    path("workbench/", include("reportal.hotline.urls")),
    path("stats/", include("reportal.stats.urls")),
    path("", include("reportal.hashes.urls")),  # HMA-compatible /h/, /m/, /c/
    path("", include("reportal.lists.urls")),
    # A portal's transparency page, mapped here: stats asks portals.services, so portals' URL map cannot import stats.
    path("<slug:slug>/<lang:lang>/stats/", stats_views.public_stats, name="portal_stats"),
    path("", include(portal_urls)),  # last: /<slug>/...
]

if settings.REPORTAL_BENCH_BARE_VIEW:  # bench/load_reports.py: the framework's ceiling beside the intake
    from reportal.reports.bench_views import urlpatterns as bench_urlpatterns

    urlpatterns = [*bench_urlpatterns, *urlpatterns]
