"""Tables of the actions stage: routing rules, notices and referrals with their delivery, monitoring, removals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from reportal.portals.models import Portal
from reportal.reports.models import ReportedUrl
from reportal.tracing.models import Trace


class RouteAction(models.TextChoices):
    ICCAM = "iccam", _("Refer to the hosting country's hotline through ICCAM")
    NCMEC = "ncmec", _("Report to NCMEC's CyberTipline")
    PARTNER = "partner", _("Refer to the partner hotline of the hosting country")
    HOST_AND_POLICE = "host_and_police", _("Notice to the host and referral to the police")
    HOST = "host", _("Notice to the host")
    POLICE = "police", _("Referral to the police")


class ReferralFormat(models.TextChoices):
    EMAIL_JSON = "email_json", _("E-mail with a JSON and an XARF attachment")
    EMAIL = "email", _("E-mail only")


class RoutingRule(models.Model):
    """Where a confirmed address goes. Rules are tried in order (lowest first); the first whose conditions all hold
    and whose route is configured decides. A rule without conditions matches everything: the fallback."""

    name = models.CharField(max_length=120, blank=True, help_text=_("Shown with every decision the rule makes."))
    priority = models.PositiveIntegerField(default=100, help_text=_("Rules are tried from the lowest number up."))
    hosting_countries = models.CharField(
        max_length=800,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 codes of hosting countries, separated by spaces or commas; empty: any."),
    )
    content_class = models.CharField(
        max_length=82,
        blank=True,
        help_text=_("A classification as scheme:option (for example legal_assessment:baseline); empty: any."),
    )
    portal_country = models.CharField(
        max_length=2, blank=True, help_text=_("Only reports made on this country's portal; empty: any.")
    )
    action = models.CharField(max_length=16, choices=RouteAction.choices)
    language = models.CharField(max_length=10, default="en", help_text=_("Language of notices to hosts there."))
    partner_name = models.CharField(max_length=200, blank=True)
    partner_email = models.EmailField(blank=True)
    partner_language = models.CharField(max_length=10, blank=True)
    partner_format = models.CharField(max_length=16, choices=ReferralFormat.choices, default=ReferralFormat.EMAIL_JSON)
    police_name = models.CharField(max_length=200, blank=True)
    police_email = models.EmailField(blank=True)
    notes = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return f"{self.pk}: {self.name or self.hosting_countries or '*'} ({self.get_action_display()})"

    @property
    def countries(self) -> list[str]:
        return [c.upper() for c in self.hosting_countries.replace(",", " ").split() if c]

    @property
    def is_fallback(self) -> bool:
        return not (self.countries or self.content_class or self.portal_country)


class RouteDecision(models.Model):
    """Which route a confirmed address took and why: the rule, the facts it matched, the rules passed over."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="route_decisions")
    decided_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16, choices=RouteAction.choices)
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=120, blank=True, help_text=_("The rule's name when it decided."))
    rule_number = models.PositiveIntegerField(null=True, blank=True)
    basis = models.CharField(max_length=16, help_text=_("rule, fallback, own_country or none."))
    hosting_country = models.CharField(max_length=2, blank=True)
    portal_country = models.CharField(max_length=2, blank=True)
    matched = models.JSONField(default=list, blank=True, help_text=_("The conditions that held."))
    skipped = models.JSONField(default=list, blank=True, help_text=_("Earlier rules whose route is not configured."))

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.action} (rule {self.rule_number})"


class NoticeKind(models.TextChoices):
    HOST_NOTICE = "host_notice", _("Notice to the host")
    CDN_NOTICE = "cdn_notice", _("Notice to the CDN")
    REMINDER = "reminder", _("Second notice")
    PARTNER_REFERRAL = "partner_referral", _("Referral to a partner hotline")
    POLICE_REFERRAL = "police_referral", _("Referral to the police")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    WAITING_CONTACT = "waiting_contact", _("Waiting for a contact address")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed; needs staff attention")
    CANCELLED = "cancelled", _("Not sent: the material was removed first")


class Notice(models.Model):
    """One message to one party about one address, with its delivery state. Never carries imagery."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="notices")
    trace = models.ForeignKey(Trace, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(
        max_length=32, blank=True, help_text=_("Why it was sent: action, escalation, reappeared.")
    )
    language = models.CharField(max_length=10, default="en")
    recipients = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    hosting_country = models.CharField(max_length=2, blank=True)
    reference = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    xarf = models.JSONField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference} ({self.state})"


class MonitorState(models.TextChoices):
    LIVE = "live", _("Online, being re-checked")
    REMOVED = "removed", _("Removed, watched for reappearance")
    STOPPED = "stopped", _("No longer watched")


class Monitor(models.Model):
    """The re-check schedule of one actioned address."""

    item = models.OneToOneField(ReportedUrl, on_delete=models.CASCADE, related_name="monitor")
    state = models.CharField(max_length=8, choices=MonitorState.choices, default=MonitorState.LIVE, db_index=True)
    started_at = models.DateTimeField()
    next_check_at = models.DateTimeField(db_index=True)
    checks = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, blank=True)
    unreachable_streak = models.PositiveSmallIntegerField(default=0)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    last_action_at = models.DateTimeField(help_text=_("When the last notice or escalation went out."))
    removed_at = models.DateTimeField(null=True, blank=True)
    watch_until = models.DateTimeField(null=True, blank=True)
    reappeared_count = models.PositiveSmallIntegerField(default=0)
    # What the content looked like when confirmed: hashes of the page and its media (never the media itself).
    baseline = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Monitor of {self.item_id} ({self.state})"


class CheckOutcome(models.TextChoices):
    UP = "up", _("Still online")
    GONE = "gone", _("Gone")
    UNREACHABLE = "unreachable", _("Unreachable")
    ERROR = "error", _("Could not decide")


class MonitorCheck(models.Model):
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(db_index=True)
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    trace = models.ForeignKey(Trace, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class Removal(models.Model):
    """An address found gone: time to removal, from first report, with where it was hosted (for the figures)."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="removals")
    portal = models.ForeignKey(Portal, on_delete=models.PROTECT, related_name="removals")
    reported_at = models.DateTimeField()
    removed_at = models.DateTimeField(db_index=True)
    seconds = models.PositiveBigIntegerField()
    hosting_country = models.CharField(max_length=2, blank=True, db_index=True)
    hosting_asn = models.PositiveBigIntegerField(null=True, blank=True)
    host_network = models.CharField(max_length=200, blank=True)
    how = models.CharField(max_length=200, blank=True, help_text=_("What showed it gone."))
    # The content came back after this removal; a later removal of the same item replaces it in the figures.
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-removed_at"]

    def __str__(self) -> str:
        return f"Removal of {self.item_id} after {self.seconds} s"
