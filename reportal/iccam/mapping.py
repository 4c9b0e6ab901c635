"""Our classification <-> ICCAM's codes, through the one Mapping table (seeded with INHOPE's codes, editable in the
admin). Export reads it forwards, import backwards; a code ICCAM's cached lists do not hold is refused here, before
anything is sent."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from reportal.iccam.models import Lookup, LookupKind, Mapping

YES, NO = "yes", "no"
# Our flag schemes and the ICCAM list each answers (a flag's option is 'yes' or 'no').
ASSESSMENT_FIELDS = {
    "classification": LookupKind.CLASSIFICATION,
    "ageCategorization": LookupKind.AGE,
    "genderCategorization": LookupKind.GENDER,
}
BASELINE, NATIONAL, NOT_ILLEGAL = "1", "2", "4"  # ICCAM classification codes whose rules we apply


class MappingMissing(Exception):
    """No ICCAM code for a value, or a code ICCAM's lists do not know: staff fix the Mapping table."""


def _options(classification: dict[str, Any], scheme: str) -> list[str]:
    value = classification.get(scheme)
    if value is True:
        return [YES]
    if value is False:
        return [NO]
    if isinstance(value, list):
        options = sorted(str(v) for v in value)
        return ["+".join(options), *options] if len(options) > 1 else options
    return [str(value)] if value not in (None, "") else []


def code_for(kind: str, classification: dict[str, Any]) -> int:
    """ICCAM's code on list `kind` for a classification: the first row whose scheme holds a matching option, else
    the list's default row (ICCAM's 'not determined'); MappingMissing when there is neither."""
    rows = list(Mapping.objects.filter(kind=kind))
    by_option = {(row.scheme, row.option): row for row in rows if row.scheme}
    for scheme in dict.fromkeys(row.scheme for row in rows if row.scheme):
        # A multiple choice ('female' and 'male') may be mapped as one combined option, tried before each alone.
        for option in _options(classification, scheme):
            if (scheme, option) in by_option:
                return _known(kind, by_option[scheme, option].code)
    default = next((row for row in rows if not row.scheme), None)
    if default is None:
        raise MappingMissing(
            _("No ICCAM %(list)s code is mapped for this classification; add a row to the ICCAM mapping.")
            % {"list": kind}
        )
    return _known(kind, default.code)


def _known(kind: str, code: str) -> int:
    cached = Lookup.objects.filter(kind=kind)
    if cached.exists() and not cached.filter(code=code).exists():
        raise MappingMissing(
            _("The mapping names ICCAM %(list)s code %(code)s, which ICCAM's current list does not have.")
            % {"list": kind, "code": code}
        )
    return int(code)


def assessment(classification: dict[str, Any], analyst: str) -> dict[str, Any]:
    """ICCAM's assessment of one URL from our classification."""
    content_types = set(classification.get("content_type") or [])
    result: dict[str, Any] = {"assessingAnalystName": analyst}
    for field, kind in ASSESSMENT_FIELDS.items():
        result[field] = code_for(kind, classification)
    result["virtualContentCategorization"] = bool(content_types & {"drawn_virtual", "ai_generated"})
    result["userGeneratedContentCategorization"] = bool(classification.get("self_generated"))
    result["childModelingCategorization"] = False
    return result


def classification_from(kind: str, code: object) -> tuple[str, str] | None:
    """(our scheme, option) for an ICCAM code, read backwards; None when the code means 'not determined'."""
    row = Mapping.objects.filter(kind=kind, code=str(code)).exclude(scheme="").order_by("pk").first()
    return (row.scheme, row.option) if row is not None else None


def inhope_countries() -> set[str]:
    """Countries with an INHOPE hotline on ICCAM (from the cached hotline list)."""
    return set(
        Lookup.objects.filter(kind=LookupKind.HOTLINE).exclude(country_code="").values_list("country_code", flat=True)
    )
