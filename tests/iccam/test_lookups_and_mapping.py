"""ICCAM's lists cached in the Lookup table, and the one Mapping table read both ways."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reportal.iccam import mapping, services
from reportal.iccam.models import Lookup, LookupKind
from tests.fakes import iccam_server

pytestmark = pytest.mark.django_db


def test_every_list_is_cached_and_values_iccam_dropped_go(iccam, monkeypatch):
    out = io.StringIO()
    call_command("iccam", "lookups", stdout=out)
    assert "ICCAM list values stored" in out.getvalue()
    assert set(Lookup.objects.values_list("kind", flat=True)) == set(LookupKind.values)
    assert Lookup.objects.get(kind=LookupKind.HOTLINE, code="11").country_code == "DE"
    assert mapping.inhope_countries() == {"SV", "DE", "NL", "US"}

    trimmed = {
        **iccam_server.LOOKUPS,
        "hotlines": [h for h in iccam_server.LOOKUPS["hotlines"] if h["countryCode"] != "NL"],
    }
    monkeypatch.setattr(iccam_server, "LOOKUPS", trimmed)
    services.refresh_lookups()
    assert "NL" not in mapping.inhope_countries() and not services.exports_to("NL")


def test_the_mapping_reads_both_ways(iccam):
    services.refresh_lookups()
    classification = {"legal_assessment": "national", "age_group": "infant_toddler", "gender": ["male"]}
    assessment = mapping.assessment(classification, "analyst")
    assert (assessment["classification"], assessment["ageCategorization"], assessment["genderCategorization"]) == (
        2,
        2,
        3,
    )
    assert mapping.code_for(LookupKind.SITE_TYPE, {}) == 2  # nothing chosen: ICCAM's default row
    assert mapping.classification_from(LookupKind.CLASSIFICATION, 2) == ("legal_assessment", "national")
    assert mapping.classification_from(LookupKind.AGE, 1) is None  # 'not determined' names no option of ours


def test_the_command_says_when_iccam_is_off(settings):
    settings.REPORTAL_ICCAM_URL = ""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="REPORTAL_ICCAM_URL"):
        call_command("iccam", "import")
