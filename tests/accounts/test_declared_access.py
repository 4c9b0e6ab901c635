"""Forgetting to declare access fails closed: a staff page without a rule answers 403 to everyone (even an admin),
an API operation without auth is refused, and `reportal check` names both."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import Client

from reportal.accounts.testing import make_staff, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.probe_urls")]


def test_an_undeclared_staff_page_refuses_even_an_admin(client):
    admin, *_ = make_staff("root", "admin")
    response = sign_in(Client(), admin).get("/staff/forgotten/")
    assert response.status_code == 403 and b"forgot" not in response.content
    assert "declares no access rule" in response.content.decode()
    assert client.get("/staff/forgotten/").status_code == 403


def test_the_system_check_names_undeclared_pages_and_operations(monkeypatch):
    from reportal.accounts import routes
    from tests.accounts.probe_urls import probe

    real = routes.api_operations
    monkeypatch.setattr(routes, "api_operations", lambda: real(probe, "/probe/"))
    messages = {(m.id, m.obj) for m in run_checks(tags=["security"])}
    assert ("reportal.W001", "forgotten-page") in messages
    assert any(mid == "reportal.W002" and "forgotten" in str(obj) for mid, obj in messages)
    declared = [obj for mid, obj in messages if mid == "reportal.W002" and "assessors" in str(obj)]
    assert not declared  # the operations that declared a rule are not named
