"""Tables of the ICCAM exchange: the session tokens, ICCAM's lookups, the one mapping table to our classification
scheme, and what was exported, imported and actioned (so nothing is sent twice)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from reportal.reports.models import ReportedUrl


class Session(models.Model):
    """The bearer and refresh tokens of our ICCAM account, shared by every worker (one row)."""

    bearer_token = models.TextField()
    refresh_token = models.TextField(blank=True)
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"ICCAM session until {self.expires_at:%Y-%m-%d %H:%M}"


class LookupKind(models.TextChoices):
    COUNTRY = "countries", _("Countries")
    HOTLINE = "hotlines", _("Hotlines")
    CLASSIFICATION = "classifications", _("Classifications")
    AGE = "age-categories", _("Age categories")
    GENDER = "gender-categories", _("Gender categories")
    SITE_TYPE = "site-types", _("Site types")
    COMMERCIALITY = "commercialities", _("Commerciality")
    PAYMENT = "payment-methods", _("Payment methods")
    ACTION = "action-types", _("Action types")


class Lookup(models.Model):
    """One value of one of ICCAM's lists, as ICCAM last sent it (`reportal iccam lookups` refreshes them)."""

    kind = models.CharField(max_length=20, choices=LookupKind.choices)
    code = models.CharField(max_length=20, help_text=_("ICCAM's id (or country code) of the value."))
    name = models.CharField(max_length=200)
    country_code = models.CharField(max_length=2, blank=True, help_text=_("For hotlines: their country."))
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="iccam_one_lookup_value")]

    def __str__(self) -> str:
        return f"{self.kind} {self.code}: {self.name}"


class Mapping(models.Model):
    """The one table between our classification and ICCAM's codes, read both ways (export and import).

    A row says: our option `option` of scheme `scheme` is ICCAM value `code` of list `kind`. Flags (yes/no schemes
    such as 'commercial') use the options 'yes' and 'no'. The row with an empty scheme is the default of that list
    (ICCAM's 'not determined')."""

    kind = models.CharField(max_length=20, choices=LookupKind.choices)
    code = models.CharField(max_length=20)
    scheme = models.CharField(max_length=40, blank=True, help_text=_("Our scheme key; empty for the default."))
    option = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["kind", "scheme", "option"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "scheme", "option"], name="iccam_one_code_per_option"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme or '*'}={self.option or '*'} -> {self.kind} {self.code}"


class Direction(models.TextChoices):
    EXPORTED = "exported", _("Sent by us to another hotline")
    IMPORTED = "imported", _("Received from another hotline")


class ExportState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to ICCAM")
    REFUSED = "refused", _("Refused by ICCAM; needs staff attention")


class Export(models.Model):
    """The ICCAM report of one confirmed item: at most one per item, whatever retries or second runs happen."""

    item = models.OneToOneField(ReportedUrl, on_delete=models.CASCADE, related_name="iccam_export")
    hotline_reference = models.CharField(max_length=64, unique=True)
    hosting_country = models.CharField(max_length=2)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.PENDING)
    report_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text=_("What was sent (no imagery, no reporter)."))
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ICCAM export of item {self.item_id} ({self.state})"


class Content(models.Model):
    """One ICCAM content item linked to one of our queue items, exported by us or imported from another hotline."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="iccam_contents")
    content_id = models.BigIntegerField(unique=True)
    report_id = models.BigIntegerField()
    direction = models.CharField(max_length=10, choices=Direction.choices)
    url = models.TextField()
    assigned_country = models.CharField(max_length=2, blank=True)
    hosting_country = models.CharField(max_length=2, blank=True)
    # ICCAM's latest assessment when we took it in (INHOPE: baseline is not re-assessed, national may be).
    classification = models.CharField(max_length=20, blank=True)
    reference_set_at = models.DateTimeField(null=True, blank=True, help_text=_("Our reference is on ICCAM."))
    assessment_sent_at = models.DateTimeField(null=True, blank=True)
    actions_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"ICCAM content {self.content_id} ({self.direction})"


class ActionType(models.IntegerChoices):
    """ICCAM's action types (their codes; the action-types lookup names them)."""

    LEA = 1, _("Law enforcement informed")
    ISP = 2, _("Host (ISP) informed")
    CONTENT_REMOVED = 3, _("Content removed")
    CONTENT_UNAVAILABLE = 4, _("Content unavailable")
    MOVED = 5, _("Moved to another country")
    NOT_ILLEGAL = 7, _("Not illegal")


class Action(models.Model):
    """One action on one ICCAM content item, ours (sent) or another hotline's (received). Once per type and way."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="actions")
    action_type = models.PositiveSmallIntegerField(choices=ActionType.choices)
    ours = models.BooleanField(help_text=_("Taken by us and sent to ICCAM; else taken by another hotline."))
    action_date = models.DateTimeField()
    analyst = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text=_("Reason, or the new country of a move."))
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["action_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["content", "action_type", "ours"], name="iccam_one_action_per_type"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_type_display()} on content {self.content_id}"
