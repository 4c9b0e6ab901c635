"""Workbench pages of proactive search: the crawls (start one), a crawl's progress, findings and leads (stop it),
and starting a crawl from an item page. Every view and change is audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reportal import access
from reportal.access import HOTLINE_ROLES, require_staff
from reportal.audit.services import record as audit
from reportal.crawler import services
from reportal.crawler.forms import StartCrawlForm
from reportal.reports import services as reports


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/denied.html", {"message": _("Only hotline staff may run crawls.")}, status=403)


@require_staff(*HOTLINE_ROLES)
def crawls(request: HttpRequest) -> HttpResponse:
    if not access.can_run_crawls(request.user):
        return _refuse(request)
    form = StartCrawlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            crawl = services.start_crawl(
                form.cleaned_data["url"],
                portal=form.cleaned_data["portal"],
                started_by=request.user,
                scope=form.cleaned_data["scope"],
                max_depth=form.cleaned_data["max_depth"],
                max_pages=form.cleaned_data["max_pages"],
            )
        except services.CrawlRefused as exc:
            form.add_error("url", str(exc))
        else:
            audit(request.user, "crawler.start", None, crawl_id=crawl.pk, seed=crawl.seed_url)
            messages.success(request, _("The crawl of %(site)s has started.") % {"site": crawl.site})
            return redirect("crawler:crawl", crawl_id=crawl.pk)
    audit(request.user, "crawler.view_crawls", None)
    rows = [(crawl, services.progress(crawl)) for crawl in services.recent_crawls()]
    return render(request, "crawler/crawls.html", {"form": form, "rows": rows})


def _crawl_context(crawl: services.Crawl) -> dict[str, object]:
    return {
        "crawl": crawl,
        "progress": services.progress(crawl),
        "findings": services.findings_of(crawl),
        "leads": services.leads_of(crawl),
    }


@require_staff(*HOTLINE_ROLES)
def crawl(request: HttpRequest, crawl_id: int) -> HttpResponse:
    if not access.can_run_crawls(request.user):
        return _refuse(request)
    found = services.get_crawl(crawl_id)
    if found is None:
        raise Http404
    audit(request.user, "crawler.view_crawl", None, crawl_id=crawl_id)
    return render(request, "crawler/crawl.html", _crawl_context(found))


@require_staff(*HOTLINE_ROLES, background=True)
def crawl_progress(request: HttpRequest, crawl_id: int) -> HttpResponse:
    """The live part of the crawl page (figures, findings, leads), refreshed every few seconds by htmx; the page
    view was audited, its refreshes are not."""
    if not access.can_run_crawls(request.user):
        return _refuse(request)
    found = services.get_crawl(crawl_id)
    if found is None:
        raise Http404
    return render(request, "crawler/_live.html", _crawl_context(found))


@require_staff(*HOTLINE_ROLES)
@require_POST
def stop(request: HttpRequest, crawl_id: int) -> HttpResponse:
    if not access.can_run_crawls(request.user):
        return _refuse(request)
    if services.stop_crawl(crawl_id):
        audit(request.user, "crawler.stop", None, crawl_id=crawl_id)
        messages.success(request, _("The crawl was stopped. Pages already fetched keep their results."))
    else:
        messages.error(request, _("This crawl is not running, so there was nothing to stop."))
    return redirect("crawler:crawl", crawl_id=crawl_id)


@require_staff(*HOTLINE_ROLES)
@require_POST
def start_from_item(request: HttpRequest, item_id: int) -> HttpResponse:
    if not access.can_run_crawls(request.user):
        return _refuse(request)
    item = access.item_or_404(request.user, item_id, reports.items().select_related("portal"))
    try:
        crawl = services.start_crawl(item.canonical_url, portal=item.portal, seed_item=item, started_by=request.user)
    except services.CrawlRefused as exc:
        audit(request.user, "crawler.start_refused", item, reason=str(exc)[:300])
        messages.error(request, str(exc))
        return redirect("hotline:item", item_id=item.pk)
    audit(request.user, "crawler.start", item, crawl_id=crawl.pk, seed=crawl.seed_url)
    messages.success(request, _("The crawl of %(site)s has started.") % {"site": crawl.site})
    return redirect("crawler:crawl", crawl_id=crawl.pk)
