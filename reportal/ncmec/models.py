"""Tables of the NCMEC CyberTipline reports: one report per confirmed item, with the step it reached."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from reportal.reports.models import ReportedUrl


class Step(models.TextChoices):
    """How far the report got; a run after a crash or an outage goes on from here, never from the start."""

    PENDING = "pending", _("Not sent yet")
    SUBMITTED = "submitted", _("Opened at NCMEC; files being added")
    FINISHED = "finished", _("Finished: NCMEC has the report")
    FAILED = "failed", _("Refused by NCMEC; needs staff attention")


class CyberTiplineReport(models.Model):
    item = models.OneToOneField(ReportedUrl, on_delete=models.PROTECT, related_name="cybertipline_report")
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.PENDING, db_index=True)
    environment = models.CharField(max_length=10, help_text=_("test or production"))
    report_id = models.CharField(max_length=32, blank=True, help_text=_("NCMEC's report id."))
    facts = models.JSONField(
        default=dict, blank=True, help_text=_("What the report says (address, hosting, confirmed files), for a retry.")
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    error_code = models.IntegerField(null=True, blank=True, help_text=_("NCMEC's response code of the last error."))
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"CyberTipline report {self.report_id or '-'} of item {self.item_id} ({self.step})"


class CyberTiplineFile(models.Model):
    """One file of a report: uploaded (NCMEC's file id), then described (fileinfo). Never the file itself."""

    report = models.ForeignKey(CyberTiplineReport, on_delete=models.CASCADE, related_name="files")
    source_url = models.TextField()
    sha256 = models.CharField(max_length=64)
    file_id = models.CharField(max_length=64, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    described = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "sha256"], name="one_upload_per_file_per_report")]

    def __str__(self) -> str:
        return f"{self.file_id or '(not uploaded)'} {self.sha256[:12]}"
