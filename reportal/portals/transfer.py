"""One readable JSON file per portal: export for review and version control, import to create or update."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from reportal.portals.models import Helpline, PartnerOrganisation, Portal

FORMAT_VERSION = 1
PORTAL_FIELDS = (
    "slug",
    "country_code",
    "name",
    "display_name",
    "languages",
    "brand_colour",
    "logo_text",
    "display_name_by_language",
    "logo_text_by_language",
    "active",
    "privacy_text",
    "legal_text",
)
PARTNER_FIELDS = ("name", "role", "link")
HELPLINE_FIELDS = ("name", "phone", "link", "hours")


class PortalFileError(Exception):
    """A portal file that cannot be imported; `problems` lists each one as 'where: what to fix'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def export_portal(portal: Portal) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT_VERSION}
    data.update({name: getattr(portal, name) for name in PORTAL_FIELDS})
    data["partners"] = [{name: getattr(p, name) for name in PARTNER_FIELDS} for p in portal.partners.all()]
    data["helplines"] = [{name: getattr(h, name) for name in HELPLINE_FIELDS} for h in portal.helplines.all()]
    return data


def dumps(portal: Portal) -> str:
    return json.dumps(export_portal(portal), ensure_ascii=False, indent=2) + "\n"


def loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PortalFileError([f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})."]) from None
    if not isinstance(data, dict):
        raise PortalFileError(["The file must hold one JSON object describing one portal."])
    return data


def _messages(where: str, error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{where}{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in error.message_dict.items()]
    return [f"{where.rstrip('.')}: {' '.join(error.messages)}"]


def _check_keys(where: str, item: object, allowed: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: must be an object with the keys {', '.join(allowed)}."]
    problems = [
        f"{where}: unknown key {key!r}; allowed are {', '.join(allowed)}." for key in item if key not in allowed
    ]
    problems += [f"{where}: the key {key!r} is missing." for key in required if key not in item]
    return problems


_Child = TypeVar("_Child", PartnerOrganisation, Helpline)


def _children(
    portal: Portal, key: str, data: dict[str, Any], model: type[_Child], fields: tuple[str, ...]
) -> tuple[list[_Child], list[str]]:
    """The partners or helplines of a portal file, checked, in file order (not saved)."""
    rows: list[_Child] = []
    problems: list[str] = []
    for i, item in enumerate(data.get(key, [])):
        where = f"{key}[{i}]"
        item_problems = _check_keys(where, item, fields, ("name",))
        if item_problems:
            problems += item_problems
            continue
        row = model(portal=portal, position=i, **item)
        try:
            row.full_clean(exclude=["portal"])
        except ValidationError as exc:
            problems += _messages(f"{where}.", exc)
        rows.append(row)
    return rows, problems


@transaction.atomic
def import_portal(data: dict[str, Any]) -> tuple[Portal, bool]:
    """Create or update the portal data['slug'], replacing its partners and helplines; returns (portal, created).

    Nothing is changed unless the whole file is valid.
    """
    problems = _check_keys("portal", data, ("format", *PORTAL_FIELDS, "partners", "helplines"), ("slug", "name"))
    if problems:
        raise PortalFileError(problems)
    if data.get("format", FORMAT_VERSION) != FORMAT_VERSION:
        raise PortalFileError([f"format: this version reads format {FORMAT_VERSION}, not {data.get('format')!r}."])
    for key in ("partners", "helplines"):
        if not isinstance(data.get(key, []), list):
            problems.append(f"{key}: must be a list.")
    if problems:
        raise PortalFileError(problems)

    portal = Portal.objects.filter(slug=data["slug"]).first() if isinstance(data["slug"], str) else None
    created = portal is None
    if portal is None:
        portal = Portal()
    for name in PORTAL_FIELDS:
        if name in data:
            setattr(portal, name, data[name])
    if not data.get("display_name"):
        portal.display_name = portal.display_name or str(data["name"])
    try:
        portal.full_clean()
    except ValidationError as exc:
        problems += _messages("portal.", exc)

    partners, partner_problems = _children(portal, "partners", data, PartnerOrganisation, PARTNER_FIELDS)
    helplines, helpline_problems = _children(portal, "helplines", data, Helpline, HELPLINE_FIELDS)
    problems += partner_problems + helpline_problems

    if problems:
        raise PortalFileError(problems)
    portal.save()
    portal.partners.all().delete()
    portal.helplines.all().delete()
    for partner in partners:
        partner.portal = portal
    for helpline in helplines:
        helpline.portal = portal
    PartnerOrganisation.objects.bulk_create(partners)
    Helpline.objects.bulk_create(helplines)
    return portal, created
