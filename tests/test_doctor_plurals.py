"""`reportal doctor` counts in whole, translatable sentences: "1 problem found", "2 problems found"."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reportal.management.commands import doctor

CHECKS = ("database", "disk", "broker", "cache", "hash_index", "signing_key", "backlog")


def _doctor_with_problems(monkeypatch, failing: set[str]) -> str:
    for name in CHECKS:
        finding = doctor.Finding(name, name not in failing, "checked", "")
        monkeypatch.setattr(doctor, f"check_{name}", lambda finding=finding: finding)
    with pytest.raises(CommandError) as raised:
        call_command("doctor")
    return str(raised.value)


def test_one_problem_is_singular(monkeypatch):
    assert _doctor_with_problems(monkeypatch, {"broker"}) == "1 problem found: broker."


def test_two_problems_are_plural(monkeypatch):
    assert _doctor_with_problems(monkeypatch, {"broker", "cache"}) == "2 problems found: broker, cache."
