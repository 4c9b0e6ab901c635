"""Banks and their content: creating, switching off, adding signals, disabling entries.

Every change that matching must see moves the version counter in the same transaction, so each matcher process
(web or worker) notices it on its next look-up, together with the rows it covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.hashes.models import Bank, BankContent, MatchVersion
from reportal.hashes.signals import (
    CRYPTO_TYPES,
    MAX_PDQ_DISTANCE,
    PDQ,
    VPDQ,
    InvalidSignal,
    parse_signal,
    validate_bank_name,
)

VERSION_CACHE_KEY = "reportal:hashes:match-version"
VERSION_CACHE_SECONDS = 5


class BankError(Exception):
    """A bank operation that cannot be done; str() is a translated sentence."""


class BankNotFound(BankError):
    pass


class BankExists(BankError):
    pass


def uses_shared_cache() -> bool:
    """Redis in scale-out: the version counter is read from it; otherwise the database row is the cache."""
    return "redis" in str(settings.CACHES.get("default", {}).get("BACKEND", "")).lower()


def current_version() -> int:
    if uses_shared_cache():
        value = cache.get(VERSION_CACHE_KEY)
        if value is not None:
            return int(value)
    # Asked before every look-up: plain SQL, without the ORM's query building.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {connection.ops.quote_name(MatchVersion._meta.db_table)} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    version = int(row[0]) if row else 0
    if uses_shared_cache():
        cache.set(VERSION_CACHE_KEY, version, VERSION_CACHE_SECONDS)
    return version


def _publish_version() -> None:
    version = MatchVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    # A short expiry heals a publication that never ran (a crash between commit and this callback).
    cache.set(VERSION_CACHE_KEY, int(version or 0), VERSION_CACHE_SECONDS)


def bump_version() -> None:
    """Move the counter inside the caller's transaction: readers of the row see it only with the rows it covers.

    In scale-out the new value is published to the shared cache once the transaction has committed.
    """
    if not MatchVersion.objects.filter(pk=1).update(version=F("version") + 1):
        try:
            with transaction.atomic():
                MatchVersion.objects.create(pk=1, version=1)
        except IntegrityError:
            MatchVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if uses_shared_cache():
        # Drop the cached value now, so this transaction's own look-ups read the row; publish once committed
        # (a reader that cached the old value in between is corrected by that publication).
        cache.delete(VERSION_CACHE_KEY)
        transaction.on_commit(_publish_version)


# --- Banks --------------------------------------------------------------------------------------------------


def get_bank(name: str) -> Bank:
    bank = Bank.objects.filter(name=name).first()
    if bank is None:
        raise BankNotFound(_("There is no bank called %(name)s.") % {"name": name})
    return bank


def _check_threshold(value: int) -> int:
    if not 0 <= int(value) <= MAX_PDQ_DISTANCE:
        raise BankError(_("The PDQ threshold must be a whole number from 0 to 31."))
    return int(value)


def _check_ratio(value: float) -> float:
    if not 0.0 <= float(value) <= 1.0:
        raise BankError(_("The matching ratio must be a number from 0 to 1."))
    return float(value)


@dataclass(frozen=True)
class VpdqSettings:
    """A bank's vPDQ match settings; None leaves a setting as it is (HMA's defaults on a new bank)."""

    distance_threshold: int | None = None
    quality_threshold: int | None = None
    query_match_percent: float | None = None
    compared_match_percent: float | None = None


def _apply_vpdq_settings(bank: Bank, vpdq: VpdqSettings | None) -> None:
    if vpdq is None:
        return
    if vpdq.distance_threshold is not None:
        if not 0 <= int(vpdq.distance_threshold) <= MAX_PDQ_DISTANCE:
            raise BankError(_("The vPDQ frame distance threshold must be a whole number from 0 to 31."))
        bank.vpdq_distance_threshold = int(vpdq.distance_threshold)
    if vpdq.quality_threshold is not None:
        # The index holds frames of quality 50 and up (HMA's floor): a bank can be stricter, not laxer.
        if not 50 <= int(vpdq.quality_threshold) <= 100:
            raise BankError(_("The vPDQ frame quality threshold must be a whole number from 50 to 100."))
        bank.vpdq_quality_threshold = int(vpdq.quality_threshold)
    for name, value in (
        ("vpdq_query_match_percent", vpdq.query_match_percent),
        ("vpdq_compared_match_percent", vpdq.compared_match_percent),
    ):
        if value is not None:
            if not 0.0 <= float(value) <= 100.0:
                raise BankError(_("vPDQ match percentages must be numbers from 0 to 100."))
            setattr(bank, name, float(value))


def create_bank(
    name: str,
    *,
    matching_enabled_ratio: float = 1.0,
    pdq_threshold: int | None = None,
    description: str = "",
    vpdq: VpdqSettings | None = None,
) -> Bank:
    try:
        validate_bank_name(name)
    except InvalidSignal as exc:
        raise BankError(str(exc)) from None
    threshold = _check_threshold(pdq_threshold if pdq_threshold is not None else settings.REPORTAL_PDQ_THRESHOLD)
    bank = Bank(
        name=name,
        matching_enabled_ratio=_check_ratio(matching_enabled_ratio),
        pdq_threshold=threshold,
        description=description,
    )
    _apply_vpdq_settings(bank, vpdq)
    try:
        with transaction.atomic():
            bank.save(force_insert=True)
            bump_version()
    except IntegrityError:
        raise BankExists(_("A bank called %(name)s already exists.") % {"name": name}) from None
    return bank


def get_or_create_bank(name: str) -> Bank:
    bank = Bank.objects.filter(name=name).first()
    if bank is not None:
        return bank
    try:
        return create_bank(name)
    except BankExists:
        return get_bank(name)


def update_bank(
    bank: Bank,
    *,
    name: str | None = None,
    matching_enabled_ratio: float | None = None,
    pdq_threshold: int | None = None,
    vpdq: VpdqSettings | None = None,
) -> Bank:
    if name is not None and name != bank.name:
        try:
            validate_bank_name(name)
        except InvalidSignal as exc:
            raise BankError(str(exc)) from None
        bank.name = name
    if matching_enabled_ratio is not None:
        bank.matching_enabled_ratio = _check_ratio(matching_enabled_ratio)
    if pdq_threshold is not None:
        bank.pdq_threshold = _check_threshold(pdq_threshold)
    _apply_vpdq_settings(bank, vpdq)
    try:
        with transaction.atomic():
            bank.save()
            bump_version()
    except IntegrityError:
        raise BankExists(_("A bank called %(name)s already exists.") % {"name": name}) from None
    return bank


def delete_bank(name: str) -> int:
    with transaction.atomic():
        deleted, _detail = Bank.objects.filter(name=name).delete()
        if deleted:
            bump_version()
    return deleted


# --- Content ------------------------------------------------------------------------------------------------


@dataclass
class ContentSignals:
    """Validated signals of one content entry, plus its provenance, ready to be stored."""

    pdq: str = ""
    pdq_quality: int | None = None
    md5: str = ""
    sha1: str = ""
    sha256: str = ""
    vpdq: str = ""
    source: str = ""
    classification: str = ""
    external_id: str = ""
    original_media_uri: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @classmethod
    def from_mapping(cls, signals: dict[str, str], **provenance: Any) -> ContentSignals:
        """From {signal_type: value} (HMA or threatexchange names); raises InvalidSignal."""
        values: dict[str, Any] = {}
        for raw_type, raw_value in signals.items():
            signal_type, value = parse_signal(str(raw_type), str(raw_value))
            values[signal_type] = value
        if not values:
            raise InvalidSignal(_("No signals were given. Send at least one of pdq, md5, sha1, sha256 or vpdq."))
        return cls(**values, **provenance)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k in (PDQ, *CRYPTO_TYPES, VPDQ) if (v := getattr(self, k))}


def _content_row(bank: Bank, signals: ContentSignals, analyst: Any | None = None) -> BankContent:
    return BankContent(
        bank=bank,
        pdq=signals.pdq,
        pdq_quality=signals.pdq_quality,
        md5=signals.md5,
        sha1=signals.sha1,
        sha256=signals.sha256,
        vpdq=signals.vpdq,
        source=signals.source[:200],
        classification=signals.classification[:100],
        external_id=signals.external_id[:200],
        original_media_uri=signals.original_media_uri[:2000],
        metadata=signals.metadata,
        note=signals.note[:255],
        analyst=analyst if getattr(analyst, "pk", None) else None,
    )


def add_content(bank: Bank, signals: ContentSignals, *, analyst: Any | None = None) -> BankContent:
    content = _content_row(bank, signals, analyst)
    with transaction.atomic():
        content.save()
        bump_version()
    return content


_BULK_COLUMNS = (
    "bank_id",
    "disable_until_ts",
    "pdq",
    "pdq_quality",
    "md5",
    "sha1",
    "sha256",
    "vpdq",
    "source",
    "classification",
    "external_id",
    "original_media_uri",
    "metadata",
    "note",
    "created_at",
    "updated_at",
)


def insert_contents(bank: Bank, rows: list[tuple[ContentSignals, bool]]) -> int:
    """Insert (signals, disabled) rows with one executemany: imports of millions of rows spend their time here,
    and the ORM's per-field preparation would be most of it. Runs inside the caller's transaction."""
    if not rows:
        return 0
    meta = BankContent._meta
    now = meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    json_field = meta.get_field("metadata")
    empty_json = json_field.get_db_prep_save({}, connection)
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _BULK_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_BULK_COLUMNS))
    params = [
        (
            bank.pk,
            BankContent.DISABLED if disabled else BankContent.ENABLED,
            r.pdq,
            r.pdq_quality,
            r.md5,
            r.sha1,
            r.sha256,
            r.vpdq,
            r.source[:200],
            r.classification[:100],
            r.external_id[:200],
            r.original_media_uri[:2000],
            json_field.get_db_prep_save(r.metadata, connection) if r.metadata else empty_json,
            r.note[:255],
            now,
            now,
        )
        for r, disabled in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", params)  # noqa: S608
    bump_version()
    return len(params)


def add_contents_bulk(bank: Bank, rows: Iterable[ContentSignals]) -> int:
    """Insert many entries in one transaction (imports, exchange fetches); one version move for the lot."""
    with transaction.atomic():
        return insert_contents(bank, [(row, False) for row in rows])


def get_content(content_id: int, *, bank: Bank | None = None) -> BankContent:
    qs = BankContent.objects.select_related("bank")
    if bank is not None:
        qs = qs.filter(bank=bank)
    content = qs.filter(pk=content_id).first()
    if content is None:
        raise BankNotFound(_("There is no content %(id)s in this bank.") % {"id": content_id})
    return content


def set_content_disabled_until(content: BankContent, disable_until_ts: int) -> BankContent:
    """HMA's semantics: 0 disables, 1 enables, a later Unix time disables until then."""
    content.disable_until_ts = int(disable_until_ts)
    with transaction.atomic():
        content.save(update_fields=["disable_until_ts", "updated_at"])
        bump_version()
    return content


def set_content_enabled(content: BankContent, enabled: bool) -> BankContent:
    return set_content_disabled_until(content, BankContent.ENABLED if enabled else BankContent.DISABLED)


def delete_content(bank: Bank, content_id: int) -> int:
    with transaction.atomic():
        deleted, _detail = BankContent.objects.filter(bank=bank, pk=content_id).delete()
        if deleted:
            bump_version()
    return deleted
