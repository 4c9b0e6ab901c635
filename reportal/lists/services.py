"""What other apps may ask of the lists stage: entries from assessment and monitoring, publication, look-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.lists import auditing, matcher, publishing, signing
from reportal.lists.addresses import (
    AddressError,
    ListAddress,
    canonical_url,
    list_address,
    sha256_hex,
    split_canonical,
)
from reportal.lists.models import Keyword, ListEntry, ListKind, Publication, Scope

__all__ = [
    "AddressError",
    "EntryChange",
    "ListedPeriod",
    "entries_for",
    "add_entry",
    "add_keyword",
    "check",
    "on_confirmed",
    "on_reappeared",
    "on_removed",
    "publish",
    "remove_entry",
    "remove_keyword",
    "scope_problem",
]


@dataclass(frozen=True)
class EntryChange:
    entry: ListEntry | None
    created: bool  # False: the address was already on the list with this scope, or nothing matched to remove


def sign_detached(data: bytes) -> bytes:
    """The hotline's Ed25519 signature of `data` (base64, one line): the key that signs list exports also signs other
    exports that leave the hotline (police referral packages), so recipients trust one published key."""
    return signing.sign(data)


def signing_public_key_pem() -> bytes:
    return signing.public_key_pem()


def _hotline() -> str:
    return str(getattr(settings, "REPORTAL_HOTLINE_NAME", ""))


def add_entry(
    raw_url: str,
    scope: str = Scope.URL,
    *,
    category: str = "",
    source: str = "",
    portal: Any | None = None,
    item: Any | None = None,
    actor: Any | None = None,
    audit: bool = True,
) -> EntryChange:
    """Put an address on the URL list (from the next publication). Raises AddressError for a non-address."""
    target = list_address(raw_url, scope)
    return _add(
        target, category=category, source=source or _hotline(), portal=portal, item=item, actor=actor, audit=audit
    )


def _add(
    target: ListAddress,
    *,
    category: str,
    source: str,
    portal: Any | None,
    item: Any | None,
    actor: Any | None,
    audit: bool,
) -> EntryChange:
    with transaction.atomic():
        current = ListEntry.objects.select_for_update().filter(address_sha256=target.sha256, active=True).first()
        if current and current.scope == target.scope:
            if category and not current.category:
                current.category = category[:64]
                current.save(update_fields=["category"])
            return EntryChange(current, False)
        if current:
            _end(current, reason="scope changed")
            if audit:
                auditing.record("lists.entry_removed", actor=actor, obj=current, reason="scope changed")
        try:
            with transaction.atomic():
                entry = ListEntry.objects.create(
                    address=target.address,
                    address_sha256=target.sha256,
                    host=target.host[:253],
                    scope=target.scope,
                    category=category[:64],
                    source=source[:200],
                    portal=portal,
                    item=item,
                    added_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError:
            # Another process listed the same address a moment ago (the one-active-entry constraint held).
            return EntryChange(ListEntry.objects.filter(address_sha256=target.sha256, active=True).first(), False)
        # Inside the transaction: a list change without its audit record cannot happen.
        if audit:
            auditing.record(
                "lists.entry_added",
                actor=actor,
                obj=entry,
                scope=entry.scope,
                category=entry.category,
                address_sha256=entry.address_sha256,
            )
    return EntryChange(entry, True)


def _end(entry: ListEntry, *, reason: str) -> None:
    entry.active = False
    entry.removed_at = timezone.now()
    entry.removed_reason = reason[:64]
    entry.save(update_fields=["active", "removed_at", "removed_reason"])


def remove_entry(
    raw_url: str, *, scope: str | None = None, actor: Any | None = None, reason: str = "removed", audit: bool = True
) -> list[ListEntry]:
    """End the active entries for an address (its URL form, and its host form for a whole-domain entry)."""
    url, host = canonical_url(raw_url)
    candidates: set[str] = set()
    if scope != Scope.DOMAIN:
        candidates.add(sha256_hex(url))
    if scope == Scope.DOMAIN or (scope is None and _bare(raw_url)):
        candidates.add(sha256_hex(host))
    with transaction.atomic():
        ended = list(ListEntry.objects.select_for_update().filter(address_sha256__in=candidates, active=True))
        for entry in ended:
            _end(entry, reason=reason)
            if audit:
                auditing.record(
                    "lists.entry_removed", actor=actor, obj=entry, reason=reason, address_sha256=entry.address_sha256
                )
    return ended


def _bare(raw_url: str) -> bool:
    """A host alone (`bad.test`, `http://bad.test/`) may name a whole-domain entry."""
    tail = raw_url.strip().split("://", 1)[-1]
    return "/" not in tail.rstrip("/")


def scope_problem(canonical: str, scope: str) -> str | None:
    """Why a list entry of `scope` cannot be made for this address (say, a whole-domain entry for an IP-address
    host), in words for the analyst; None when it can. Asked before a decision is saved, so none is dropped later."""
    try:
        list_address(canonical, scope)
    except AddressError as exc:
        return str(exc)
    return None


def on_confirmed(item: Any, *, scope: str = "url", category: str = "", actor: Any | None = None) -> None:
    """An analyst confirmed `item` (reports.ReportedUrl); scope is 'url', 'prefix' or 'domain'. Adds a list entry."""
    with transaction.atomic():
        change = add_entry(
            item.canonical_url, scope, category=category, portal=getattr(item, "portal", None), item=item, actor=actor
        )
        # A new decision on the same item replaces its earlier entry (say, the exact address became the domain).
        if change.entry is not None:
            for earlier in (
                ListEntry.objects.select_for_update().filter(item_id=item.pk, active=True).exclude(pk=change.entry.pk)
            ):
                _end(earlier, reason="scope changed")
                auditing.record("lists.entry_removed", actor=actor, obj=earlier, reason="scope changed")


def on_removed(item: Any) -> None:
    """Monitoring found the content of `item` gone: its list entry ends."""
    with transaction.atomic():
        same_address = Q(scope__in=[Scope.URL, Scope.PREFIX], address_sha256=sha256_hex(item.canonical_url))
        ended = list(ListEntry.objects.select_for_update().filter(Q(item_id=item.pk) | same_address, active=True))
        for entry in ended:
            _end(entry, reason="content removed")
            auditing.record("lists.entry_removed", obj=entry, reason="content removed", item=item.pk)


def on_reappeared(item: Any) -> None:
    """Content came back after removal: the entry becomes active again, as a new period (history is kept)."""
    last = (
        ListEntry.objects.filter(item_id=item.pk).order_by("-pk").first()
        or ListEntry.objects.filter(address_sha256=sha256_hex(item.canonical_url)).order_by("-pk").first()
    )
    if last is None or last.active:
        return
    with transaction.atomic():
        change = _add(
            ListAddress(address=last.address, host=last.host, scope=last.scope),
            category=last.category,
            source=last.source,
            portal=last.portal,
            item=item,
            actor=None,
            audit=False,
        )
        if change.created and change.entry:
            auditing.record("lists.entry_reactivated", obj=change.entry, previous=last.pk, item=item.pk)


def publish(
    kind: str = ListKind.URLS, *, trigger: str = "manual", actor: Any | None = None, only_if_changed: bool = False
) -> Publication | None:
    """Publish the next numbered version of a list now (None when only_if_changed and nothing changed)."""
    with transaction.atomic():
        published = publishing.publish(kind, trigger=trigger, only_if_changed=only_if_changed)
        if published:
            auditing.record(
                "lists.published",
                actor=actor,
                obj=published,
                trigger=trigger,
                entries=published.entry_count,
                added=published.added_count,
                removed=published.removed_count,
            )
    return published


def check(raw_url: str) -> matcher.CheckResult:
    """Whether an address is blocked by the latest published URL list (after canonicalisation)."""
    return matcher.check(raw_url)


def keyword_sha256(term: str, language: str) -> str:
    """The key of a term: language and term, whitespace collapsed and case folded, so variants do not list twice."""
    return sha256_hex(f"{language.strip().lower()}:{' '.join(term.split()).casefold()}")


def add_keyword(term: str, language: str, *, category: str = "", actor: Any | None = None) -> EntryChange:
    term = " ".join(term.split())
    language = language.strip().lower()
    if not term or not language:
        raise ValueError("Give the term and its language code.")
    digest = keyword_sha256(term, language)
    with transaction.atomic():
        current = Keyword.objects.select_for_update().filter(term_sha256=digest, active=True).first()
        if current:
            return EntryChange(None, False)
        keyword = Keyword.objects.create(
            term=term[:200],
            language=language[:10],
            term_sha256=digest,
            category=category[:64],
            added_by=actor if getattr(actor, "pk", None) else None,
        )
        auditing.record("lists.keyword_added", actor=actor, obj=keyword, language=language)
    return EntryChange(None, True)


def remove_keyword(term: str, language: str, *, actor: Any | None = None) -> int:
    digest = keyword_sha256(term, language)
    with transaction.atomic():
        ended = list(Keyword.objects.select_for_update().filter(term_sha256=digest, active=True))
        for keyword in ended:
            keyword.active = False
            keyword.removed_at = timezone.now()
            keyword.save(update_fields=["active", "removed_at"])
            auditing.record("lists.keyword_removed", actor=actor, obj=keyword)
    return len(ended)


@dataclass(frozen=True)
class ListedPeriod:
    """One period of an entry that covers an address, for the analyst's history of the item."""

    address: str
    scope: str
    category: str
    active: bool
    added_at: Any
    removed_at: Any | None

    def __str__(self) -> str:
        values = {
            "address": self.address,
            "scope": Scope(self.scope).label,
            "added": f"{self.added_at:%Y-%m-%d}",
            "removed": f"{self.removed_at:%Y-%m-%d}" if self.removed_at else "",
        }
        if self.active:
            return _("On the URL list since %(added)s: %(address)s (%(scope)s).") % values
        return _("Was on the URL list from %(added)s to %(removed)s: %(address)s (%(scope)s).") % values


def entries_for(canonical: str, *, host: str = "", limit: int = 20) -> list[ListedPeriod]:
    """Entries, live and ended, that cover this address: the address itself, a prefix of it, or its domain."""
    if not host:
        host = split_canonical(canonical)[0]
    labels = host.split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels))]
    covering = (
        Q(address_sha256=sha256_hex(canonical))
        | Q(scope=Scope.DOMAIN, address__in=domains)
        | Q(scope=Scope.PREFIX, host=host)
    )
    periods = []
    for entry in ListEntry.objects.filter(covering).order_by("-pk")[: limit * 2]:
        if entry.scope == Scope.PREFIX and not matcher.prefix_covers(entry.address, canonical):
            continue
        periods.append(
            ListedPeriod(entry.address, entry.scope, entry.category, entry.active, entry.added_at, entry.removed_at)
        )
    return periods[:limit]
