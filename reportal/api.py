"""The JSON API at /api/v1/: one NinjaAPI, one router per app (each app's api.py), one error shape.

Every error of every operation answers ``{"message": "...", "detail": "..."}`` (``detail`` repeats the message for
clients written against earlier versions), with ``field_errors`` on 422. The handlers below are the only ones:
ninja's validation errors, HttpError (401/403/404/409/429 raised by access checks and views), a 404, and bodies
that are not JSON, nest too deep or carry text that is not valid Unicode (reportal.jsonbody). 503 answers of the
outage middleware never reach these handlers and pass through untouched.

The OpenAPI document (/api/v1/openapi.json) covers these operations and the HMA-compatible paths at the site root
(reportal.hashes.hma_openapi), names every error status with its body, and has a `servers` entry; /api/v1/docs
shows it with the Swagger UI that django-ninja ships (swagger-ui-dist, Apache-2.0), served from our static files.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.parser import Parser

from reportal.access import UNDECLARED
from reportal.accounts.api import router as accounts_router
from reportal.actions.api import router as actions_router
from reportal.hashes.api import router as hashes_router
from reportal.hotline.api import router as hotline_router
from reportal.jsonbody import BodyError, check_json, load_json_body
from reportal.lists.api import router as lists_router
from reportal.portals.api import router as reports_router
from reportal.stats.api import router as stats_router


class FieldProblem(Schema):
    position: int
    submitted: str
    message: str


class ErrorOut(Schema):
    """The one error body of the API."""

    message: str
    detail: str | None = None
    field_errors: dict[str, list[str]] | None = None
    url_errors: list[FieldProblem] | None = None


class CheckedJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return load_json_body(request.body)

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        try:
            check_json(result)
        except BodyError as exc:  # ninja does not wrap the query parser's errors as it does the body's
            raise HttpError(400, str(exc)) from None
        return result


class OwnSwagger(DocsBase):
    """Swagger UI from our own static files (django-ninja's copy), started by a script file, not inline script."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        config = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": json.dumps(config)})


# Statuses a view answers itself: HttpError(409, ...), Status(404, ...), error_response(..., 429).
_RAISED = re.compile(r"(?:HttpError|Status)\(\s*(\d{3})\b|\bstatus=(\d{3})\b")


def _statuses_in(view: Any) -> set[str]:
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return set()
    return {a or b for a, b in _RAISED.findall(source)}


class ReportalAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        from reportal.hashes import hma_openapi

        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        raised: dict[str, set[str]] = {}
        for _prefix, router in self._routers:
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    op_id = operation.operation_id or self.get_openapi_operation_id(operation)
                    raised[op_id] = _statuses_in(operation.view_func)
        return hma_openapi.complete(schema, raised)


api = ReportalAPI(
    title="reportal API",
    version="1",
    description=(
        "Reports, the hotline workbench, URL and keyword lists, and hash matching; the HMA-compatible paths "
        "(/h/, /m/, /c/) follow Meta's Hasher-Matcher-Actioner. Authenticate with `Authorization: Bearer <key>`: "
        "a member key the hotline issued, or a staff token from POST /api/v1/auth/token (member keys may also go "
        'in `X-API-Key`). Every error answers {"message": ...} in the language of Accept-Language.'
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=OwnSwagger(),
    parser=CheckedJsonParser(),
    # Fail closed: an operation without its own auth (access.staff_api, MemberKeyAuth, PUBLIC) refuses everyone.
    auth=UNDECLARED,
)
api.add_router("/reports", reports_router, tags=["reports"])
api.add_router("/auth", accounts_router, tags=["auth"])
api.add_router("/actions", actions_router, tags=["actions"])
api.add_router("/", hotline_router, tags=["hotline"])
api.add_router("/lists", lists_router, tags=["lists"])
api.add_router("/", hashes_router, tags=["hashes"])
api.add_router("/stats", stats_router, tags=["stats"])

WWW_AUTHENTICATE = 'Bearer realm="reportal"'


def error_response(request: HttpRequest, status: int, message: str, **extra: Any) -> HttpResponse:
    body = ErrorOut(message=message, detail=message, **extra).model_dump(exclude_none=True)
    return api.create_response(request, body, status=status)


def unauthorised_message() -> str:
    return _(
        "Send a key in the Authorization header (Authorization: Bearer <key>): a member key the hotline issued "
        "(X-API-Key: <key> works too) or a staff token from POST /api/v1/auth/token."
    )


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(request, 401, unauthorised_message())
    response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyError):  # ninja wraps what the parser raised as 400 "Cannot parse ..."
        return error_response(request, 400, str(exc.__cause__))
    response = error_response(request, exc.status_code, str(exc.message))
    if exc.status_code == 401:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, _("Nothing was found here: check the address and the identifier."))


def _field_name(location: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header", "cookie", "form", "payload")]
    return parts[0] if parts else "body"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    field_errors: dict[str, list[str]] = {}
    for problem in exc.errors:
        location = problem.get("loc", ())
        where = ".".join(str(p) for p in location if p not in ("body", "payload"))
        field_errors.setdefault(_field_name(location), []).append(f"{where}: {problem.get('msg', '')}")
    return error_response(
        request,
        422,
        _("The request does not match what this operation takes. Correct the fields named and send it again."),
        field_errors=field_errors,
        url_errors=[],
    )
