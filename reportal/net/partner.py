"""Requests to the APIs of partner organisations the operator configured (ICCAM, NCMEC's CyberTipline): client
certificate or basic auth, CA bundle, timeouts, a byte cap. The one client for every partner API.

Not for reported addresses (that is fetch.py): the host here is an operator setting. It still passes the SSRF
guard's address check on every request, so a mistyped setting or a poisoned DNS answer cannot reach the hotline's
own network (tests reach loopback through REPORTAL_FETCH_ALLOW, as every fake does). Transport failures are
PartnerError with `retryable` set: a partner that is offline is tried again later, a refused destination or a TLS
or certificate problem needs the operator.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.utils.translation import gettext as _

from reportal.net.errors import FetchError
from reportal.net.guard import check_url

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
USER_AGENT = "reportal (hotline)"


@dataclass(frozen=True)
class PartnerTls:
    client_cert: str  # PEM file with the client certificate (and its key when client_key is empty)
    client_key: str = ""
    ca_bundle: str = ""  # PEM file of the CAs that sign the partner's server certificate; empty: the system's


class PartnerError(Exception):
    """A request that got no usable HTTP answer. `retryable`: offline or timed out, try later; else fix settings."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class PartnerResponse:
    status: int
    body: Any  # the parsed JSON answer, or None when it was empty or not JSON
    text: str
    content: bytes = b""  # the answer as sent (XML answers are parsed by their client)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


def tls_context(tls: PartnerTls) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=tls.ca_bundle or None)
        if tls.client_cert:
            context.load_cert_chain(tls.client_cert, tls.client_key or None)
    except (OSError, ssl.SSLError) as exc:
        raise PartnerError(
            _("The client certificate, key or CA bundle could not be loaded (%(error)s); check the settings.")
            % {"error": exc},
            retryable=False,
        ) from None
    return context


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind an httpx error (handshake, refused client certificate), if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) and not isinstance(seen, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class PartnerClient:
    """One configured partner API: requests relative to `base_url`; JSON, XML or form bodies in, bytes out."""

    def __init__(
        self,
        base_url: str,
        tls: PartnerTls | None = None,
        *,
        timeout: float,
        auth: tuple[str, str] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._check_destination()
        self._client = httpx.Client(
            base_url=self.base_url,
            verify=tls_context(tls) if tls is not None else True,
            auth=auth,
            timeout=timeout,
            trust_env=False,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    def _check_destination(self) -> None:
        try:
            check_url(self.base_url, timeout=self.timeout)
        except FetchError as exc:
            raise PartnerError(str(exc), retryable=exc.reason in ("dns_unavailable", "timeout")) from None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> PartnerResponse:
        """Send one request; any HTTP status comes back as a response, transport failures as PartnerError."""
        self._check_destination()  # again for each request: the name may resolve elsewhere by now
        where = self.base_url + path.lstrip("/")
        send_headers = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json"
        try:
            with self._client.stream(
                method,
                path.lstrip("/"),
                content=content,
                data=data,
                files=files,
                params=params,
                headers=send_headers,
            ) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise PartnerError(
                            _("%(url)s sent more than %(max)s bytes; the answer was not read.")
                            % {"url": where, "max": self.max_bytes},
                            retryable=False,
                        )
                    chunks.append(chunk)
                status = response.status_code
                answer_headers = {k.lower(): v for k, v in response.headers.items()}
        except httpx.TimeoutException:
            raise PartnerError(
                _("%(url)s did not answer in time; it will be tried again.") % {"url": where}, retryable=True
            ) from None
        except (httpx.TransportError, OSError) as exc:
            tls_error = _tls_failure(exc)
            if tls_error is not None:
                raise PartnerError(
                    _(
                        "The TLS connection to %(url)s failed (%(error)s): check the client certificate, its key "
                        "and the CA bundle."
                    )
                    % {"url": where, "error": tls_error.reason or tls_error},
                    retryable=False,
                ) from None
            raise PartnerError(
                _("%(url)s could not be reached (%(error)s); it will be tried again.")
                % {"url": where, "error": type(exc).__name__},
                retryable=True,
            ) from None
        raw = b"".join(chunks)
        text = raw.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = None
        return PartnerResponse(status=status, body=body, text=text, content=raw, headers=answer_headers)
