"""Reporters' contact details: decrypted only for roles that reportal.access says need them, and audited."""

from __future__ import annotations

import logging
from typing import Any

from reportal import access, crypto
from reportal.hotline.auditing import audit
from reportal.reports.services import Report

logger = logging.getLogger(__name__)


def may_see_contacts(user: Any) -> bool:
    decide = getattr(access, "can_view_reporter_contact", None)
    if decide is None:
        return False  # fail closed until access.py answers the question
    return bool(decide(user))


def reporter_contacts(user: Any, reports: list[Report]) -> dict[int, str]:
    """Report id -> the reporter's e-mail address, for the reports that have one and a user who may see it."""
    with_address = [report for report in reports if report.email_encrypted]
    if not with_address or not may_see_contacts(user):
        return {}
    contacts = {}
    for report in with_address:
        try:
            contacts[report.pk] = crypto.decrypt(report.email_encrypted)
        except crypto.DecryptionFailed:
            logger.warning("The e-mail address of report %s could not be decrypted", report.pk)
    if contacts:
        audit(user, "reporter_contact.viewed", None, reports=sorted(contacts))
    return contacts
