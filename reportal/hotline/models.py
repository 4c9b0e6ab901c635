"""Tables of the hotline stage: classification schemes, claims, assessments, second opinions, wellbeing, feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reportal.reports.models import Report, ReportedUrl


class SchemeKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    FLAG = "flag", _("Yes or no")


class ClassificationScheme(models.Model):
    """One dimension of a classification (legal assessment, category, age group, ...); rows, so operators can add."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=SchemeKind.choices, default=SchemeKind.SINGLE)
    required_when_actionable = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name


class ClassificationOption(models.Model):
    scheme = models.ForeignKey(ClassificationScheme, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["scheme", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["scheme", "key"], name="one_option_key_per_scheme")]

    def __str__(self) -> str:
        return self.label


class Claim(models.Model):
    """Who is assessing an item, until when. One row per item; taken with a conditional UPDATE so races lose."""

    item = models.OneToOneField(ReportedUrl, on_delete=models.CASCADE, primary_key=True, related_name="claim")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"Claim on item {self.item_id}"


class Outcome(models.TextChoices):
    ACTIONABLE = "actionable", _("Actionable")
    NOT_ACTIONABLE = "not_actionable", _("Not actionable")
    SECOND_OPINION = "second_opinion", _("Needs a second opinion")


class NotActionableReason(models.TextChoices):
    NO_LONGER_AVAILABLE = "no_longer_available", _("No longer available")
    NOT_ILLEGAL = "not_illegal", _("Not illegal")
    NOT_FOUND = "not_found", _("Not found")
    OUTSIDE_REMIT = "outside_remit", _("Outside remit")


class ListScope(models.TextChoices):
    URL = "url", _("This address only")
    PREFIX = "prefix", _("Everything under this path")
    DOMAIN = "domain", _("The whole domain")


class Assessment(models.Model):
    """One analyst's decision on an item. A senior's decision on a second opinion is an assessment too."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="assessments")
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=32, choices=NotActionableReason.choices, blank=True)
    list_scope = models.CharField(max_length=8, choices=ListScope.choices, default=ListScope.URL)
    # {scheme key: option key | [option keys] | true/false}; validated against the schemes when made.
    classification = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    is_review = models.BooleanField(default=False, help_text="Made by a senior analyst deciding a second opinion.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on item {self.item_id}"


class ReviewReason(models.TextChoices):
    FLAGGED = "flagged", _("Flagged by the analyst")
    SAMPLED = "sampled", _("Random quality sample")


class Verdict(models.TextChoices):
    AGREE = "agree", _("Agrees")
    DISAGREE = "disagree", _("Disagrees")
    DECIDED = "decided", _("Decided a flagged item")


class Review(models.Model):
    """A second opinion: a senior analyst looks at an assessment and agrees or decides otherwise."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="review")
    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="reviews")
    reason = models.CharField(max_length=8, choices=ReviewReason.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    senior = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True)
    decision = models.OneToOneField(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="decides"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["decided_at", "created_at"], name="review_pending")]

    def __str__(self) -> str:
        return f"Second opinion on item {self.item_id}"


class ScreenSession(models.Model):
    """Time an analyst had an assessment screen open: opened and closed by the server, kept alive by a heartbeat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ReportedUrl, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    day = models.DateField(db_index=True)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]
        indexes = [models.Index(fields=["user", "day"], name="screen_time_per_day")]

    def __str__(self) -> str:
        return f"Screen session of user {self.user_id} on {self.day}"


class PreviewHashMatch(models.Model):
    """An image in an item's preview matched the hash bank: the item is 'known' in the queue."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="+")
    found_at = models.DateTimeField(auto_now_add=True)
    matches = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.matches} hash matches on item {self.item_id}"


class ReporterFeedback(models.Model):
    """An outcome e-mail to one reporter about one item: at most one per outcome, sent after commit."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "item", "outcome"], name="one_feedback_per_outcome"),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.outcome} for report {self.report_id}"


class Evidence(models.Model):
    """Fetched content kept only when the operator turns on evidence storage: encrypted, and deleted on expiry."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="+")
    source_url = models.TextField()
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    encrypted = models.BinaryField()
    stored_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Evidence {self.sha256[:12]} of item {self.item_id}"


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class MediaItem(models.Model):
    """One image or video found on a reported page: its hashes and facts (never its bytes), the analyst's grade
    of it, and whether the hash bank knew it already. Graded media with a good enough PDQ go to the bank."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="media_items")
    url = models.TextField()
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    md5 = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    # vPDQ frames as threatexchange writes them ("<pdq hex>,<quality>,<timestamp>") once hashed; None until then.
    vpdq = models.JSONField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    # The bank had it when it was found: its classification there ("" when the bank gave none).
    known = models.BooleanField(default=False)
    known_grade = models.CharField(max_length=200, blank=True)
    # The analyst's classification of this one medium, in the page's schemes ({} until graded).
    grade = models.JSONField(default=dict, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "pk"]
        constraints = [models.UniqueConstraint(fields=["item", "sha256"], name="one_media_item_per_content")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]} of item {self.item_id}"

    @property
    def vpdq_pending(self) -> bool:
        return self.kind == MediaKind.VIDEO and self.vpdq is None
