"""Which party hears about an address, decided by the hosting country (rules table, fallback rule, portal countries)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from reportal.actions.models import RouteAction, RoutingRule

SAMPLE_RULES = Path(__file__).resolve().parent / "data" / "routing_rules.json"
TEMPLATE_LANGUAGES = ("en", "es", "fr", "pt")


def notice_language(code: str) -> str:
    """A language we have notice templates for: the code itself, its base language, else English."""
    base = (code or "").split("-")[0].lower()
    return base if base in TEMPLATE_LANGUAGES else "en"


@dataclass(frozen=True)
class Route:
    action: str
    country: str  # the hosting country the route was chosen for ('' when unknown)
    language: str  # of the host notice
    rule: RoutingRule | None
    partner_name: str = ""
    partner_email: str = ""
    partner_language: str = "en"
    police_name: str = ""
    police_email: str = ""


def _fallback_rule() -> RoutingRule | None:
    return RoutingRule.objects.filter(country_code="", active=True).first()


def route_for_country(country: str) -> Route:
    """The route for a hosting country: its rule; else, for a portal's country, host plus police; else the fallback."""
    from reportal.portals.services import portal_in_country

    country = (country or "").upper()
    rule = RoutingRule.objects.filter(country_code=country, active=True).first() if country else None
    fallback = _fallback_rule()
    if rule is None and country:
        portal = portal_in_country(country)
        if portal is not None:  # one of the hotline's own countries, not yet in the table
            return Route(
                action=RouteAction.HOST_AND_POLICE,
                country=country,
                language=notice_language(portal.default_language),
                rule=None,
                police_email=fallback.police_email if fallback else "",
                police_name=fallback.police_name if fallback else "",
            )
    chosen = rule or fallback
    if chosen is None:
        return Route(action=RouteAction.HOST, country=country, language="en", rule=None)
    action = chosen.action
    if action == RouteAction.PARTNER and not chosen.partner_email:
        action = RouteAction.HOST  # a partner without an address cannot be referred to
    return Route(
        action=action,
        country=country,
        language=notice_language(chosen.language),
        rule=chosen,
        partner_name=chosen.partner_name,
        partner_email=chosen.partner_email,
        partner_language=notice_language(chosen.partner_language or chosen.language),
        police_name=chosen.police_name or (fallback.police_name if fallback else ""),
        police_email=chosen.police_email or (fallback.police_email if fallback else ""),
    )


def sample_rules() -> list[dict[str, Any]]:
    return list(json.loads(SAMPLE_RULES.read_text())["rules"])


def load_rules(rows: list[dict[str, Any]], *, model: Any = RoutingRule, replace: bool = False) -> int:
    """Create (or with `replace`, update) rules from rows like those in data/routing_rules.json."""
    count = 0
    fields = {f.name for f in model._meta.get_fields()} - {"id"}
    for row in rows:
        values = {k: v for k, v in row.items() if k in fields and k != "country_code"}
        code = str(row.get("country_code", "")).upper()
        if replace:
            model.objects.update_or_create(country_code=code, defaults=values)
            count += 1
        else:
            _obj, created = model.objects.get_or_create(country_code=code, defaults=values)
            count += int(created)
    return count


def hotline_contact() -> tuple[str, str, str]:
    """(organisation, e-mail, domain) of the hotline, as XARF's reporter and sender."""
    email = settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(" >")
    return settings.REPORTAL_HOTLINE_NAME, email, email.rsplit("@", 1)[-1].lower()
