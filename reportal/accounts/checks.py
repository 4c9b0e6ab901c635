"""System checks: every staff page and API operation declares its access rule through reportal.access."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register


@register(Tags.security, Tags.urls)
def check_declared_access(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    from reportal.accounts.routes import api_operations, page_routes

    problems: list[Warning] = []
    for route in page_routes():
        if route.rule is None:
            problems.append(
                Warning(
                    f"The page /{route.route} ({route.name}) declares no access rule, so it refuses everyone.",
                    hint="Decorate the view with reportal.access.require_staff(...).",
                    obj=route.name,
                    id="reportal.W001",
                )
            )
    for op in api_operations():
        if op.rule is None:
            problems.append(
                Warning(
                    f"The API operation {' '.join(op.methods)} {op.path} ({op.operation_id}) declares no access "
                    "rule, so it refuses everyone.",
                    hint="Pass auth=access.staff_api(...), access.MemberKeyAuth(scope) or access.PUBLIC.",
                    obj=op.operation_id,
                    id="reportal.W002",
                )
            )
    return problems
