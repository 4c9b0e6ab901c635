"""Requests to the APIs of partner organisations (NCMEC's CyberTipline, ...): configured hosts, not reported ones.

The operator sets these base URLs, yet they pass the same SSRF rule as everything else (a typo or a poisoned
DNS answer must not reach the hotline's own network), with a deadline and a cap on the answer's size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.utils.translation import gettext as _

from reportal.net.errors import FetchError
from reportal.net.fetch import _host_header, _url_for_address
from reportal.net.guard import check_url

USER_AGENT = "reportal/0.1 (hotline)"
MAX_ANSWER_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class PartnerApi:
    """One partner API: base URL, credentials, limits. `post` and `get` take paths below the base URL."""

    base_url: str
    auth: tuple[str, str] | None = None
    timeout: float = 60.0
    max_bytes: int = MAX_ANSWER_BYTES
    verify: Any = True  # an ssl.SSLContext (client certificates, a private CA) or True
    headers: dict[str, str] = field(default_factory=dict)

    def post(self, path: str, **kwargs: Any) -> ApiAnswer:
        return self.request("POST", path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> ApiAnswer:
        return self.request("GET", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> ApiAnswer:
        """Send one request; FetchRefused for a forbidden destination, FetchError when no answer came back."""
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        deadline = time.monotonic() + self.timeout
        checked = check_url(url, timeout=self.timeout)  # raises FetchRefused
        # To the address the guard checked, not the name again (a second DNS answer cannot rebind it); the name
        # still goes in Host and in TLS (SNI and the certificate check).
        headers = {"User-Agent": USER_AGENT, **self.headers, **kwargs.pop("headers", {}), "Host": _host_header(checked)}
        target = _url_for_address(checked, checked.addresses[0])
        try:
            with (
                httpx.Client(
                    auth=self.auth, timeout=self.timeout, verify=self.verify, trust_env=False, follow_redirects=False
                ) as client,
                client.stream(
                    method, target, headers=headers, extensions={"sni_hostname": checked.host}, **kwargs
                ) as response,
            ):
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(
                            _("%(url)s sent more than the limit of %(max)s bytes.")
                            % {"url": url, "max": self.max_bytes},
                            reason="too_large",
                            url=url,
                        )
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline passed")
                    chunks.append(chunk)
                return ApiAnswer(
                    response.status_code, {k.lower(): v for k, v in response.headers.items()}, b"".join(chunks)
                )
        except httpx.TimeoutException:
            raise FetchError(
                _("%(url)s did not answer within %(seconds)s seconds.") % {"url": url, "seconds": self.timeout},
                reason="timeout",
                url=url,
            ) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                _("Could not reach %(url)s: %(error)s") % {"url": url, "error": exc}, reason="connect", url=url
            ) from None
