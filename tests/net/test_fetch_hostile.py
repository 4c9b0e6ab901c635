"""Whatever a hostile or broken site answers, the guarded fetcher gives a result or a FetchError, never another
exception: malformed Location headers, bytes outside any encoding, broken framing, bad compression."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal.net.errors import FetchError
from reportal.net.fetch import FetchResult, fetch
from tests.fakes.raw_http import RawHttpServer, response, running_raw_server


@pytest.fixture(scope="module")
def raw_server():
    yield from running_raw_server()


HOSTILE_LOCATIONS = [
    b"http:\\\\host\\x",  # the reported case
    b"http:\\\\127.0.0.1\\x",
    b"http://[::1",
    b"http://[not-an-address]/",
    b"http://a\x00b.test/",
    b"http://host.test:99999/",
    b"http://host.test:-1/",
    b"http://" + b"a" * 70 + b".test/",  # a DNS label over 63 characters
    b"http://" + b"a." * 200 + b"test/",  # a name over 253 characters
    b"\xff\xfe\x80",
    b"http://\xc3\x28.test/",  # invalid UTF-8
    b"http://exa\xe2\x80\xaemple.test/",  # a right-to-left override
    b"javascript:alert(1)",
    b"file:///etc/passwd",
    b"//",
    b"http://",
    b"http://user:pass@127.0.0.1/",
    b"\x1b[31m",
    b"http://xn--a.test/",
    b"http://\xe2\x98\x83\xef\xbf\xbf.test/",
]

HOSTILE_RESPONSES = [
    response(b"200 OK", [b"Content-Encoding: gzip", b"Content-Length: 10"], b"not gzip!!"),
    response(b"200 OK", [b"Content-Encoding: br"], b"\x00\x01\x02 not brotli"),
    response(b"200 OK", [b"Transfer-Encoding: chunked"], b"zz\r\nbroken chunk\r\n"),
    response(b"200 OK", [b"Content-Length: 100"], b"short"),
    response(b"200 OK", [b"Content-Length: abc"], b"x"),
    response(b"200 OK", [b"Content-Length: 5", b"Content-Length: 6"], b"12345"),
    response(b"200 OK", [b"no colon in this header line"], b""),
    response(b"200 OK", [b"X-Bad: a\x00b"], b""),
    response(b"200 OK", [b"Content-Type: text/html; charset=\xff\xfe"], b"<html>\xff</html>"),
    response(b"999 Whatever", [], b""),
    response(b"abc", [], b""),
    response(b"302 Found", [b"Location: " + b"x" * 70000], b""),
    b"\x16\x03\x01 not http at all",
    b"HTTP/1.1 200 OK\n\rContent-Length: 0\r\n\r\n",
    b"",
    b"HTTP/9.9 200 OK\r\n\r\n",
]


def _expect_result_or_fetch_error(url: str) -> FetchResult | FetchError:
    try:
        return fetch(url, timeout=3)
    except FetchError as exc:
        assert str(exc)  # a message a person can read
        assert exc.reason
        return exc


@pytest.mark.parametrize("location", HOSTILE_LOCATIONS, ids=range(len(HOSTILE_LOCATIONS)))
def test_malformed_redirects_end_as_fetch_errors(raw_server: RawHttpServer, allow_loopback, location):
    raw_server.answer("/r", response(b"302 Found", [b"Location: " + location, b"Content-Length: 0"]))
    outcome = _expect_result_or_fetch_error(raw_server.url("/r"))
    if isinstance(outcome, FetchResult):
        # Only a Location that httpx could not even read as a redirect may come back as the 302 itself.
        assert outcome.status == 302


def test_the_reported_location_is_a_bad_redirect(raw_server: RawHttpServer, allow_loopback):
    raw_server.answer("/r", response(b"301 Moved", [b"Location: http:\\\\host\\x", b"Content-Length: 0"]))
    with pytest.raises(FetchError) as caught:
        fetch(raw_server.url("/r"), timeout=3)
    assert caught.value.reason in ("bad_redirect", "invalid", "refused", "dns")


@pytest.mark.parametrize("raw", HOSTILE_RESPONSES, ids=range(len(HOSTILE_RESPONSES)))
def test_malformed_responses_end_as_results_or_fetch_errors(raw_server: RawHttpServer, allow_loopback, raw):
    raw_server.answer("/bad", raw)
    _expect_result_or_fetch_error(raw_server.url("/bad"))


header_bytes = st.binary(min_size=0, max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(location=header_bytes, status=st.sampled_from([b"301 Moved", b"302 Found", b"303 See Other", b"307 X"]))
def test_any_location_header_gives_a_result_or_fetch_error(raw_server, allow_loopback, location, status):
    raw_server.answer("/h", response(status, [b"Location: " + location, b"Content-Length: 0"]))
    _expect_result_or_fetch_error(raw_server.url("/h"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.binary(min_size=1, max_size=30).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    value=header_bytes,
    body=st.binary(max_size=200),
    encoding=st.sampled_from([b"gzip", b"deflate", b"br", b"zstd", b"identity", b"chunked"]),
)
def test_any_header_and_body_give_a_result_or_fetch_error(raw_server, allow_loopback, name, value, body, encoding):
    header = b"Transfer-Encoding: chunked" if encoding == b"chunked" else b"Content-Encoding: " + encoding
    raw_server.answer("/any", response(b"200 OK", [name + b": " + value, header], body))
    _expect_result_or_fetch_error(raw_server.url("/any"))
