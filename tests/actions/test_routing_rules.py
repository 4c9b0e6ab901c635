"""Routing rules that admins edit: conditions (hosting country, content class, portal country), priority, the
fallback, routes that are not configured passed over with the reason, and the decision kept and explained."""

from __future__ import annotations

import pytest

from reportal.actions import routing
from reportal.actions.models import Notice, RouteAction, RouteDecision, RoutingRule
from reportal.actions.services import provide_route
from reportal.pipeline.models import Handoff
from tests.fakes.items import make_item, make_portal
from tests.hotline.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

DE_HOST = "127.0.0.3"  # the fake world's address hosted in Germany


def _signed_in(role: str, username: str):
    from reportal.accounts.services import create_staff

    user, *_rest = create_staff(username, role, [], password=PASSWORD, must_change_password=False)
    return signed_in(user)


def _rule(name: str) -> RoutingRule:
    return RoutingRule.objects.get(name=name)


def _explained(choice: routing.Choice, item=None) -> tuple[str, list[str]]:
    item = item or make_item("http://explained.test/page")
    return routing.explain(routing.record_decision(item, choice))


def test_while_iccam_is_off_the_inhope_rule_is_passed_over_with_the_reason(settings):
    settings.REPORTAL_ICCAM_URL = ""
    choice = routing.decide("NL")
    inhope, partner = _rule("INHOPE member countries"), _rule("Partner hotline Netherlands")
    assert (choice.route.action, choice.route.rule) == (RouteAction.PARTNER, partner)
    reason, passed_over = _explained(choice)
    assert reason == (
        f"Referred to the partner hotline because hosted in NL (rule {partner.pk}: Partner hotline Netherlands)."
    )
    assert passed_over == [f"Rule {inhope.pk} (INHOPE member countries) was passed over: ICCAM is not configured."]


def test_with_iccam_configured_an_inhope_country_goes_to_iccam(settings):
    settings.REPORTAL_ICCAM_URL = "https://iccam.example/api"
    choice = routing.decide("nl")
    inhope = _rule("INHOPE member countries")
    assert (choice.route.action, choice.basis) == (RouteAction.ICCAM, "rule")
    reason, passed_over = _explained(choice)
    assert reason == (
        "Sent to ICCAM (the hosting country's hotline) because hosted in NL (rule "
        f"{inhope.pk}: INHOPE member countries)."
    )
    assert passed_over == []


def test_a_client_may_hand_over_a_finer_check(settings):
    """ICCAM knows which countries have a hotline on its list; a country without one takes the next rule."""
    settings.REPORTAL_ICCAM_URL = "https://iccam.example/api"
    before = dict(routing.ROUTE_CHECKS)
    provide_route(RouteAction.ICCAM, lambda country: country != "DE")
    try:
        assert routing.decide("DE").route.action == RouteAction.PARTNER
        assert routing.decide("FR").route.action == RouteAction.ICCAM
    finally:
        routing.ROUTE_CHECKS.clear()
        routing.ROUTE_CHECKS.update(before)


def test_ncmec_off_then_on_for_us_hosting(settings):
    settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT = ""
    off = routing.decide("US")
    assert off.route.action == RouteAction.PARTNER
    assert [s["why"] for s in off.skipped] == ["ncmec_off"]
    _reason, passed_over = _explained(off)
    assert passed_over[0].endswith("was passed over: the CyberTipline client is not configured.")

    settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT = "test"
    settings.REPORTAL_CYBERTIPLINE_USERNAME = "hotline"
    assert routing.decide("US").route.action == RouteAction.NCMEC


def test_lowest_priority_number_wins_and_inactive_rules_are_ignored():
    RoutingRule.objects.create(name="Police first for FR", priority=5, hosting_countries="FR", action="police")
    assert routing.decide("FR").route.action == RouteAction.POLICE
    RoutingRule.objects.filter(name="Police first for FR").update(active=False)
    assert routing.decide("FR").route.action == RouteAction.PARTNER


def test_content_class_condition():
    national = RoutingRule.objects.create(
        name="National-only material: police",
        priority=1,
        content_class="legal_assessment:national",
        action="police",
        police_email="unit@police.example",
    )
    baseline = routing.decide("DE", classification={"legal_assessment": "baseline"})
    assert baseline.route.action == RouteAction.PARTNER
    choice = routing.decide("DE", classification={"legal_assessment": "national"})
    assert (choice.route.action, choice.route.police_email) == (RouteAction.POLICE, "unit@police.example")
    reason, _passed = _explained(choice)
    assert reason == (
        f"Referred to the police because classified legal_assessment:national (rule {national.pk}: "
        "National-only material: police)."
    )
    # A list-valued scheme matches when it holds the option.
    assert routing.decide("DE", classification={"legal_assessment": ["national"]}).route.action == RouteAction.POLICE


def test_portal_country_condition_and_all_conditions_together():
    rule = RoutingRule.objects.create(
        name="Guatemala's reports hosted in Spain",
        priority=1,
        hosting_countries="ES, PT",
        portal_country="GT",
        action="host_and_police",
        police_email="cibercrimen@pnc-gt.example",
    )
    assert routing.decide("ES", portal_country="SV").route.action == RouteAction.PARTNER  # other portal
    assert routing.decide("FR", portal_country="GT").route.action == RouteAction.PARTNER  # other country
    choice = routing.decide("PT", portal_country="gt")
    assert (choice.route.action, choice.route.rule) == (RouteAction.HOST_AND_POLICE, rule)
    reason, _passed = _explained(choice)
    assert reason == (
        "Notice to the host and referral to the police because hosted in PT, reported on the GT portal "
        f"(rule {rule.pk}: Guatemala's reports hosted in Spain)."
    )


def test_nothing_matches_the_fallback_decides_and_says_so():
    choice = routing.decide("ZZ")
    fallback = RoutingRule.objects.get(hosting_countries="", content_class="", portal_country="")
    assert (choice.route.action, choice.basis, choice.route.rule) == (RouteAction.HOST, "fallback", fallback)
    reason, _passed = _explained(choice)
    assert reason == (
        f"Notice to the host because no earlier rule applied (fallback rule {fallback.pk}: "
        "Fallback: notice to the host)."
    )


def test_an_own_portal_country_without_a_rule_gets_host_and_police():
    make_portal("ke", "KE", ["en"])
    choice = routing.decide("KE")
    assert (choice.route.action, choice.basis) == (RouteAction.HOST_AND_POLICE, "own_country")
    reason, _passed = _explained(choice)
    assert reason == (
        "Notice to the host and referral to the police because hosted in KE, one of the hotline's own portal countries."
    )


def test_an_unconfigured_fallback_route_leaves_host_notice_with_no_rule():
    RoutingRule.objects.filter(hosting_countries="", content_class="", portal_country="").update(action="ncmec")
    choice = routing.decide("ZZ")
    assert (choice.route.action, choice.basis) == (RouteAction.HOST, "none")
    assert [s["why"] for s in choice.skipped] == ["ncmec_off"]
    reason, passed_over = _explained(choice)
    assert reason == "Notice to the host because no routing rule applied."
    assert len(passed_over) == 1


def test_a_confirmed_item_hosted_in_germany_is_handed_to_iccam_and_the_page_says_why(actionable, settings):
    settings.REPORTAL_ICCAM_URL = "https://iccam.example/api"
    item = actionable("de.test", DE_HOST)

    decision = RouteDecision.objects.get(item=item)
    inhope = _rule("INHOPE member countries")
    assert (decision.action, decision.rule, decision.hosting_country, decision.portal_country) == (
        RouteAction.ICCAM,
        inhope,
        "DE",
        "SV",
    )
    handoff = Handoff.objects.get(event="item.route_iccam", subject_id=item.pk)
    assert handoff.task == "iccam.export_item"
    assert handoff.payload["url"] == item.canonical_url and handoff.payload["hosting_country"] == "DE"
    assert handoff.payload["decision_id"] == decision.pk
    assert not Notice.objects.filter(item=item).exists()  # the German hotline is told through ICCAM, not by us

    client = _signed_in("analyst", "route-reader")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert (
        "Sent to ICCAM (the hosting country&#x27;s hotline) because hosted in DE "
        f"(rule {inhope.pk}: INHOPE member countries)." in page
    )


def test_with_iccam_off_the_same_item_is_referred_by_e_mail_and_the_page_names_the_rule_passed_over(
    actionable, settings
):
    settings.REPORTAL_ICCAM_URL = ""
    item = actionable("de.test", DE_HOST)

    decision = RouteDecision.objects.get(item=item)
    assert decision.action == RouteAction.PARTNER and decision.skipped[0]["why"] == "iccam_off"
    assert not Handoff.objects.filter(event="item.route_iccam").exists()
    assert Notice.objects.filter(item=item, kind="partner_referral").exists()
    client = _signed_in("analyst", "route-reader")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    inhope = _rule("INHOPE member countries")
    assert f"Rule {inhope.pk} (INHOPE member countries) was passed over: ICCAM is not configured." in page
    assert "Referred to the partner hotline because hosted in DE" in page


def test_the_admin_lists_rules_in_priority_order(admin_client_for_rules):
    page = admin_client_for_rules.get("/admin/actions/routingrule/").content.decode()
    assert page.index("United States: NCMEC CyberTipline") < page.index("INHOPE member countries")
    assert page.index("INHOPE member countries") < page.index("Fallback: notice to the host")


@pytest.fixture
def admin_client_for_rules():
    return _signed_in("admin", "rules-admin")


def test_the_analysts_classification_reaches_the_rules(actionable):
    """The hotline hands its classification reader over at start-up; a content-class rule then sees the decision."""
    RoutingRule.objects.create(
        name="National-only material: police", priority=1, content_class="legal_assessment:national", action="police"
    )
    national = actionable("de.test", DE_HOST, classification={"legal_assessment": "national"})
    decision = RouteDecision.objects.get(item=national)
    assert decision.action == RouteAction.POLICE
    assert decision.matched == [{"condition": "content_class", "value": "legal_assessment:national"}]
    assert list(Notice.objects.filter(item=national).values_list("kind", flat=True)) == ["police_referral"]


def test_after_a_hand_off_to_iccam_escalation_tells_the_host_then_the_police(actionable, settings):
    from reportal.actions import notices
    from reportal.tracing.services import latest_trace

    settings.REPORTAL_ICCAM_URL = "https://iccam.example/api"
    item = actionable("de.test", DE_HOST)
    trace = latest_trace(item)
    [first] = notices.escalate(item, trace, 1)
    [second] = notices.escalate(item, trace, 2)
    assert (first.kind, first.recipients) == ("host_notice", ["abuse@host-de.example"])
    assert (second.kind, second.recipients) == ("police_referral", ["police-liaison@hotline.example"])
    [again] = notices.open_case(item, trace, reason="reappeared")  # the network's removal did not hold
    assert again.kind == "host_notice"
    assert Handoff.objects.filter(event="item.route_iccam", subject_id=item.pk).count() == 1
