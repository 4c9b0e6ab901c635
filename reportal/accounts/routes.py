"""Walks the URL map and the API's operations, so checks and the permission matrix see every endpoint there is."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from reportal.access import AccessRule, declared_access, operation_access

GUARDED_PREFIXES = ("staff/", "workbench/")


@dataclass(frozen=True)
class PageRoute:
    route: str  # e.g. "workbench/items/<int:item_id>/"
    name: str  # "namespace:name", or the route when unnamed
    view: Any
    rule: AccessRule | None

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """(converter, name) of each path parameter."""
        return [(m.group(1) or "str", m.group(2)) for m in re.finditer(r"<(?:(\w+):)?(\w+)>", self.route)]


@dataclass(frozen=True)
class ApiOperation:
    path: str  # e.g. "/api/v1/items/{item_id}"
    methods: tuple[str, ...]
    operation_id: str
    operation: Any
    rule: AccessRule | None

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"{(?:\w+:)?(\w+)}", self.path)


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield prefix + str(entry.pattern), name, entry.callback


def page_routes(prefixes: tuple[str, ...] = GUARDED_PREFIXES) -> list[PageRoute]:
    """Every URL pattern under the staff prefixes, with the access rule its view declared (or None)."""
    routes = []
    for route, name, view in _walk(get_resolver().url_patterns, "", ""):
        clean = route.lstrip("^")
        if clean.startswith(prefixes):
            routes.append(PageRoute(clean, name or clean, view, declared_access(view)))
    return routes


def mounted_api(prefix: str = "/api/v1/") -> Any:
    """The NinjaAPI mounted at `prefix`, found in the URL map through its OpenAPI view (which carries it): importing
    reportal.api here would tie this app to every app's API, this one's included."""
    for route, _name, view in _walk(get_resolver().url_patterns, "", ""):
        api = view.keywords.get("api") if isinstance(view, functools.partial) else None
        if api is not None and ("/" + route.lstrip("^")).startswith(prefix):
            return api
    raise LookupError(f"No API is mounted at {prefix} in the URL map.")


def api_operations(api: Any = None, prefix: str = "/api/v1/") -> list[ApiOperation]:
    """Every operation of a NinjaAPI (default: the one at /api/v1/), with the rule its auth declared (or None)."""
    if api is None:
        api = mounted_api(prefix)

    operations = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = prefix + "/".join(part.strip("/") for part in (bound.prefix, path) if part.strip("/"))
            for operation in path_view.operations:
                op_id = operation.operation_id or api.get_openapi_operation_id(operation)
                operations.append(
                    ApiOperation(
                        full, tuple(m.upper() for m in operation.methods), op_id, operation, operation_access(operation)
                    )
                )
    return operations
