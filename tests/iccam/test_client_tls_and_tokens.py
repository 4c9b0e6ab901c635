"""The client against the fake ICCAM: mutual TLS is required, tokens are renewed before they expire and when
ICCAM stops accepting one, and failures say whether to retry."""

from __future__ import annotations

import pytest

from reportal.iccam.client import IccamClient, IccamConfig, IccamError, MemoryTokens
from reportal.net.partner import PartnerTls
from tests.fakes.iccam_server import PASSWORD, USERNAME

pytestmark = pytest.mark.django_db


def _client(iccam, *, cert=None, key=None, password=PASSWORD, clock=None, store=None) -> IccamClient:
    tls = PartnerTls(
        client_cert=str(iccam.client_cert if cert is None else cert),
        client_key=str(iccam.client_key if key is None else key),
        ca_bundle=str(iccam.ca_file),
    )
    config = IccamConfig(url=iccam.url, username=USERNAME, password=password, tls=tls, timeout=5.0)
    kwargs = {"clock": clock} if clock else {}
    return IccamClient(config, store or MemoryTokens(), **kwargs)


def test_a_member_certificate_gets_in(iccam):
    with _client(iccam) as api:
        assert {row["countryCode"] for row in api.lookup("hotlines")} >= {"DE", "NL"}
    assert iccam.logins == 1


def test_without_a_client_certificate_the_tls_handshake_is_refused(iccam):
    with _client(iccam, cert="", key="") as api, pytest.raises(IccamError) as refused:
        api.lookup("countries")
    assert not refused.value.retryable  # a settings problem: retrying would not help
    assert "client certificate" in str(refused.value)
    assert iccam.requests == []  # nothing reached the API


def test_a_certificate_from_another_authority_is_refused(iccam):
    with _client(iccam, cert=iccam.stranger_cert, key=iccam.stranger_key) as api, pytest.raises(IccamError) as refused:
        api.lookup("countries")
    assert not refused.value.retryable and iccam.requests == []


def test_a_server_certificate_we_do_not_trust_is_refused(iccam, tmp_path):
    from tests.fakes.tls import make_ca_and_leaf

    other_ca, _leaf = make_ca_and_leaf(tmp_path, "elsewhere.test")
    tls = PartnerTls(client_cert=str(iccam.client_cert), client_key=str(iccam.client_key), ca_bundle=str(other_ca))
    config = IccamConfig(url=iccam.url, username=USERNAME, password=PASSWORD, tls=tls)
    with IccamClient(config, MemoryTokens()) as api, pytest.raises(IccamError) as refused:
        api.lookup("countries")
    assert not refused.value.retryable and "TLS" in str(refused.value)


def test_a_wrong_password_is_a_clear_permanent_error(iccam):
    with _client(iccam, password="wrong") as api, pytest.raises(IccamError) as refused:
        api.lookup("countries")
    assert not refused.value.retryable
    assert USERNAME in str(refused.value) and "password" in str(refused.value)


def test_the_token_is_renewed_before_it_expires(iccam):
    now = [1_000_000.0]
    store = MemoryTokens()
    with _client(iccam, clock=lambda: now[0], store=store) as api:
        api.lookup("countries")
        first = store.tokens
        now[0] += 1800 - 60  # a minute before ICCAM's expiry: renewed with the refresh token, no new sign-in
        api.lookup("countries")
    assert (iccam.logins, iccam.refreshes) == (1, 1)
    assert store.tokens is not None and first is not None and store.tokens.bearer != first.bearer


def test_a_token_iccam_expired_early_is_refreshed_and_the_call_repeated(iccam):
    with _client(iccam) as api:
        api.lookup("countries")
        iccam.expire_tokens()
        assert api.lookup("classifications")[0]["name"] == "Baseline"
    assert (iccam.logins, iccam.refreshes) == (1, 1)


def test_offline_and_unavailable_are_retryable(iccam):
    with _client(iccam) as api:
        iccam.offline = 503
        with pytest.raises(IccamError) as unavailable:
            api.lookup("countries")
        assert unavailable.value.retryable and unavailable.value.status == 503
        iccam.offline = None
        iccam.stop_listening()
        with pytest.raises(IccamError) as unreachable:
            api.lookup("countries")
        assert unreachable.value.retryable
        iccam.listen_again()
        assert api.lookup("countries")


def test_the_import_batch_is_capped_at_twenty(iccam):
    for n in range(25):
        iccam.add_foreign_content(f"http://batch{n}.test/page", assigned="SV")
    with _client(iccam) as api:
        assert len(api.no_reference(100)) == 20
    assert ("GET", "/rest/Content/no-reference") in iccam.requests and iccam.refused == []
