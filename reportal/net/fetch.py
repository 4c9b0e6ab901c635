"""The guarded fetcher: every HTTP request reportal makes to an address from the outside world goes through here.

It resolves the host itself, refuses non-public destinations (see guard.py), connects to the address it checked
(so a second DNS answer cannot rebind it), re-checks every redirect hop, streams with a byte cap and a deadline,
and keeps the body in memory only.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from reportal.net.errors import FetchError, FetchRefused
from reportal.net.guard import CheckedUrl, check_url
from reportal.net.sniff import sniff_content_type

__all__ = ["FetchError", "FetchRefused", "FetchResult", "FetchSession", "fetch", "MAX_REDIRECTS"]

MAX_REDIRECTS = 5
USER_AGENT = "reportal/0.1 (hotline takedown monitor)"
_REDIRECT_CODES = (301, 302, 303, 307, 308)

logger = logging.getLogger(__name__)

# httpx logs every request line at INFO; reported addresses do not belong in plain logs.
logging.getLogger("httpx").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs more than a whole loopback request."""
    return httpx.create_ssl_context()


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str  # sniffed from the bytes where they show it, else the header's type
    headers: dict[str, str]
    body: bytes
    redirects: list[str] = field(default_factory=list)
    address: str = ""  # the IP address the final response came from
    truncated: bool = False

    @property
    def declared_content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self) -> str:
        charset = "utf-8"
        for part in self.declared_content_type.split(";")[1:]:
            key, _sep, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"' ")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class FetchSession:
    """Keeps connections open between fetches, for a caller that fetches many resources from one site (the
    crawler). Every fetch is still checked by the guard, capped and timed as a lone one; a kept connection is only
    ever to an address the guard allowed (requests go to the checked address, never to a name)."""

    def __init__(self, *, max_connections: int = 4) -> None:
        self.client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            verify=_tls_context(),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    def __enter__(self) -> FetchSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()


def _url_for_address(checked: CheckedUrl, address: str) -> str:
    """The same URL with the host replaced by the checked address, so the connection goes where the guard looked."""
    parts = urlsplit(checked.url)
    host = f"[{address}]" if ":" in address else address
    default_port = 443 if checked.scheme == "https" else 80
    netloc = host if checked.port == default_port else f"{host}:{checked.port}"
    return urlunsplit((checked.scheme, netloc, parts.path or "/", parts.query, ""))


def _host_header(checked: CheckedUrl) -> str:
    host = f"[{checked.host}]" if ":" in checked.host else checked.host
    default_port = 443 if checked.scheme == "https" else 80
    return host if checked.port == default_port else f"{host}:{checked.port}"


def _send(
    client: httpx.Client,
    checked: CheckedUrl,
    method: str,
    deadline: float,
    max_bytes: int,
    allow_truncate: bool,
    extra_headers: dict[str, str],
) -> tuple[httpx.Response, bytes, str, bool]:
    last_error: Exception | None = None
    for address in checked.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        request = client.build_request(
            method,
            _url_for_address(checked, address),
            headers={"User-Agent": USER_AGENT, "Accept": "*/*", **extra_headers, "Host": _host_header(checked)},
            extensions={"sni_hostname": checked.host, "timeout": httpx.Timeout(remaining).as_dict()},
        )
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectError as exc:
            last_error = exc
            continue  # another address of the same host may answer
        except httpx.InvalidURL:
            # The request was built already: httpx parses a redirect's Location inside send(), even when it does
            # not follow it, and a malformed one ("http:\\host\x") raises here.
            raise _bad_redirect(checked.url) from None
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes and not allow_truncate:
                raise FetchError(
                    _("%(url)s is larger (%(size)s bytes) than the limit of %(max)s bytes.")
                    % {"url": checked.url, "size": declared, "max": max_bytes},
                    reason="too_large",
                    url=checked.url,
                )
            chunks: list[bytes] = []
            size = 0
            truncated = False
            if method != "HEAD" and response.status_code not in _REDIRECT_CODES:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        if not allow_truncate:
                            raise FetchError(
                                _("%(url)s sent more than the limit of %(max)s bytes; the download was stopped.")
                                % {"url": checked.url, "max": max_bytes},
                                reason="too_large",
                                url=checked.url,
                            )
                        chunks.append(chunk[: max_bytes - (size - len(chunk))])
                        truncated = True
                        break
                    chunks.append(chunk)
                    # A server that drips bytes slowly would never trip the read timeout; the deadline stops it.
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline passed", request=request)
            return response, b"".join(chunks), address, truncated
        finally:
            response.close()
    if last_error is not None:
        raise FetchError(
            _("Could not connect to %(host)s: %(error)s") % {"host": checked.host, "error": last_error},
            reason="connect",
            url=checked.url,
        )
    raise httpx.ConnectTimeout("deadline passed before connecting")


def fetch(
    url: str,
    *,
    max_bytes: int | None = None,
    timeout: float | None = None,
    method: str = "GET",
    allow_truncate: bool = False,
    headers: dict[str, str] | None = None,
    session: FetchSession | None = None,
) -> FetchResult:
    """Fetch `url` through the SSRF guard. Raises FetchRefused (forbidden destination) or FetchError (anything else).

    `timeout` bounds the whole fetch, redirects included. With `allow_truncate` a body over `max_bytes` is cut
    to the limit (result.truncated) instead of failing, for callers that only need the start of a page.
    `headers` adds request headers (such as Accept); Host is always the checked URL's. With a `session` the
    connection may be one kept open by an earlier fetch of the session.
    """
    method = method.upper()
    if method not in ("GET", "HEAD"):
        raise ValueError(f"The guarded fetcher only sends GET and HEAD, not {method}.")
    limit = int(max_bytes if max_bytes is not None else settings.REPORTAL_FETCH_MAX_BYTES)
    seconds = float(timeout if timeout is not None else settings.REPORTAL_FETCH_TIMEOUT)
    deadline = time.monotonic() + seconds
    redirects: list[str] = []
    current = url
    own_client = (
        contextlib.nullcontext(session.client)
        if session is not None
        else httpx.Client(follow_redirects=False, trust_env=False, timeout=seconds, verify=_tls_context())
    )
    with own_client as client:
        while True:
            try:
                checked = check_url(current, timeout=max(0.1, deadline - time.monotonic()))
                response, body, address, truncated = _send(
                    client, checked, method, deadline, limit, allow_truncate, headers or {}
                )
                location = response.headers.get("location")
                is_redirect = response.status_code in _REDIRECT_CODES and bool(location)
                response_headers = {k.lower(): v for k, v in response.headers.items()}
            except FetchError:
                raise
            except httpx.TimeoutException:
                raise FetchError(
                    _("%(url)s did not answer within %(seconds)s seconds.") % {"url": current, "seconds": seconds},
                    reason="timeout",
                    url=current,
                ) from None
            except Exception as exc:  # noqa: BLE001 -- see _failure: a hostile site must not crash the caller
                raise _failure(current, exc) from None
            if is_redirect:
                if len(redirects) >= MAX_REDIRECTS:
                    raise FetchError(
                        _("%(url)s redirected more than %(max)d times; reportal stopped following it.")
                        % {"url": url, "max": MAX_REDIRECTS},
                        reason="too_many_redirects",
                        url=url,
                    )
                current = _redirect_target(current, location or "")
                redirects.append(current)
                continue
            return FetchResult(
                url=url,
                final_url=current,
                status=response.status_code,
                content_type=sniff_content_type(body, response_headers.get("content-type")),
                headers=response_headers,
                body=body,
                redirects=redirects,
                address=address,
                truncated=truncated,
            )


def _redirect_target(current: str, location: str) -> str:
    """The absolute address a Location header points to, or FetchError when it is not a web address at all.

    Sites send anything here (backslashes, control characters, broken IPv6 brackets, lone surrogates after
    decoding); what cannot be joined and re-checked ends the fetch as a result, never as an exception.
    """
    try:
        target = urljoin(current, location.strip())
        if not target.isprintable():  # control characters, lone surrogates
            raise ValueError("unprintable characters")
        if "\\" in target.split("?", 1)[0]:  # parsers disagree on backslashes (browsers read "/", httpx refuses)
            raise ValueError("a backslash in the address")
        httpx.URL(target)  # the same parser that would refuse it on the next hop
        return target
    except (ValueError, UnicodeError, httpx.InvalidURL, TypeError):
        raise _bad_redirect(current) from None


def _bad_redirect(url: str) -> FetchError:
    return FetchError(
        _("%(url)s redirected to an address that is not a valid web address; reportal stopped there.") % {"url": url},
        reason="bad_redirect",
        url=url,
    )


def _failure(url: str, exc: Exception) -> FetchError:
    """Every other error a fetch can meet, as a FetchError with a reason code.

    httpx's HTTPError family (protocol violations h11 found, bad gzip, connection resets), httpx.InvalidURL
    (which is not an HTTPError), UnicodeError and ValueError from header or URL parsing, OSError from the socket
    or TLS layer, and anything a library version adds later: the class is closed here, so a caller's
    `except FetchError` is complete.
    """
    if isinstance(exc, httpx.DecodingError):
        reason = "decoding"
    elif isinstance(exc, (httpx.HTTPError, httpx.StreamError, OSError)):
        reason = "protocol"
    elif isinstance(exc, (httpx.InvalidURL, ValueError, UnicodeError, TypeError)):
        reason = "invalid"
    else:
        reason = "error"
        logger.warning("unexpected %s during a fetch; reported as a failed fetch", type(exc).__name__)
    detail = str(exc).encode("ascii", "backslashreplace").decode("ascii")[:300]
    return FetchError(
        _("Fetching %(url)s failed: %(error)s") % {"url": url, "error": detail or type(exc).__name__},
        reason=reason,
        url=url,
    )
