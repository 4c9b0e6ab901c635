"""What other apps (and the portal views and API) may call: intake of reports and the reporter's status check.

Issue 2's intake work fills these in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportal.portals.models import Portal


@dataclass(frozen=True)
class SubmittedAddress:
    submitted: str
    canonical: str
    item_id: int


@dataclass(frozen=True)
class SubmissionResult:
    reference: str  # shown once to the reporter; only its hash is stored
    report_id: int
    addresses: list[SubmittedAddress]


@dataclass
class IntakeError(Exception):
    """Bad input: translated messages per field ('url' errors are per position), nothing stored."""

    field_errors: dict[str, list[str]] = field(default_factory=dict)
    url_errors: dict[int, str] = field(default_factory=dict)


def submit_report(
    portal: Portal,
    *,
    urls: list[str],
    seen_on: str,
    description: str = "",
    email: str = "",
    language: str,
    source: str = "portal",
) -> SubmissionResult:
    raise NotImplementedError


def report_status(reference: str) -> str | None:
    """Coarse status for a reference code ('received', 'assessing', 'action_taken', 'closed'), None if unknown."""
    raise NotImplementedError
