"""Classification schemes as the assessment form and API see them, and the check of a submitted classification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from reportal.hotline.models import ClassificationScheme, SchemeKind

LEGAL_SCHEME = "legal_assessment"
NOT_ILLEGAL = "not_illegal"


@dataclass(frozen=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True)
class Scheme:
    key: str
    name: str
    description: str
    kind: str
    required_when_actionable: bool
    options: tuple[Option, ...]


class ClassificationInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def active_schemes() -> list[Scheme]:
    """Active schemes and options, labels translated (the seeded English labels are msgids)."""
    schemes = ClassificationScheme.objects.filter(active=True).prefetch_related("options")
    return [
        Scheme(
            key=scheme.key,
            name=_(scheme.name),
            description=_(scheme.description) if scheme.description else "",
            kind=scheme.kind,
            required_when_actionable=scheme.required_when_actionable,
            options=tuple(Option(o.key, _(o.label)) for o in scheme.options.all() if o.active),
        )
        for scheme in schemes
    ]


def clean_classification(raw: dict[str, Any], *, actionable: bool) -> dict[str, Any]:
    """The classification reduced to known keys and values; raises ClassificationInvalid naming each problem."""
    schemes = {scheme.key: scheme for scheme in active_schemes()}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key, value in raw.items():
        scheme = schemes.get(key)
        if scheme is None:
            errors[key] = _("There is no classification scheme called '%(key)s'.") % {"key": key}
            continue
        allowed = {option.key for option in scheme.options}
        if scheme.kind == SchemeKind.FLAG:
            if not isinstance(value, bool):
                errors[key] = _("Answer %(scheme)s with yes or no.") % {"scheme": scheme.name}
            elif value:
                cleaned[key] = True
        elif scheme.kind == SchemeKind.MULTIPLE:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) and v in allowed for v in values):
                errors[key] = _("Choose %(scheme)s from the options listed.") % {"scheme": scheme.name}
            elif values:
                cleaned[key] = sorted(set(values))
        elif value in ("", None):
            continue
        elif not isinstance(value, str) or value not in allowed:
            errors[key] = _("Choose one %(scheme)s from the options listed.") % {"scheme": scheme.name}
        else:
            cleaned[key] = value
    if actionable:
        for scheme in schemes.values():
            if scheme.required_when_actionable and scheme.key not in cleaned and scheme.key not in errors:
                errors[scheme.key] = _("Choose %(scheme)s before marking the item actionable.") % {
                    "scheme": scheme.name
                }
        if cleaned.get(LEGAL_SCHEME) == NOT_ILLEGAL:
            errors[LEGAL_SCHEME] = _(
                "Content assessed as not illegal cannot be actionable: choose 'Not actionable' with the reason "
                "'Not illegal', or change the legal assessment."
            )
    if errors:
        raise ClassificationInvalid(errors)
    return cleaned


def category_of(classification: dict[str, Any]) -> str:
    """A short category for the URL list and the hash bank, such as 'baseline' or 'national/uk-A'."""
    parts = [str(classification.get(LEGAL_SCHEME, ""))]
    if classification.get("uk_category"):
        parts.append(f"uk-{classification['uk_category']}")
    return "/".join(part for part in parts if part)
