"""Hooks for the follow-up of a new report: later stages (tracing, known-URL checks) connect receivers here."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by tasks.process_report once per report, with report_id and item_ids (the queue items it touched).
# Receivers must be idempotent: a report's follow-up can run more than once when a message is redelivered.
report_followup = Signal()
