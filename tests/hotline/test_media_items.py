"""Media items of a page: recorded once per content, graded by the analyst, and only graded media with a good PDQ
are bankable."""

from __future__ import annotations

import pytest

from reportal.hotline import media
from reportal.hotline.schemes import ClassificationInvalid
from reportal.hotline.services import FoundMedia, record_page_media
from tests.hotline.factories import report_item


def found(n: int, *, quality: int = 90, kind: str = "image", known: str | None = None) -> FoundMedia:
    return FoundMedia(
        url=f"https://gallery.example.test/{n}.png",
        kind=kind,  # type: ignore[arg-type]
        content_type="image/png" if kind == "image" else "video/mp4",
        size_bytes=1000 + n,
        width=400,
        height=300,
        md5=f"{n:032x}",
        sha256=f"{n:064x}",
        pdq=f"{n:064x}" if kind == "image" else None,
        pdq_quality=quality if kind == "image" else None,
        known_grade=known,
    )


@pytest.mark.django_db
def test_recording_the_same_media_twice_keeps_one_row_each_and_their_grades(staff_user) -> None:
    item = report_item("https://gallery.example.test/page")
    analyst = staff_user("analyst")
    first = record_page_media(item.pk, [found(1), found(2)])
    media.grade_media(item.pk, [first[0]], {"legal_assessment": "baseline"}, analyst)
    again = record_page_media(item.pk, [found(2), found(1), found(3)])
    assert again[:2] == [first[1], first[0]]
    rows = media.media_of(item.pk)
    assert len(rows) == 3
    assert rows[0].grade == {"legal_assessment": "baseline"}
    assert rows[0].graded_by == analyst


@pytest.mark.django_db
def test_a_bank_match_found_later_marks_the_media_known() -> None:
    item = report_item("https://gallery.example.test/page")
    [pk] = record_page_media(item.pk, [found(1)])
    record_page_media(item.pk, [found(1, known="baseline/uk-A")])
    row = media.media_of(item.pk)[0]
    assert row.pk == pk and row.known and row.known_grade == "baseline/uk-A"
    assert media.known_grade_label(row.known_grade) == "Baseline: illegal under INTERPOL criteria, Category A"


@pytest.mark.django_db
def test_only_graded_illegal_media_with_enough_pdq_quality_are_bankable(settings, staff_user) -> None:
    settings.REPORTAL_MEDIA_BANK_MIN_QUALITY = 50
    item = report_item("https://gallery.example.test/page")
    analyst = staff_user("analyst")
    good, low, ungraded, not_illegal, known, threshold = record_page_media(
        item.pk,
        [found(1), found(2, quality=49), found(3), found(4), found(5, known=""), found(6, quality=50)],
    )
    media.grade_media(
        item.pk, [good, low, known, threshold], {"legal_assessment": "national", "uk_category": "B"}, analyst
    )
    media.grade_media(item.pk, [not_illegal], {"legal_assessment": "not_illegal"}, analyst)
    assert [row.pk for row in media.bankable(item.pk)] == [good, threshold]


@pytest.mark.django_db
def test_a_grade_needs_a_legal_assessment_and_a_known_option(staff_user) -> None:
    item = report_item("https://gallery.example.test/page")
    analyst = staff_user("analyst")
    [pk] = record_page_media(item.pk, [found(1)])
    with pytest.raises(ClassificationInvalid):
        media.grade_media(item.pk, [pk], {"uk_category": "A"}, analyst)
    with pytest.raises(ClassificationInvalid):
        media.grade_media(item.pk, [pk], {"legal_assessment": "worst"}, analyst)
    other = report_item("https://other.example.test/page")
    with pytest.raises(ClassificationInvalid):  # a media item of another item is not graded through this one
        media.grade_media(other.pk, [pk], {"legal_assessment": "baseline"}, analyst)
    assert media.media_of(item.pk)[0].grade == {}
