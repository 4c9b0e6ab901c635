"""The guarded fetcher against a loopback test site."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reportal.net.errors import FetchError, FetchRefused
from reportal.net.fetch import MAX_REDIRECTS, fetch


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_loopback_is_refused_without_the_allow_list(website):
    website.set("/", "<html>hi</html>")
    with pytest.raises(FetchRefused):
        fetch(website.url("/"))
    assert website.requests == []  # refused before any connection


def test_fetches_a_page_by_name_through_the_checked_address(website, fake_dns, allow_loopback):
    fake_dns.add("site.test", "A", "127.0.0.1")
    website.set("/page", "<!DOCTYPE html><html><body>hello</body></html>", headers={"X-Test": "1"})
    result = fetch(f"http://site.test:{website.port}/page")
    assert result.status == 200
    assert result.content_type == "text/html"
    assert b"hello" in result.body
    assert result.headers["x-test"] == "1"
    assert result.address == "127.0.0.1"
    # The server saw the real host name even though the connection went to the checked address.
    assert website.requests[-1][2]["host"] == f"site.test:{website.port}"


def test_content_type_comes_from_the_bytes_not_the_header(website, allow_loopback):
    website.set("/img", _png(), headers={"Content-Type": "text/plain"})
    result = fetch(website.url("/img"))
    assert result.content_type == "image/png"
    assert result.declared_content_type == "text/plain"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
        (b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00" + b"\x00" * 20, "image/bmp"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, "video/mp4"),
        (b"  <html><body>x</body></html>", "text/html"),
        (b"just words", "application/json"),  # nothing to sniff: the header's type stands
    ],
)
def test_magic_numbers(website, allow_loopback, body, expected):
    website.set("/x", body, headers={"Content-Type": "application/json"})
    assert fetch(website.url("/x")).content_type == expected


def test_redirect_to_a_forbidden_address_is_refused(website, fake_dns, settings):
    from ipaddress import ip_network

    # Only this one loopback address is allowed; the redirect points at another.
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.1/32")]
    website.redirect("/go", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FetchRefused, match="169.254.169.254"):
        fetch(website.url("/go"))


def test_redirects_are_followed_and_recorded(website, allow_loopback):
    website.redirect("/a", "/b")
    website.set("/b", "<html>b</html>")
    result = fetch(website.url("/a"))
    assert result.final_url == website.url("/b")
    assert result.redirects == [website.url("/b")]


def test_redirect_loops_stop(website, allow_loopback):
    website.redirect("/loop", "/loop")
    with pytest.raises(FetchError) as info:
        fetch(website.url("/loop"))
    assert info.value.reason == "too_many_redirects"
    assert len(website.requests) == MAX_REDIRECTS + 1


def test_a_body_over_the_cap_stops_the_download(website, allow_loopback):
    website.set("/big", b"a" * 50_000, send_length=False)
    with pytest.raises(FetchError) as info:
        fetch(website.url("/big"), max_bytes=10_000)
    assert info.value.reason == "too_large"


def test_declared_length_over_the_cap_is_refused_before_reading(website, allow_loopback, settings):
    settings.REPORTAL_FETCH_MAX_BYTES = 1000
    website.set("/big", b"a" * 5000)
    with pytest.raises(FetchError, match="limit") as info:
        fetch(website.url("/big"))
    assert info.value.reason == "too_large"


def test_truncation_on_request(website, allow_loopback):
    website.set("/big", b"<html>" + b"a" * 5000, send_length=False)
    result = fetch(website.url("/big"), max_bytes=100, allow_truncate=True)
    assert result.truncated and len(result.body) == 100


def test_a_slow_server_times_out(website, allow_loopback):
    website.set("/slow", "<html>late</html>", delay_seconds=2)
    with pytest.raises(FetchError) as info:
        fetch(website.url("/slow"), timeout=0.3)
    assert info.value.reason == "timeout"


def test_a_dripping_server_hits_the_deadline(website, allow_loopback):
    website.set("/drip", b"x" * 20_000, drip_seconds=0.1)
    with pytest.raises(FetchError) as info:
        fetch(website.url("/drip"), timeout=0.5)
    assert info.value.reason == "timeout"


def test_nothing_listening_is_a_connection_error(allow_loopback):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError) as info:
        fetch(f"http://127.0.0.1:{port}/")
    assert info.value.reason == "connect"


def test_head_reads_no_body(website, allow_loopback):
    website.set("/h", "<html>x</html>")
    result = fetch(website.url("/h"), method="HEAD")
    assert result.status == 200 and result.body == b""


def test_404_is_a_result_not_an_error(website, allow_loopback):
    result = fetch(website.url("/missing"))
    assert result.status == 404


def test_an_international_name_is_fetched_by_its_idna_form(website, fake_dns, allow_loopback):
    fake_dns.add("xn--bcher-kva.test", "A", "127.0.0.1")
    website.set("/", "<html>ok</html>")
    result = fetch(f"http://bücher.test:{website.port}/")
    assert result.status == 200
    assert website.requests[-1][2]["host"] == f"xn--bcher-kva.test:{website.port}"
