"""The ICCAM v3 REST client: mutual TLS, the `Authentication` token flow, and the calls reportal makes.

Facts of the API (as INHOPE's open-source member clients use it): `POST Authentication` with user name and password
answers `bearerToken`, `refreshToken` and `bearerTokenExpiresIn` (seconds); `POST Authentication/refresh` with both
tokens renews them. Every other call carries `Authorization: Bearer ...` under `rest/`: the lookups
(`rest/countries`, `rest/hotlines`, `rest/classifications`, ...), `POST rest/reports` (one report, its URLs with their
hosting and assessment; answers the report id), `GET rest/Reports/{id}` (its content ids per URL),
`GET rest/Content/no-reference?maxResults=` (content assigned to our country without a hotline reference),
`GET rest/Content/{id}`, `PUT rest/Content/{id}/hotline-reference?reference=`, `POST rest/Content/{id}/actions`,
`PUT rest/Content/{id}/assessment`, `PUT rest/Content/{id}/url/hosting` and `.../assigned-country` (a move).

Errors: IccamError with `retryable` (offline, 5xx, timeouts: the caller tries later) or not (a refused payload, a
TLS or credential problem: ICCAM's own error text is in the message, for staff to act on).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _

from reportal.net.partner import PartnerClient, PartnerError, PartnerResponse, PartnerTls

MAX_BATCH = 20  # content items per import poll (INHOPE's rule for member hotlines)
RENEW_BEFORE_SECONDS = 120  # renew the bearer token this long before ICCAM says it expires
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class IccamError(Exception):
    """A call ICCAM did not carry out. `retryable`: try again later; else `message` says what to fix."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True)
class Tokens:
    bearer: str
    refresh: str
    expires_at: float  # epoch seconds


class TokenStore(Protocol):
    """Where the tokens live between calls and workers (services keep them in the database)."""

    def load(self) -> Tokens | None: ...

    def save(self, tokens: Tokens) -> None: ...


class MemoryTokens:
    def __init__(self) -> None:
        self.tokens: Tokens | None = None

    def load(self) -> Tokens | None:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        self.tokens = tokens


@dataclass(frozen=True)
class IccamConfig:
    url: str
    username: str
    password: str
    tls: PartnerTls
    timeout: float = 20.0


def _error_text(response: PartnerResponse) -> str:
    """ICCAM's error body ({"errors": {"Field": ["message", ...]}} or a title) as one line."""
    body = response.body
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict):
            return "; ".join(
                f"{field}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                for field, msgs in errors.items()
            )
        if errors:
            return str(errors)
        for key in ("title", "message", "detail"):
            if body.get(key):
                return str(body[key])
    return response.text[:300]


class IccamClient:
    def __init__(self, config: IccamConfig, store: TokenStore, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        try:
            self._http = PartnerClient(config.url, config.tls, timeout=config.timeout)
        except PartnerError as exc:
            raise IccamError(str(exc), retryable=exc.retryable) from None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IccamClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport and tokens -------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> PartnerResponse:
        try:
            return self._http.request(method, path, **kwargs)
        except PartnerError as exc:
            raise IccamError(str(exc), retryable=exc.retryable) from None

    def _checked(self, response: PartnerResponse, what: str) -> Any:
        if 200 <= response.status < 300:
            return response.body
        if response.status in RETRYABLE_STATUSES:
            raise IccamError(
                _("ICCAM is unavailable (HTTP %(status)s) for %(what)s; it will be tried again.")
                % {"status": response.status, "what": what},
                retryable=True,
                status=response.status,
            )
        raise IccamError(
            _("ICCAM refused %(what)s (HTTP %(status)s): %(error)s")
            % {"what": what, "status": response.status, "error": _error_text(response)},
            retryable=False,
            status=response.status,
        )

    def _store_tokens(self, body: Any) -> Tokens:
        if not isinstance(body, dict) or not body.get("bearerToken"):
            raise IccamError(_("ICCAM's sign-in answer has no bearer token."), retryable=False)
        lifetime = float(body.get("bearerTokenExpiresIn") or 1800)
        tokens = Tokens(str(body["bearerToken"]), str(body.get("refreshToken") or ""), self.clock() + lifetime)
        self.store.save(tokens)
        return tokens

    def login(self) -> Tokens:
        response = self._send(
            "POST", "Authentication", json_body={"username": self.config.username, "password": self.config.password}
        )
        if response.status in (400, 401, 403):
            raise IccamError(
                _(
                    "ICCAM did not accept the account %(user)s (HTTP %(status)s): check the ICCAM user name and "
                    "password."
                )
                % {"user": self.config.username, "status": response.status},
                retryable=False,
                status=response.status,
            )
        return self._store_tokens(self._checked(response, _("the sign-in")))

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens from the refresh token; a refused refresh signs in again."""
        if tokens.refresh:
            response = self._send(
                "POST",
                "Authentication/refresh",
                json_body={"bearerToken": tokens.bearer, "refreshToken": tokens.refresh},
            )
            if 200 <= response.status < 300:
                return self._store_tokens(response.body)
            if response.status not in (400, 401, 403):
                self._checked(response, _("the token renewal"))
        return self.login()

    def bearer(self) -> str:
        tokens = self.store.load()
        if tokens is None:
            tokens = self.login()
        elif tokens.expires_at - RENEW_BEFORE_SECONDS <= self.clock():
            tokens = self.refresh(tokens)
        return tokens.bearer

    def call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """An authenticated call; a token ICCAM no longer accepts is renewed once and the call sent again."""
        headers = dict(kwargs.pop("headers", None) or {})
        response = self._send(method, path, headers={**headers, "Authorization": f"Bearer {self.bearer()}"}, **kwargs)
        if response.status == 401:
            tokens = self.store.load()
            renewed = self.refresh(tokens) if tokens else self.login()
            response = self._send(
                method, path, headers={**headers, "Authorization": f"Bearer {renewed.bearer}"}, **kwargs
            )
        return self._checked(response, what)

    # --- the calls ------------------------------------------------------------------------------------------

    def lookup(self, kind: str) -> list[dict[str, Any]]:
        """One of ICCAM's lists (`countries`, `hotlines`, `classifications`, `age-categories`, ...)."""
        body = self.call("GET", f"rest/{kind}", _("the list %(kind)s") % {"kind": kind})
        if not isinstance(body, list):
            raise IccamError(_("ICCAM's list %(kind)s is not a list.") % {"kind": kind}, retryable=False)
        return [row for row in body if isinstance(row, dict)]

    def post_report(self, report: dict[str, Any], *, idempotency_key: str) -> int:
        body = self.call(
            "POST",
            "rest/reports",
            _("the report %(reference)s") % {"reference": report.get("hotlineReference", "")},
            json_body=report,
            headers={"Idempotency-Key": idempotency_key},
        )
        if isinstance(body, dict):
            body = body.get("reportId", body.get("id"))
        try:
            return int(body)
        except (TypeError, ValueError):
            raise IccamError(_("ICCAM's answer to a new report has no report id."), retryable=False) from None

    def get_report(self, report_id: int) -> dict[str, Any]:
        body = self.call("GET", f"rest/Reports/{int(report_id)}", _("report %(id)s") % {"id": report_id})
        return body if isinstance(body, dict) else {}

    def get_content(self, content_id: int) -> dict[str, Any]:
        body = self.call("GET", f"rest/Content/{int(content_id)}", _("content %(id)s") % {"id": content_id})
        return body if isinstance(body, dict) else {}

    def no_reference(self, max_results: int = MAX_BATCH) -> list[dict[str, Any]]:
        """Content assigned to our country that has no hotline reference yet, at most MAX_BATCH at a time."""
        body = self.call(
            "GET",
            "rest/Content/no-reference",
            _("the content without a hotline reference"),
            params={"maxResults": min(max_results, MAX_BATCH)},
        )
        return [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []

    def set_hotline_reference(self, content_id: int, reference: str) -> None:
        self.call(
            "PUT",
            f"rest/Content/{int(content_id)}/hotline-reference",
            _("our reference on content %(id)s") % {"id": content_id},
            params={"reference": reference},
        )

    def post_action(self, content_id: int, action: dict[str, Any]) -> None:
        self.call(
            "POST",
            f"rest/Content/{int(content_id)}/actions",
            _("an action on content %(id)s") % {"id": content_id},
            json_body=action,
        )

    def put_assessment(self, content_id: int, assessment: dict[str, Any]) -> None:
        self.call(
            "PUT",
            f"rest/Content/{int(content_id)}/assessment",
            _("the assessment of content %(id)s") % {"id": content_id},
            json_body=assessment,
        )

    def move(self, content_id: int, ip_address: str, country: str) -> None:
        """The content now lives elsewhere: its new hosting, then its assignment to that country's hotline."""
        self.call(
            "PUT",
            f"rest/Content/{int(content_id)}/url/hosting",
            _("the new hosting of content %(id)s") % {"id": content_id},
            params={"newIpAddress": ip_address, "newCountryCode": country},
        )
        self.call(
            "PUT",
            f"rest/Content/{int(content_id)}/assigned-country",
            _("the new country of content %(id)s") % {"id": content_id},
            params={"newCountryCode": country},
        )
