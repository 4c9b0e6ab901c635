"""Fetching from an exchange through python-threatexchange's client: StopNCII against a fake API on loopback."""

from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reportal.hashes import exchanges, matcher
from reportal.hashes.models import BankContent, ExchangeFetchState

pytestmark = pytest.mark.django_db

PDQ_1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_2 = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
PDQ_3 = "358c86641a5269ab5b0db5f1b2315c1642cef9652c39b6ced9f646d91f071927"
MD5_1 = "d41d8cd98f00b204e9800998ecf8427e"


def _record(signal_type: str, value: str, ts: int) -> dict:
    return {
        "lastModtimestamp": ts,
        "signalType": signal_type,
        "hashValue": value,
        "hashStatus": "Active",
        "caseNumbers": {"case-1": "Active"},
        "CSPFeedbacks": [{"feedbackValue": "Blocked", "tags": [], "source": "Other CSP"}],
    }


class FakeStopNCII:
    """Answers FetchHashes in two pages, then, from the stored checkpoint, one new record."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, dict]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.requests.append((params, dict(self.headers)))
                if parts.path != "/v1/FetchHashes":
                    self.send_response(404)
                    self.end_headers()
                    return
                body = fake.page(params)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def page(self, params: dict) -> dict:
        if params.get("startTimestamp") == "2000":
            records = [_record("ImagePDQ", PDQ_3, 2500)]
            return {"count": 1, "nextPageToken": None, "nextSetTimestamp": 2500, "hasMoreRecords": False,
                    "hashRecords": records}
        if params.get("nextPageToken") == "page-2":
            return {"count": 1, "nextPageToken": None, "nextSetTimestamp": 2000, "hasMoreRecords": False,
                    "hashRecords": [_record("VideoMD5", MD5_1, 1500), _record("ImagePDQ", PDQ_2, 1600)]}
        return {"count": 1, "nextPageToken": "page-2", "nextSetTimestamp": 1000, "hasMoreRecords": True,
                "hashRecords": [_record("ImagePDQ", PDQ_1, 900)]}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_stopncii(settings):
    fake = FakeStopNCII()
    settings.REPORTAL_STOPNCII_KEYS = f"fetch-key,subscription-key,{fake.base}"
    yield fake
    fake.close()


def test_stopncii_fetch_stores_signals_and_resumes_from_checkpoint(fake_stopncii):
    state = exchanges.fetch_exchange("stopncii")
    bank = state.bank
    assert bank.name == "STOPNCII"
    assert set(BankContent.objects.filter(bank=bank).values_list("pdq", "md5")) == {
        (PDQ_1, ""), (PDQ_2, ""), ("", MD5_1)
    }
    assert all(c.source == "stopncii" for c in BankContent.objects.filter(bank=bank))
    # Credentials travel as StopNCII expects them.
    _params, headers = fake_stopncii.requests[0]
    assert headers["x-functions-key"] == "fetch-key"
    assert headers["Ocp-Apim-Subscription-Key"] == "subscription-key"
    assert ExchangeFetchState.objects.get().checkpoint["update_time"] == 2000

    # The next fetch starts from the stored checkpoint and adds only what is new.
    exchanges.fetch_exchange("stopncii")
    assert fake_stopncii.requests[-1][0]["startTimestamp"] == "2000"
    assert BankContent.objects.filter(bank=bank).count() == 4
    assert [m.bank for m in matcher.lookup([("pdq", PDQ_3)])[0]] == ["STOPNCII"]


def test_unconfigured_exchange_says_which_setting_to_fill(settings):
    settings.REPORTAL_NCMEC_CREDENTIALS = ""
    with pytest.raises(CommandError) as exc:
        call_command("hashes", "fetch", "ncmec")
    assert "REPORTAL_NCMEC_CREDENTIALS" in str(exc.value)
    assert exchanges.configured_exchanges() == []


def test_scheduled_fetch_runs_configured_exchanges(fake_stopncii, settings):
    from reportal.hashes.tasks import fetch_exchanges

    settings.REPORTAL_THREATEXCHANGE_TOKEN = ""
    assert "hashes-fetch-exchanges" in settings.CELERY_BEAT_SCHEDULE
    result = fetch_exchanges.delay().get()
    assert result == {"stopncii": 3}


def test_a_failing_exchange_keeps_its_checkpoint_and_error(settings):
    from reportal.hashes.tasks import fetch_exchanges

    settings.REPORTAL_STOPNCII_KEYS = "fetch-key,subscription-key,http://127.0.0.1:9/v1"  # nothing listens there
    result = fetch_exchanges.delay().get()
    assert result["stopncii"].startswith("failed")
    assert ExchangeFetchState.objects.get(exchange="stopncii").last_error
