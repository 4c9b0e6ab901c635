"""Routing by hosting country alone: the shipped sample table, portal countries, the fallback (ICCAM and NCMEC off)."""

from __future__ import annotations

import pytest

from reportal.actions.models import RouteAction, RoutingRule
from reportal.actions.routing import route_for_country, sample_rules
from tests.fakes.items import make_portal

pytestmark = pytest.mark.django_db


def test_the_sample_table_is_loaded_by_migration():
    assert RoutingRule.objects.count() == len(sample_rules())
    assert RoutingRule.objects.filter(hosting_countries="", content_class="", portal_country="").exists()  # a fallback


def test_own_country_notice_to_host_and_police_in_its_language():
    route = route_for_country("SV")
    assert (route.action, route.language) == (RouteAction.HOST_AND_POLICE, "es")
    assert route.police_email == "investigaciones@pnc-sv.example"


def test_partner_country_refers_to_the_partner():
    route = route_for_country("fr")
    assert (route.action, route.partner_email, route.partner_language) == (
        RouteAction.PARTNER,
        "signalements@hotline-fr.example",
        "fr",
    )


def test_a_portal_country_without_a_rule_is_treated_as_the_hotlines_own():
    make_portal("ke", "KE", ["en"])
    route = route_for_country("KE")
    assert route.action == RouteAction.HOST_AND_POLICE
    assert route.police_email == "police-liaison@hotline.example"  # from the fallback rule


def test_unknown_or_untraced_country_takes_the_fallback():
    for country in ("ZZ", ""):
        route = route_for_country(country)
        assert route.action == RouteAction.HOST and route.language == "en"


def test_a_partner_without_an_address_falls_back_to_the_host():
    RoutingRule.objects.filter(hosting_countries="DE").update(partner_email="")
    assert route_for_country("DE").action == RouteAction.HOST


def test_an_unknown_language_falls_back_to_english():
    RoutingRule.objects.filter(hosting_countries="DE").update(language="de", partner_language="de")
    assert route_for_country("DE").partner_language == "en"
