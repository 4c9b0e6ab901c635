"""Which party hears about an address: rules admins edit (hosting country, content class, portal country), tried in
priority order; a route that is not configured (ICCAM, NCMEC off) passes to the next rule, and the reason is kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from reportal.actions.models import RouteAction, RouteDecision, RoutingRule

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


# How to read an item's classification: the hotline hands its reader over at start-up (it imports actions, so
# actions may not import it). Until then no content-class condition holds.
CLASSIFICATIONS: list[Callable[[int], dict[str, Any]]] = [lambda item_id: {}]


@dataclass(frozen=True)
class Choice:
    """The route an address takes and why: what decided it, the conditions that held, the rules passed over."""

    route: Route
    basis: str  # "rule", "fallback" (a rule without conditions), "own_country" (a portal's country) or "none"
    matched: list[dict[str, str]] = field(default_factory=list)  # [{"condition": ..., "value": ...}]
    skipped: list[dict[str, Any]] = field(default_factory=list)  # [{"rule", "name", "action", "why"}]


def _iccam_on(country: str) -> bool:
    return bool(getattr(settings, "REPORTAL_ICCAM_URL", ""))


def _cybertipline_on(country: str) -> bool:
    return bool(
        getattr(settings, "REPORTAL_CYBERTIPLINE_ENVIRONMENT", "")
        and getattr(settings, "REPORTAL_CYBERTIPLINE_USERNAME", "")
    )


# Whether a network route can be taken for a hosting country. The defaults read the clients' settings (each is off
# until configured); a client app may hand over a finer check at start-up (actions.services.provide_route).
ROUTE_CHECKS: dict[str, Callable[[str], bool]] = {RouteAction.ICCAM: _iccam_on, RouteAction.NCMEC: _cybertipline_on}
UNAVAILABLE: dict[str, str] = {RouteAction.ICCAM: "iccam_off", RouteAction.NCMEC: "ncmec_off"}


def route_unavailable(action: str, country: str = "") -> str:
    """Why a route cannot be taken now ("iccam_off", "ncmec_off"), or "" when it can."""
    check = ROUTE_CHECKS.get(action)
    return UNAVAILABLE[action] if check is not None and not check(country) else ""


def _content_class_holds(wanted: str, classification: dict[str, Any]) -> bool:
    scheme, _sep, option = wanted.partition(":")
    value = classification.get(scheme.strip())
    if not option:
        return bool(value)
    if isinstance(value, (list, tuple, set)):
        return option.strip() in {str(v) for v in value}
    return str(value) == option.strip() if value is not None else False


def _conditions_hold(
    rule: RoutingRule, country: str, portal_country: str, classification: dict[str, Any]
) -> list[dict[str, str]] | None:
    """The conditions of `rule` that hold (all of them), or None when one does not."""
    matched: list[dict[str, str]] = []
    if rule.countries:
        if country not in rule.countries:
            return None
        matched.append({"condition": "hosting_country", "value": country})
    if rule.content_class:
        if not _content_class_holds(rule.content_class, classification):
            return None
        matched.append({"condition": "content_class", "value": rule.content_class})
    if rule.portal_country:
        if rule.portal_country.upper() != portal_country:
            return None
        matched.append({"condition": "portal_country", "value": portal_country})
    return matched


def _why_not(rule: RoutingRule, country: str) -> str:
    if rule.action == RouteAction.PARTNER and not rule.partner_email:
        return "partner_no_email"  # a partner without an address cannot be referred to
    return route_unavailable(rule.action, country)


def _route(action: str, country: str, rule: RoutingRule | None, fallback: RoutingRule | None) -> Route:
    if rule is None:
        return Route(action=action, country=country, language="en", rule=None)
    return Route(
        action=action,
        country=country,
        language=notice_language(rule.language),
        rule=rule,
        partner_name=rule.partner_name,
        partner_email=rule.partner_email,
        partner_language=notice_language(rule.partner_language or rule.language),
        police_name=rule.police_name or (fallback.police_name if fallback else ""),
        police_email=rule.police_email or (fallback.police_email if fallback else ""),
    )


def decide(hosting_country: str, *, portal_country: str = "", classification: dict[str, Any] | None = None) -> Choice:
    """Try the active rules by priority: the first whose conditions all hold and whose route can be taken decides.

    A rule without conditions is a fallback; before one applies, a hosting country that is one of the hotline's own
    portal countries gets a notice to the host and a referral to its police (its own rule would say so)."""
    from reportal.portals.services import portal_in_country

    country = (hosting_country or "").upper()
    portal_country = (portal_country or "").upper()
    classification = classification or {}
    rules = list(RoutingRule.objects.filter(active=True).order_by("priority", "pk"))
    fallback = next((r for r in reversed(rules) if r.is_fallback), None)
    skipped: list[dict[str, Any]] = []
    for rule in rules:
        matched = _conditions_hold(rule, country, portal_country, classification)
        if matched is None:
            continue
        if rule.is_fallback and country:
            portal = portal_in_country(country)
            if portal is not None:  # one of the hotline's own countries, not (yet) in the table
                police = fallback or rule
                route = Route(
                    action=RouteAction.HOST_AND_POLICE,
                    country=country,
                    language=notice_language(portal.default_language),
                    rule=None,
                    police_name=police.police_name,
                    police_email=police.police_email,
                )
                return Choice(route, "own_country", [{"condition": "own_country", "value": country}], skipped)
        why = _why_not(rule, country)
        if why:
            skipped.append({"rule": rule.pk, "name": rule.name, "action": rule.action, "why": why})
            continue
        basis = "fallback" if rule.is_fallback else "rule"
        return Choice(_route(rule.action, country, rule, fallback), basis, matched, skipped)
    return Choice(_route(RouteAction.HOST, country, None, None), "none", [], skipped)


def route_for_country(country: str) -> Route:
    """The route for a hosting country alone (no portal or content conditions)."""
    return decide(country).route


def hotline_contact() -> tuple[str, str, str]:
    """(organisation, e-mail, domain) of the hotline, as XARF's reporter and sender."""
    email = settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(" >")
    return settings.REPORTAL_HOTLINE_NAME, email, email.rsplit("@", 1)[-1].lower()


def sample_rules() -> list[dict[str, Any]]:
    return list(json.loads(SAMPLE_RULES.read_text())["rules"])


def load_rules(rows: list[dict[str, Any]], *, model: Any = RoutingRule, replace: bool = False) -> int:
    """Create (or with `replace`, update) rules from rows like those in data/routing_rules.json.

    Rows are keyed by their name (else by their conditions). `model` may be the table as migration 0002 saw it (one
    `country_code` per rule): there, only single-country rows of the routes it knew are loaded; 0004 adds the rest."""
    count = 0
    fields = {f.name for f in model._meta.get_fields()} - {"id"}
    legacy = "country_code" in fields
    for row in rows:
        countries = " ".join(str(row.get("hosting_countries", row.get("country_code", ""))).upper().split())
        if legacy:
            if row.get("action") not in ("partner", "host_and_police", "host") or len(countries) > 2:
                continue
            key = {"country_code": countries}
        elif row.get("name"):
            key = {"name": row["name"]}
        else:
            key = {
                "hosting_countries": countries,
                "content_class": row.get("content_class", ""),
                "portal_country": row.get("portal_country", ""),
            }
        values = {k: v for k, v in row.items() if k in fields and k not in key and k != "country_code"}
        if not legacy:
            values["hosting_countries"] = countries
        if replace:
            model.objects.update_or_create(**key, defaults=values)
            count += 1
        else:
            _obj, created = model.objects.get_or_create(**key, defaults=values)
            count += int(created)
    return count


# --- one item's decision: made when it is confirmed, kept, and explained on its page ------------------------------


def decide_for_item(item: Any, hosting_country: str) -> Choice:
    """The choice for a confirmed item: its hosting country, its portal's country and its standing classification."""
    portal_country = getattr(item.portal, "country_code", "") or ""
    return decide(hosting_country, portal_country=portal_country, classification=CLASSIFICATIONS[0](item.pk))


def record_decision(item: Any, choice: Choice) -> RouteDecision:
    rule = choice.route.rule
    return RouteDecision.objects.create(
        item=item,
        action=choice.route.action,
        rule=rule,
        rule_name=rule.name if rule else "",
        rule_number=rule.pk if rule else None,
        basis=choice.basis,
        hosting_country=choice.route.country,
        portal_country=(getattr(item.portal, "country_code", "") or "").upper(),
        matched=choice.matched,
        skipped=choice.skipped,
    )


def latest_decision(item: Any) -> RouteDecision | None:
    return RouteDecision.objects.filter(item=item).order_by("-decided_at", "-pk").first()


def route_label(action: str) -> str:
    """What was done, as the item page says it."""
    labels: dict[str, str] = {
        RouteAction.ICCAM: _("Sent to ICCAM (the hosting country's hotline)"),
        RouteAction.NCMEC: _("Reported to NCMEC's CyberTipline"),
        RouteAction.PARTNER: _("Referred to the partner hotline"),
        RouteAction.HOST_AND_POLICE: _("Notice to the host and referral to the police"),
        RouteAction.HOST: _("Notice to the host"),
        RouteAction.POLICE: _("Referred to the police"),
    }
    return str(labels.get(action, action))


def _condition_text(condition: dict[str, str]) -> str:
    value = condition.get("value", "")
    kind = condition.get("condition")
    if kind == "hosting_country":
        return _("hosted in %(country)s") % {"country": value}
    if kind == "content_class":
        return _("classified %(class)s") % {"class": value}
    if kind == "portal_country":
        return _("reported on the %(country)s portal") % {"country": value}
    return value


def _skipped_text(entry: dict[str, Any]) -> str:
    why = {
        "iccam_off": _("ICCAM is not configured"),
        "ncmec_off": _("the CyberTipline client is not configured"),
        "partner_no_email": _("the partner hotline has no e-mail address"),
    }.get(str(entry.get("why")), str(entry.get("why")))
    return _("Rule %(number)s (%(name)s) was passed over: %(why)s.") % {
        "number": entry.get("rule"),
        "name": entry.get("name") or "—",
        "why": why,
    }


def explain(decision: RouteDecision) -> tuple[str, list[str]]:
    """(why this route, one sentence per rule passed over), in the reader's language."""
    route = route_label(decision.action)
    rule = {"number": decision.rule_number, "name": decision.rule_name or "—"}
    if decision.basis == "rule":
        conditions = ", ".join(_condition_text(c) for c in decision.matched)
        reason = _("%(route)s because %(conditions)s (rule %(number)s: %(name)s).") % {
            "route": route,
            "conditions": conditions,
            **rule,
        }
    elif decision.basis == "fallback":
        reason = _("%(route)s because no earlier rule applied (fallback rule %(number)s: %(name)s).") % {
            "route": route,
            **rule,
        }
    elif decision.basis == "own_country":
        reason = _("%(route)s because hosted in %(country)s, one of the hotline's own portal countries.") % {
            "route": route,
            "country": decision.hosting_country,
        }
    else:
        reason = _("%(route)s because no routing rule applied.") % {"route": route}
    return reason, [_skipped_text(entry) for entry in decision.skipped]
