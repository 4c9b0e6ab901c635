"""What every page shares: a strict Content-Security-Policy, `Referrer-Policy: same-origin`, and one CSRF check.

CSRF, one answer for the public portals, the staff pages and the Django admin: Django's own check (a token from the
page's form matched against the CSRF cookie, and the request's Origin matched against our host). Our pages send
`Referrer-Policy: same-origin`, under which Chromium and Firefox send the real Origin with a form post; no other
site learns a page's address. A browser or extension that forces no-referrer still sends `Origin: null`; when
the browser's own `Sec-Fetch-Site` header (which no page can set) says the post came from our origin, that post
is given our origin (NullOriginMiddleware) before Django checks it. Cross-site posts fail either way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REFERRER_POLICY = "same-origin"

# Self only, no inline script, no framing; data: images are server-made thumbnails on staff pages.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


class NullOriginMiddleware:
    """Just before Django's CsrfViewMiddleware: a post with `Origin: null` that the browser itself marks
    `Sec-Fetch-Site: same-origin` is given our own origin, so Django's origin check sees what really happened."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_ORIGIN") == "null" and request.headers.get("Sec-Fetch-Site") == "same-origin":
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
